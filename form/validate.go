package form

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Problem is one thing wrong with a submission. Path names the answer
// (members[2].b_age, 0-based rows; "" for the whole household), Rule is
// one of type, required, relevance, choice, constraint, repeat_count,
// check.
type Problem struct {
	Path    string `json:"path"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Statuses of a validated submission.
const (
	StatusReceived = "received" // no problem
	StatusFlagged  = "flagged"  // warnings only: goes to review
	StatusInvalid  = "invalid"  // at least one error: rejected
)

// Result of validating one envelope.
type Result struct {
	Status   string    `json:"status"`
	Errors   []Problem `json:"errors"`
	Warnings []Problem `json:"warnings"`
	// Data is the answers with the calculate fields computed by the
	// server, non-relevant answers cleared and ODK's value formats in
	// their stored form (canonical.go). The envelope's maps are never
	// modified: Data is env.Data itself when nothing changed, else a copy
	// that shares the unchanged parts. Nil when the envelope had no data.
	Data map[string]any `json:"data"`
}

// Validate checks one submission: the envelope, then every answer (type,
// choice, relevance, required, repeat counts, constraints), computes the
// calculates, and evaluates the checks. All problems are reported, in
// questionnaire order. today is the server's date (date part of today in
// its location); a_date after it is refused.
//
// A calculate sent by the device that differs from the server's value is
// a warning (rule type) and the server's value is kept in Result.Data.
func (s *Survey) Validate(env *Envelope, today time.Time) Result {
	st := s.getState()
	defer s.putState(st)
	st.today = DateValue(today)
	st.ctx = evalCtx{st: st, today: st.today}
	var res Result
	if env == nil {
		st.add(false, key{top: -1}, "", "required", "no submission")
	} else {
		st.envelope(env)
		if env.Data == nil {
			st.add(false, key{top: -1}, "data", "required", "data (the answers) is missing")
		} else {
			st.load(env.Data)
			st.run()
			st.constraints()
			st.checks()
			res.Data = st.output(env.Data)
		}
	}
	slices.SortStableFunc(st.found, func(a, b found) int {
		return cmp.Or(cmp.Compare(a.key.top, b.key.top), cmp.Compare(a.key.row, b.key.row), cmp.Compare(a.key.ord, b.key.ord))
	})
	res.Errors, res.Warnings = []Problem{}, []Problem{}
	for _, f := range st.found {
		if f.warn {
			res.Warnings = append(res.Warnings, f.Problem)
		} else {
			res.Errors = append(res.Errors, f.Problem)
		}
	}
	switch {
	case len(res.Errors) > 0:
		res.Status = StatusInvalid
	case len(res.Warnings) > 0:
		res.Status = StatusFlagged
	default:
		res.Status = StatusReceived
	}
	return res
}

// relevant evaluates a field's relevance and that of its enclosing
// groups. It is unsure when it read an unknown answer and no part of it
// is false for sure.
func (st *vstate) relevant(f *Field, row int) (relevant, unsure bool) {
	for _, e := range f.relevant {
		ok, u := st.test(e, row)
		switch {
		case u:
			unsure = true
		case !ok:
			return false, false
		}
	}
	return !unsure, unsure
}

// run goes through the survey in evaluation order: relevance (a skipped
// question must have no answer, and reads as empty afterwards), required
// answers, calculates and repeat counts.
func (st *vstate) run() {
	for _, u := range st.s.plan {
		switch u.kind {
		case kRepeat:
			st.runRepeat(u)
		case kNote:
			st.stepNote(u, -1)
		default:
			st.step(u, -1)
		}
	}
}

func (st *vstate) step(f *Field, row int) {
	sl := st.slotp(f, row)
	rel, unsure := st.relevant(f, row)
	device := f.Device && f.kind == kCalculate
	if unsure {
		// Whether the question applies is unknown: keep the answer, say
		// nothing about it, and let what reads it be unsure too.
		sl.unsure = true
		if f.kind == kCalculate && !device {
			sl.v, _ = st.eval(f.calc, row)
		}
		return
	}
	if !rel {
		if f.kind != kCalculate && !sl.v.IsNull() && !sl.bad {
			// ODK clears what does not apply before sending; a device that
			// sent it anyway is told, and the answer is dropped from the
			// data (the submission as sent is kept).
			st.add(true, st.fieldKey(f, row), st.path(f, row), "relevance",
				fmt.Sprintf("%s was answered but does not apply (asked only if %s); the answer is cleared", f.title(), relevantText(f)))
			sl.cleared = true
			if f.repeat != nil {
				st.reps[f.repeat.repIdx].anyCleared = true
			}
		}
		sl.v = Value{}
		return
	}
	if f.kind == kCalculate && !device {
		v, unsure := st.eval(f.calc, row)
		sl.unsure = unsure
		if !unsure && !sl.v.IsNull() && !sameValue(sl.v, v) {
			st.add(true, st.fieldKey(f, row), st.path(f, row), "type",
				fmt.Sprintf("%s was %s on the device but the server computes %s; the server's value is kept", f.title(), describeValue(sl.v), describeValue(v)))
		}
		sl.v = v
		return
	}
	required := f.Required
	if !required && f.reqIf != nil {
		ok, u := st.test(f.reqIf, row)
		required = ok && !u
	}
	if required && sl.v.IsNull() && !sl.bad {
		st.fieldProblem(f, row, "required", fmt.Sprintf("%s is required but has no answer", f.title()))
		// The answer that should be there is unknown, like a bad one.
		sl.unsure = true
	}
}

// stepNote checks a required note (the blocking-note idiom: a note that
// is required stops the interview where it applies).
func (st *vstate) stepNote(f *Field, row int) {
	if !f.Required && f.reqIf == nil {
		return
	}
	if rel, unsure := st.relevant(f, row); !rel || unsure {
		return
	}
	required := f.Required
	if !required {
		ok, u := st.test(f.reqIf, row)
		required = ok && !u
	}
	if required {
		st.fieldProblem(f, row, "required", fmt.Sprintf("%s is required but has no answer", f.title()))
	}
}

func relevantText(f *Field) string {
	s := ""
	for i, e := range f.relevant {
		if i > 0 {
			s += " and "
		}
		s += e.src
	}
	return s
}

func (st *vstate) runRepeat(rep *Field) {
	r := &st.reps[rep.repIdx]
	rel, unsure := st.relevant(rep, -1)
	if !rel && !unsure {
		if len(r.rows) > 0 {
			st.add(true, key{top: rep.ord, row: -1, ord: -1}, rep.Key, "relevance",
				fmt.Sprintf("%s has %d rows but does not apply (asked only if %s); the rows are cleared", rep.title(), len(r.rows), relevantText(rep)))
			r.cleared = true
		}
		r.n = 0
		for i := range r.rows {
			r.rows[i].off = true
		}
		st.offChildren(rep)
		return
	}
	if rep.count != nil && !r.bad && !unsure {
		v, u := st.eval(rep.count, -1)
		if want, ok := v.Float(); ok && !u && float64(len(r.rows)) != want {
			st.add(false, key{top: rep.ord, row: -1, ord: -1}, rep.Key, "repeat_count",
				fmt.Sprintf("%s has %d rows but should have %s (%s)", rep.title(), len(r.rows), formatNumber(want), rep.RepeatCount))
		}
	}
	st.runRows(rep)
}

// runRows steps through the rows of a repeat: column by column, so that a
// field reading an aggregate of an earlier field of the same repeat sees
// every row finished; a repeat inside is checked in each row, then run.
func (st *vstate) runRows(rep *Field) {
	r := &st.reps[rep.repIdx]
	for _, f := range rep.plan {
		if f.kind == kRepeat {
			st.runNested(f)
			continue
		}
		for i := range r.rows {
			if !st.rowOn(rep, i) {
				continue
			}
			if f.kind == kNote {
				st.stepNote(f, i)
			} else {
				st.step(f, i)
			}
		}
	}
}

// runNested checks a repeat inside another in each row of the outer one
// (relevance, repeat_count), then runs its rows.
func (st *vstate) runNested(rep *Field) {
	outer := rep.repeat
	r := &st.reps[rep.repIdx]
	counts := make(map[int]int)
	for i := range r.rows {
		counts[r.rows[i].parent]++
	}
	for p := range st.reps[outer.repIdx].rows {
		if !st.rowOn(outer, p) {
			continue
		}
		rel, unsure := st.relevant(rep, p)
		if !rel && !unsure {
			if counts[p] > 0 {
				st.add(true, st.fieldKey(rep, p), st.repPath(rep, p), "relevance",
					fmt.Sprintf("%s has %d rows but does not apply (asked only if %s); the rows are cleared", rep.title(), counts[p], relevantText(rep)))
			}
			for i := range r.rows {
				if r.rows[i].parent == p {
					r.rows[i].off = true
				}
			}
			continue
		}
		if rep.count != nil && !r.bad && !unsure {
			v, u := st.eval(rep.count, p)
			if want, ok := v.Float(); ok && !u && float64(counts[p]) != want {
				st.add(false, st.fieldKey(rep, p), st.repPath(rep, p), "repeat_count",
					fmt.Sprintf("%s has %d rows but should have %s (%s)", rep.title(), counts[p], formatNumber(want), rep.RepeatCount))
			}
		}
	}
	for i := range r.rows {
		if p := r.rows[i].parent; p >= 0 && !st.rowOn(outer, p) {
			r.rows[i].off = true
		}
	}
	st.runRows(rep)
}

// offChildren drops the rows of the repeats inside rep.
func (st *vstate) offChildren(rep *Field) {
	for _, c := range rep.children {
		r := &st.reps[c.repIdx]
		for i := range r.rows {
			r.rows[i].off = true
		}
		st.offChildren(c)
	}
}

// sameValue compares a calculate's device value with the server's,
// numbers with a relative tolerance (devices format decimals their way).
func sameValue(device, server Value) bool {
	if x, ok := device.Float(); ok {
		if y, ok := server.Float(); ok {
			return math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(y))
		}
	}
	if device.kind == KindBool || server.kind == KindBool {
		return device.String() == server.String()
	}
	return equal(device, server)
}

// constraints evaluates every constraint and choice_filter on the answers
// that remain after relevance.
func (st *vstate) constraints() {
	for _, f := range st.s.fields {
		if f.constraint == nil && f.filter == nil {
			continue
		}
		if f.repeat == nil {
			st.constraint(f, -1)
			continue
		}
		r := &st.reps[f.repeat.repIdx]
		for i := 0; i < r.n; i++ {
			if st.rowOn(f.repeat, i) {
				st.constraint(f, i)
			}
		}
	}
}

func (st *vstate) constraint(f *Field, row int) {
	sl := st.slotp(f, row)
	if sl.unsure || sl.v.IsNull() {
		return
	}
	c := &st.ctx
	c.row, c.unsure, c.dot = row, false, sl.v
	defer func() { c.dot, c.choice = Value{}, nil }()
	if f.constraint != nil && !f.constraint.root.evalBool(c) && !c.unsure {
		msg := f.ConstraintMessage
		if msg == "" {
			msg = fmt.Sprintf("%s is not accepted (rule: %s)", f.title(), f.Constraint)
		}
		st.fieldProblem(f, row, "constraint", fmt.Sprintf("%s (got %s)", msg, describeValue(sl.v)))
	}
	if f.filter != nil {
		var codes []string
		if sl.v.kind == KindList {
			for _, x := range sl.v.list {
				codes = append(codes, x.(string))
			}
		} else {
			codes = []string{sl.v.str}
		}
		for _, code := range codes {
			c.choice = &f.list.choices[f.list.index[code]]
			c.unsure = false
			pass := f.filter.root.evalBool(c)
			if !pass && f.list.dup {
				// The same name in several rows (allow_choice_duplicates):
				// any of them may pass.
				for i := range f.list.choices {
					if ch := &f.list.choices[i]; ch.Name == code {
						c.choice = ch
						if pass = f.filter.root.evalBool(c); pass {
							break
						}
					}
				}
			}
			if !pass && !c.unsure {
				st.fieldProblem(f, row, "choice", fmt.Sprintf("%s is not an allowed answer to %s here (%s)", describe(code), f.title(), f.ChoiceFilter))
			}
		}
	}
}

// checks evaluates the form-level checks, per row for repeat scopes.
func (st *vstate) checks() {
	for _, c := range st.s.checks {
		if c.rep == nil {
			if ok, unsure := st.test(c.expr, -1); ok || unsure {
				continue
			}
			k, p := key{top: math.MaxInt}, ""
			if c.field != nil {
				k, p = st.fieldKey(c.field, -1), c.field.Key
			}
			st.add(c.Severity == "warning", k, p, "check", checkMessage(c))
			continue
		}
		r := &st.reps[c.rep.repIdx]
		for i := 0; i < r.n; i++ {
			if !st.rowOn(c.rep, i) {
				continue
			}
			if ok, unsure := st.test(c.expr, i); ok || unsure {
				continue
			}
			k, p := key{top: c.rep.ord, row: i, ord: math.MaxInt}, st.rowPath(c.rep, i)
			if c.field != nil {
				k, p = st.fieldKey(c.field, i), st.path(c.field, i)
			}
			st.add(c.Severity == "warning", k, p, "check", checkMessage(c))
		}
	}
}

// checkMessage names the check so that reviewers can find its rule.
func checkMessage(c *Check) string { return c.Message + " (check " + c.Name + ")" }
