package form

import (
	"maps"
	"slices"
)

// output returns the answers with the server's calculates. The device's
// maps are never modified: a map is copied only when a calculate differs
// from what the device sent, so that in the common case (the device sent
// the same values) nothing is copied and Result.Data is env.Data.
func (st *vstate) output(data map[string]any) map[string]any {
	s := st.s
	out := cow{orig: data}
	for _, f := range s.fields {
		if f.repeat != nil {
			continue
		}
		sl := &st.hh[f.slot]
		switch {
		case sl.cleared:
			out.set(f.Key, nil)
		case f.kind == kCalculate && !f.Device:
			out.setCalc(f.Key, sl.v)
		case f.canon && !sl.bad:
			out.setCanonical(f, data[f.Key])
		}
	}
	for _, rep := range s.repeats {
		r := &st.reps[rep.repIdx]
		if r.cleared && rep.repeat == nil {
			out.set(rep.Key, nil)
			continue
		}
		if r.n == 0 || rep.repeat != nil || (!rep.hasCalc && !rep.hasCanon && !r.anyCleared) {
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
				sl := &rs.slots[f.slot]
				switch {
				case sl.cleared:
					row.set(f.Key, nil)
				case f.kind == kCalculate && !f.Device:
					row.setCalc(f.Key, sl.v)
				case f.canon && !sl.bad:
					row.setCanonical(f, rs.raw[f.Key])
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
			out.set(rep.Key, rows)
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

// setCanonical stores an answer sent in one of ODK's formats in the stored
// form (see canonical.go); the map is copied only when it differs.
func (c *cow) setCanonical(f *Field, raw any) {
	if raw == nil {
		return
	}
	if v, changed := f.canonical(raw); changed {
		c.set(f.Key, v)
	}
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
