package form

import "strings"

// plan orders evaluation so that a relevance or calculation is evaluated
// after everything it reads: household fields and whole repeats at the top
// level, then the fields inside each repeat. The order follows the
// questionnaire except where a reference points forward. Constraints and
// checks are evaluated after all of this and need no ordering.
func (l *loader) plan() {
	s := l.s
	s.plan = l.levelPlan(nil)
	for _, rep := range s.repeats {
		rep.plan = l.levelPlan(rep)
	}
}

// levelPlan orders the units of one level (the household, or the rows of
// a repeat): its fields, notes and the repeats directly inside it, each
// repeat with everything it contains.
func (l *loader) levelPlan(level *Field) []*Field {
	var units []*Field
	for _, f := range l.s.rows {
		if f.repeat == level && (f.hasAnswer() || f.kind == kRepeat || f.kind == kNote) {
			units = append(units, f)
		}
	}
	// unit maps a referenced field to the unit of this level computing
	// it, nil when it is outside this level.
	unit := func(f *Field) *Field {
		for x := f; x != nil; x = x.repeat {
			if x.repeat == level {
				if x != f && x.kind != kRepeat {
					return nil
				}
				return x
			}
			if x.kind == kRepeat && x.repeat == level {
				return x
			}
		}
		return nil
	}
	return l.order(units, func(u *Field) []*Field {
		var deps []*Field
		add := func(es ...*Expr) {
			for _, e := range es {
				if e == nil {
					continue
				}
				for _, r := range e.refs {
					d := unit(r)
					if d == nil {
						continue
					}
					// A repeat's fields may read the repeat (count of
					// its rows); anything else reading itself is a cycle.
					if d != u || u.kind != kRepeat {
						deps = append(deps, d)
					}
				}
			}
		}
		add(u.relevant...)
		add(u.calc, u.count, u.reqIf)
		if u.kind == kRepeat {
			var walk func(r *Field)
			walk = func(r *Field) {
				for _, f := range r.sub {
					add(f.relevant...)
					add(f.calc, f.reqIf)
				}
				for _, c := range r.children {
					add(c.relevant...)
					add(c.count)
					walk(c)
				}
			}
			walk(u)
		}
		return deps
	})
}

// order is a stable topological sort: repeatedly take the first unit in
// questionnaire order whose dependencies are all done. Units left over are
// in a cycle and reported.
func (l *loader) order(units []*Field, deps func(*Field) []*Field) []*Field {
	in := make(map[*Field]bool, len(units))
	for _, u := range units {
		in[u] = true
	}
	need := make(map[*Field][]*Field, len(units))
	for _, u := range units {
		for _, d := range deps(u) {
			if in[d] {
				need[u] = append(need[u], d)
			}
		}
	}
	done := make(map[*Field]bool, len(units))
	out := make([]*Field, 0, len(units))
	for len(out) < len(units) {
		progress := false
		for _, u := range units {
			if done[u] {
				continue
			}
			ready := true
			for _, d := range need[u] {
				if !done[d] {
					ready = false
					break
				}
			}
			if ready {
				done[u] = true
				out = append(out, u)
				progress = true
				break
			}
		}
		if !progress {
			var names []string
			first := (*Field)(nil)
			for _, u := range units {
				if !done[u] {
					names = append(names, u.Name)
					if first == nil {
						first = u
					}
				}
			}
			l.problem("%s: circular reference in relevant/calculation among %s", l.at("survey", first.Row, first.Name, "relevant"), strings.Join(names, ", "))
			return out
		}
	}
	return out
}
