package form

import (
	"cmp"
	"fmt"
	"maps"
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
	// server. The envelope's maps are never modified: Data is env.Data
	// itself when the device sent the same calculates, else a copy that
	// shares the unchanged parts. Nil when the envelope had no data.
	Data map[string]any `json:"data"`
}

// vstate is the state of one validation: every answer converted once into
// a typed slot, so that expressions read slots by index.
type vstate struct {
	s     *Survey
	ctx   evalCtx // reused by every evaluation (zeroing it each time shows)
	today Value
	hh    []slot
	reps  []repState
	found []found
}

type slot struct {
	v Value
	// bad: wrong type or choice, reported once and then read as empty.
	// unsure: bad, or derived from a bad answer (a relevance or
	// calculation that read one). Whatever reads an unsure slot is unsure
	// too, and problems that depend on it are not reported: one mistake
	// gives one error, not a cascade through every question it gates.
	bad, unsure bool
}

type repState struct {
	rows  []rowState
	slots []slot // backing store of the rows' slots
	src   []any  // the rows as sent
	n     int    // rows visible to expressions (0 when not relevant)
	bad   bool   // the repeat is not a list
}

type rowState struct {
	slots []slot
	raw   map[string]any // nil when the row is not an object
}

// maxRows is the most rows a repeat may have in a submission.
const maxRows = 1000

// maxPooledSlots bounds the memory a pooled state keeps: a submission
// with a huge repeat gets fresh memory that is then left to the GC.
const maxPooledSlots = 1 << 14

// getState returns a cleared validation state, reusing the memory of an
// earlier validation: a household needs a few hundred slots, and
// allocating them each time is most of the garbage Validate would make.
func (s *Survey) getState() *vstate {
	st, _ := s.pool.Get().(*vstate)
	if st == nil {
		st = &vstate{s: s, hh: make([]slot, s.hhSlots), reps: make([]repState, len(s.repeats))}
	}
	return st
}

func (s *Survey) putState(st *vstate) {
	size := len(st.found)
	for i := range st.reps {
		size += cap(st.reps[i].slots)
	}
	if size > maxPooledSlots {
		return
	}
	clear(st.hh)
	for i := range st.reps {
		r := &st.reps[i]
		clear(r.slots)
		clear(r.rows)
		*r = repState{rows: r.rows[:0], slots: r.slots[:0]}
	}
	clear(st.found)
	st.found = st.found[:0]
	st.ctx = evalCtx{}
	s.pool.Put(st)
}

// grow returns a cleared slice of length n, reusing b's memory if it can.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// key orders problems as the questionnaire does: by household field or
// repeat, then row, then field in the row.
type key struct{ top, row, ord int }

type found struct {
	Problem
	warn bool
	key  key
}

func (st *vstate) add(warn bool, k key, path, rule, msg string) {
	st.found = append(st.found, found{Problem{path, rule, msg}, warn, k})
}

func path(f *Field, row int) string {
	if f.repeat == nil {
		return f.Name
	}
	return fmt.Sprintf("%s[%d].%s", f.repeat.Name, row, f.Name)
}

func fieldKey(f *Field, row int) key {
	if f.repeat == nil {
		return key{top: f.ord, row: -1}
	}
	return key{top: f.repeat.ord, row: row, ord: f.ord}
}

func (st *vstate) fieldProblem(f *Field, row int, rule, msg string) {
	st.add(false, fieldKey(f, row), path(f, row), rule, msg)
}

// eval evaluates an expression over the submission's slots. unsure
// reports that it read an answer that is unknown (see slot).
func (st *vstate) eval(e *Expr, row int) (v Value, unsure bool) {
	c := &st.ctx
	c.row, c.unsure = row, false
	v = e.root.eval(c)
	return v, c.unsure
}

// test evaluates an expression as a condition (see evalBool).
func (st *vstate) test(e *Expr, row int) (ok, unsure bool) {
	c := &st.ctx
	c.row, c.unsure = row, false
	ok = e.root.evalBool(c)
	return ok, c.unsure
}

// read returns the slot expressions see during validation, nil outside
// the rows.
func (st *vstate) read(f *Field, row int) *slot {
	if f.repeat == nil {
		return &st.hh[f.slot]
	}
	r := &st.reps[f.repeat.repIdx]
	if row < 0 || row >= r.n || r.rows[row].slots == nil {
		return nil
	}
	return &r.rows[row].slots[f.slot]
}

