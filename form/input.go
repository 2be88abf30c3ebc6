package form

import (
	"fmt"
	"math"
	"slices"
)

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
