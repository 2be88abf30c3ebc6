package form

import (
	"fmt"
	"math"
	"slices"
)

// levelKeys maps the keys of one level's answers object (the household,
// or a row of a repeat) to their fields: answers, notes, repeats.
func (s *Survey) levelKeys(rep *Field) map[string]*Field {
	if rep == nil {
		return s.hhKeys
	}
	return rep.keys
}

// buildKeys fills the key maps (after the survey sheet is read).
func (s *Survey) buildKeys() {
	s.hhKeys = map[string]*Field{}
	for _, f := range s.rows {
		if !(f.hasAnswer() || f.kind == kRepeat || f.kind == kNote) {
			continue
		}
		m := s.hhKeys
		if f.repeat != nil {
			if f.repeat.keys == nil {
				f.repeat.keys = map[string]*Field{}
			}
			m = f.repeat.keys
		}
		if m[f.Key] == nil {
			m[f.Key] = f
		}
	}
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
		raw, ok := data[f.Key]
		if !ok {
			continue
		}
		switch {
		case f.kind == kRepeat:
			known++
			st.loadRepeat(f, raw, -1)
		case f.hasAnswer():
			known++
			st.hh[f.slot] = st.convert(f, raw, -1)
		case f.kind == kNote && (raw == nil || s.sheets):
			known++
		}
	}
	if known < len(data) {
		st.unknown(data, nil, -1)
	}
}

// loadRepeat appends the rows of a repeat as sent (under row parent of the
// enclosing repeat, -1 at the top).
func (st *vstate) loadRepeat(rep *Field, raw any, parent int) {
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
		if m, ok := x.(map[string]any); ok && st.s.sheets {
			rows = []any{m} // one row, as an XML instance with one repeat element
			break
		}
		r.bad = true
		st.add(false, key{top: rep.ord, row: -1, ord: -1}, st.repPath(rep, parent), "type",
			fmt.Sprintf("%s must be a list of rows (got %s)", rep.title(), describe(raw)))
		return
	}
	if rows == nil {
		return
	}
	if len(r.rows)+len(rows) > maxRows {
		// A device bug or an attack, not a household: the slots for a
		// million rows would take gigabytes.
		r.bad = true
		st.add(false, key{top: rep.ord, row: -1, ord: -1}, st.repPath(rep, parent), "type",
			fmt.Sprintf("%s has %d rows; at most %d are accepted", rep.title(), len(rows), maxRows))
		return
	}
	first := len(r.rows)
	if parent < 0 {
		r.src = rows
	}
	n := first + len(rows)
	if cap(r.rows) < n {
		r.rows = slices.Grow(r.rows, n-len(r.rows))
	}
	r.rows = r.rows[:n]
	r.n = n
	for i, e := range rows {
		g := first + i
		rs := &r.rows[g]
		*rs = rowState{parent: parent, local: i, slots: r.newSlots(rep.nslots)}
		m, ok := e.(map[string]any)
		if !ok {
			st.add(false, key{top: rep.ord, row: g, ord: -1}, st.rowPath(rep, g), "type",
				fmt.Sprintf("row %d of %s must be an object of answers (got %s)", i+1, rep.title(), describe(e)))
			continue
		}
		rs.raw = m
		known := 0
		for _, f := range rep.sub {
			raw, ok := m[f.Key]
			if !ok {
				continue
			}
			known++
			r.rows[g].slots[f.slot] = st.convert(f, raw, g)
		}
		for _, c := range rep.children {
			if raw, ok := m[c.Key]; ok {
				known++
				st.loadRepeat(c, raw, g)
				r = &st.reps[rep.repIdx] // (the slice may not move, but be safe)
			}
		}
		if known < len(m) {
			st.unknown(m, rep, g)
		}
	}
}

// unknown reports the keys of an answers object (household or a row of
// rep) that are not answers at that level.
func (st *vstate) unknown(m map[string]any, rep *Field, row int) {
	level := st.s.levelKeys(rep)
	keys := make([]string, 0, 4)
	for k := range m {
		f := level[k]
		if f != nil && (f.hasAnswer() || f.kind == kRepeat || (f.kind == kNote && (m[k] == nil || st.s.sheets))) {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f := level[k]
		if f == nil {
			f = st.s.byName[k]
		}
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
		case rep == nil:
			msg = fmt.Sprintf("%s is not a question of this survey", describe(k))
		default:
			msg = fmt.Sprintf("%s is a household question, not a question of %s", k, rep.Name)
		}
		if rep == nil {
			st.add(false, key{top: math.MaxInt - 1}, k, "type", msg)
		} else {
			st.add(false, key{top: rep.ord, row: row, ord: math.MaxInt - 1}, st.rowPath(rep, row)+"."+k, "type", msg)
		}
	}
}

// newSlots returns n cleared slots for a new row, from the repeat's
// backing store (reused across validations, see putState).
func (r *repState) newSlots(n int) []slot {
	if len(r.slots)+n > cap(r.slots) {
		// A new backing store; rows already made keep the old one.
		r.slots = make([]slot, 0, max(2*cap(r.slots), 8*n))
	}
	l := len(r.slots)
	r.slots = r.slots[:l+n]
	sl := r.slots[l : l+n : l+n]
	clear(sl)
	return sl
}
