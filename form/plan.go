package form

import "strings"

// plan orders evaluation so that a relevance or calculation is evaluated
// after everything it reads: household fields and whole repeats at the top
// level, then the fields inside each repeat. The order follows the
// questionnaire except where a reference points forward. Constraints and
// checks are evaluated after all of this and need no ordering.
func (l *loader) plan() {
	s := l.s
	var units []*Field
	for _, f := range s.rows {
		if f.repeat == nil && (f.hasAnswer() || f.kind == kRepeat) {
			units = append(units, f)
		}
	}
	// unit maps a referenced field to the top-level unit computing it.
	unit := func(f *Field) *Field {
		if f.repeat != nil {
			return f.repeat
		}
		return f
	}
	s.plan = l.order(units, func(u *Field) []*Field {
		var deps []*Field
		add := func(es ...*Expr) {
			for _, e := range es {
				if e == nil {
					continue
				}
				for _, r := range e.refs {
					// A repeat's fields may read the repeat (count of
					// its rows); anything else reading itself is a cycle.
					if d := unit(r); d != u || u.kind != kRepeat {
						deps = append(deps, d)
					}
				}
			}
		}
		add(u.relevant...)
		add(u.calc, u.count)
		for _, f := range u.sub {
			add(f.relevant...)
			add(f.calc)
		}
		return deps
	})
	for _, rep := range s.repeats {
		rep.plan = l.order(rep.sub, func(u *Field) []*Field {
			var deps []*Field
			for _, e := range append([]*Expr{u.calc}, u.relevant...) {
				if e == nil {
					continue
				}
				for _, r := range e.refs {
					if r.repeat == rep {
						deps = append(deps, r)
					}
				}
			}
			return deps
		})
	}
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
			l.problem("%s: circular reference in relevant/calculation among %s", at("survey", first.Row-1, first.Name, "relevant"), strings.Join(names, ", "))
			return out
		}
	}
	return out
}
