package form

import "fmt"

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
	cleared     bool // answered but not relevant: dropped from Result.Data
}

type repState struct {
	rows       []rowState
	slots      []slot // backing store of the rows' slots
	src        []any  // the rows as sent
	n          int    // rows visible to expressions (0 when not relevant)
	bad        bool   // the repeat is not a list
	cleared    bool   // rows sent for a repeat that does not apply
	anyCleared bool   // a row had a non-relevant answer dropped
}

type rowState struct {
	slots  []slot
	raw    map[string]any // nil when the row is not an object
	parent int            // row of the enclosing repeat (nested repeats), -1 at the top
	local  int            // 0-based position among the rows of its parent row
	off    bool           // its repeat does not apply in its parent row: read as absent
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

// path names an answer: members[2].b_age (0-based rows), with the rows
// of enclosing repeats for nested ones: members[0].children[1].age.
func (st *vstate) path(f *Field, row int) string {
	if f.repeat == nil {
		return f.Key
	}
	return st.rowPath(f.repeat, row) + "." + f.Key
}

// rowPath names row (global index) of a repeat: members[2].
func (st *vstate) rowPath(rep *Field, row int) string {
	if row < 0 || row >= len(st.reps[rep.repIdx].rows) {
		return rep.Key
	}
	rs := &st.reps[rep.repIdx].rows[row]
	return fmt.Sprintf("%s[%d]", st.repPath(rep, rs.parent), rs.local)
}

// repPath names a repeat inside row parent of its enclosing repeat.
func (st *vstate) repPath(rep *Field, parent int) string {
	if rep.repeat == nil || parent < 0 {
		return rep.Key
	}
	return st.rowPath(rep.repeat, parent) + "." + rep.Key
}

// top returns the outermost repeat of f and the row of it that holds row.
func (st *vstate) top(f *Field, row int) (*Field, int) {
	rep := f.repeat
	for rep != nil && rep.repeat != nil && row >= 0 {
		row = st.reps[rep.repIdx].rows[row].parent
		rep = rep.repeat
	}
	return rep, row
}

func (st *vstate) fieldKey(f *Field, row int) key {
	if f.repeat == nil {
		return key{top: f.ord, row: -1}
	}
	top, trow := st.top(f, row)
	return key{top: top.ord, row: trow, ord: f.ord}
}

func (st *vstate) fieldProblem(f *Field, row int, rule, msg string) {
	st.add(false, st.fieldKey(f, row), st.path(f, row), rule, msg)
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
	if row < 0 || row >= r.n || r.rows[row].slots == nil || r.rows[row].off {
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

// rowOn reports whether a row of a repeat holds answers that apply.
func (st *vstate) rowOn(rep *Field, row int) bool {
	rs := &st.reps[rep.repIdx].rows[row]
	return rs.raw != nil && !rs.off
}