func (st *vstate) slotp(f *Field, row int) *slot {
	if f.repeat == nil {
		return &st.hh[f.slot]
	}
	return &st.reps[f.repeat.repIdx].rows[row].slots[f.slot]
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

// load converts every answer into its slot and reports answers that are
// not questions of the survey.
func (st *vstate) load(data map[string]any) {
	s := st.s
	known := 0
	for _, f := range s.rows {
		if f.repeat != nil {
			continue
		}
		raw, ok := data[f.Name]
		if !ok {
			continue
		}
		switch {
		case f.kind == kRepeat:
			known++
			st.loadRepeat(f, raw)
		case f.hasAnswer():
			known++
			st.hh[f.slot] = st.convert(f, raw, -1)
		case f.kind == kNote && raw == nil:
			known++
		}
	}
	if known < len(data) {
		st.unknown(data, nil, -1)
	}
}

func (st *vstate) loadRepeat(rep *Field, raw any) {
	r := &st.reps[rep.repIdx]
	var rows []any
	switch x := raw.(type) {
	case nil:
		return
	case []any:
		rows = x
	case []map[string]any:
		rows = make([]any, len(x))
		for i, m := range x {
			rows[i] = m
		}
	default:
		r.bad = true
		st.add(false, key{top: rep.ord, row: -1, ord: -1}, rep.Name, "type",
			fmt.Sprintf("%s must be a list of rows (got %s)", rep.title(), describe(raw)))
		return
	}
	if len(rows) > maxRows {
		// A device bug or an attack, not a household: the slots for a
		// million rows would take gigabytes.
		r.bad = true
		st.add(false, key{top: rep.ord, row: -1, ord: -1}, rep.Name, "type",
			fmt.Sprintf("%s has %d rows; at most %d are accepted", rep.title(), len(rows), maxRows))
		return
	}
	r.rows = grow(r.rows, len(rows))
	r.src = rows
	r.n = len(rows)
	r.slots = grow(r.slots, len(rows)*rep.nslots)
	all := r.slots
	for i, e := range rows {
		rs := &r.rows[i]
		rs.slots = all[i*rep.nslots : (i+1)*rep.nslots : (i+1)*rep.nslots]
		m, ok := e.(map[string]any)
		if !ok {
			st.add(false, key{top: rep.ord, row: i, ord: -1}, fmt.Sprintf("%s[%d]", rep.Name, i), "type",
				fmt.Sprintf("row %d of %s must be an object of answers (got %s)", i+1, rep.title(), describe(e)))
			continue
		}
		rs.raw = m
		known := 0
		for _, f := range rep.sub {
			raw, ok := m[f.Name]
			if !ok {
				continue
			}
			known++
			rs.slots[f.slot] = st.convert(f, raw, i)
		}
		if known < len(m) {
			st.unknown(m, rep, i)
		}
	}
}

// unknown reports the keys of an answers object (household or a row of
// rep) that are not answers at that level.
func (st *vstate) unknown(m map[string]any, rep *Field, row int) {
	keys := make([]string, 0, 4)
	for k := range m {
		f := st.s.byName[k]
		if f != nil && f.repeat == rep && (f.hasAnswer() || f.kind == kRepeat || (f.kind == kNote && m[k] == nil)) {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f := st.s.byName[k]
		var msg string
		switch {
		case f == nil:
			msg = fmt.Sprintf("%s is not a question of this survey", describe(k))
		case f.kind == kNote && f.repeat == rep:
			msg = fmt.Sprintf("%s is a note and takes no answer", k)
		case f.kind == kGroup:
			msg = fmt.Sprintf("%s is a group: its questions go directly in the answers, not inside it", k)
		case f.repeat != nil && f.repeat != rep:
			msg = fmt.Sprintf("%s is asked for each row of %s: it belongs inside %s", k, f.repeat.Name, f.repeat.Name)
		default:
			msg = fmt.Sprintf("%s is a household question, not a question of %s", k, rep.Name)
		}
		if rep == nil {
			st.add(false, key{top: math.MaxInt - 1}, k, "type", msg)
		} else {
			st.add(false, key{top: rep.ord, row: row, ord: math.MaxInt - 1}, fmt.Sprintf("%s[%d].%s", rep.Name, row, k), "type", msg)
		}
	}
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
		if u.kind == kRepeat {
			st.runRepeat(u)
		} else {
			st.step(u, -1)
		}
	}
}

func (st *vstate) step(f *Field, row int) {
	sl := st.slotp(f, row)
	rel, unsure := st.relevant(f, row)
	if unsure {
		// Whether the question applies is unknown: keep the answer, say
		// nothing about it, and let what reads it be unsure too.
		sl.unsure = true
		if f.kind == kCalculate {
			sl.v, _ = st.eval(f.calc, row)
		}
		return
	}
	if !rel {
		if f.kind != kCalculate && !sl.v.IsNull() {
			st.fieldProblem(f, row, "relevance", fmt.Sprintf("%s was answered but should have been skipped (asked only if %s)", f.title(), relevantText(f)))
		}
		sl.v = Value{}
		return
	}
	if f.kind == kCalculate {
		v, unsure := st.eval(f.calc, row)
		sl.unsure = unsure
		if !unsure && !sl.v.IsNull() && !sameValue(sl.v, v) {
			st.add(true, fieldKey(f, row), path(f, row), "type",
				fmt.Sprintf("%s was %s on the device but the server computes %s; the server's value is kept", f.title(), describeValue(sl.v), describeValue(v)))
		}
		sl.v = v
		return
	}
	if f.Required && sl.v.IsNull() && !sl.bad {
		st.fieldProblem(f, row, "required", fmt.Sprintf("%s is required but has no answer", f.title()))
		// The answer that should be there is unknown, like a bad one.
		sl.unsure = true
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
			st.add(false, key{top: rep.ord, row: -1, ord: -1}, rep.Name, "relevance",
				fmt.Sprintf("%s has %d rows but should have been skipped (asked only if %s)", rep.title(), len(r.rows), relevantText(rep)))
		}
		r.n = 0
		return
	}
	if rep.count != nil && !r.bad && !unsure {
		v, u := st.eval(rep.count, -1)
		if want, ok := v.Float(); ok && !u && float64(len(r.rows)) != want {
			st.add(false, key{top: rep.ord, row: -1, ord: -1}, rep.Name, "repeat_count",
				fmt.Sprintf("%s has %d rows but should have %s (%s)", rep.title(), len(r.rows), formatNumber(want), rep.RepeatCount))
		}
	}
	// Column by column, so that a field reading an aggregate of an
	// earlier field of the same repeat sees every row finished.
	for _, f := range rep.plan {
		for i := range r.rows {
			if r.rows[i].raw != nil {
				st.step(f, i)
			}
		}
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
			if r.rows[i].raw != nil {
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
			if !f.filter.root.evalBool(c) && !c.unsure {
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
				k, p = fieldKey(c.field, -1), c.field.Name
			}
			st.add(c.Severity == "warning", k, p, "check", checkMessage(c))
			continue
		}
		r := &st.reps[c.rep.repIdx]
		for i := 0; i < r.n; i++ {
			if r.rows[i].raw == nil {
				continue
			}
			if ok, unsure := st.test(c.expr, i); ok || unsure {
				continue
			}
			k, p := key{top: c.rep.ord, row: i, ord: math.MaxInt}, fmt.Sprintf("%s[%d]", c.rep.Name, i)
			if c.field != nil {
				k, p = fieldKey(c.field, i), path(c.field, i)
			}
			st.add(c.Severity == "warning", k, p, "check", checkMessage(c))
		}
	}
}

// checkMessage names the check so that reviewers can find its rule.
func checkMessage(c *Check) string { return c.Message + " (check " + c.Name + ")" }

// output returns the answers with the server's calculates. The device's
// maps are never modified: a map is copied only when a calculate differs
// from what the device sent, so that in the common case (the device sent
// the same values) nothing is copied and Result.Data is env.Data.
func (st *vstate) output(data map[string]any) map[string]any {
	s := st.s
	out := cow{orig: data}
	for _, f := range s.fields {
		if f.kind == kCalculate && f.repeat == nil {
			out.setCalc(f.Name, st.hh[f.slot].v)
		}
	}
	for _, rep := range s.repeats {
		r := &st.reps[rep.repIdx]
		if r.n == 0 || !rep.hasCalc {
			continue
		}
		var rows []any // copied on the first row that changes
		for i := range r.rows {
			rs := &r.rows[i]
			if rs.raw == nil {
				continue
			}
			row := cow{orig: rs.raw}
			for _, f := range rep.sub {
				if f.kind == kCalculate {
					row.setCalc(f.Name, rs.slots[f.slot].v)
				}
			}
			if row.m != nil {
				if rows == nil {
					rows = slices.Clone(r.src)
				}
				rows[i] = row.m
			}
		}
		if rows != nil {
			out.set(rep.Name, rows)
		}
	}
	return out.result()
}

// cow is a copy-on-write map: orig is copied into m on the first change.
type cow struct{ orig, m map[string]any }

func (c *cow) set(k string, x any) {
	if c.m == nil {
		c.m = maps.Clone(c.orig)
	}
	if x == nil {
		delete(c.m, k)
	} else {
		c.m[k] = x
	}
}

func (c *cow) result() map[string]any {
	if c.m != nil {
		return c.m
	}
	return c.orig
}

// setCalc stores a calculate's server value unless the device sent the
// same value with the same JSON type (1 and "1" compare equal, but the
// stored type must be the server's).
func (c *cow) setCalc(k string, v Value) {
	old := c.orig[k]
	if v.IsNull() {
		if old != nil {
			c.set(k, nil)
		}
		return
	}
	if old != nil && sameKind(old, v) && sameValue(anyValue(noField, old), v) {
		return // no boxing of v: this is the common case
	}
	c.set(k, v.Any())
}

// noField is a field of no particular type, for reading a raw value.
var noField = &Field{kind: kNote}

func sameKind(raw any, v Value) bool {
	switch raw.(type) {
	case float64:
		return v.kind == KindNumber
	case string:
		return v.kind == KindString || v.kind == KindDate
	case bool:
		return v.kind == KindBool
	}
	return false
}
