package form

import (
	"encoding/json"
	"strings"
)

// choices reads the choices sheet into lists. Columns other than
// list_name, name and label are kept for choice_filter.
func (l *loader) choices(raw json.RawMessage) {
	for i, row := range l.sheet("choices", raw) {
		list := l.cell("choices", i, row, "", "list_name")
		name := l.cell("choices", i, row, "", "name")
		id := list + "/" + name
		label := l.cell("choices", i, row, id, "label")
		if !validName(list) {
			l.problem("%s: %q is not a valid list name", at("choices", i, id, "list_name"), list)
			continue
		}
		if name == "" || strings.ContainsAny(name, " \t\n") {
			l.problem("%s: choice name must be non-empty text without spaces (got %q)", at("choices", i, id, "name"), name)
			continue
		}
		cl := l.s.lists[list]
		if cl == nil {
			cl = &choiceList{name: list, index: map[string]int{}}
			l.s.lists[list] = cl
		}
		if _, dup := cl.index[name]; dup {
			l.problem("%s: duplicate choice %s in list %s", at("choices", i, id, "name"), name, list)
			continue
		}
		ch := Choice{Name: name, Label: label}
		for col := range row {
			switch col {
			case "list_name", "name", "label":
				continue
			}
			if ch.Extra == nil {
				ch.Extra = map[string]string{}
			}
			ch.Extra[col] = l.cell("choices", i, row, id, col)
		}
		cl.index[name] = len(cl.choices)
		cl.choices = append(cl.choices, ch)
	}
}

// checks reads and compiles the checks sheet (after the survey sheet, whose
// names the expressions use).
func (l *loader) checks(raw json.RawMessage) {
	s := l.s
	seen := map[string]int{}
	for i, row := range l.sheet("checks", raw) {
		name := l.cell("checks", i, row, "", "name")
		c := &Check{
			Name:       name,
			Expression: l.cell("checks", i, row, name, "expression"),
			Message:    l.cell("checks", i, row, name, "message"),
			Severity:   l.cell("checks", i, row, name, "severity"),
			Scope:      l.cell("checks", i, row, name, "scope"),
			Field:      l.cell("checks", i, row, name, "field"),
			row:        i + 1,
		}
		for col := range row {
			switch col {
			case "name", "expression", "message", "severity", "scope", "field":
			default:
				l.problem("%s: unknown column", at("checks", i, name, col))
			}
		}
		switch {
		case !validName(name):
			l.problem("%s: %q is not a valid check name", at("checks", i, name, "name"), name)
		case seen[name] > 0:
			l.problem("%s: duplicate check name %s (first used on row %d)", at("checks", i, name, "name"), name, seen[name])
		default:
			seen[name] = i + 1
		}
		if c.Severity != "error" && c.Severity != "warning" {
			l.problem("%s: must be error or warning (got %q)", at("checks", i, name, "severity"), c.Severity)
		}
		if c.Scope == "" {
			c.Scope = "form"
		}
		if c.Scope != "form" {
			if c.rep = s.byName[c.Scope]; c.rep == nil || c.rep.kind != kRepeat {
				l.problem("%s: must be form or a repeat name (got %q)", at("checks", i, name, "scope"), c.Scope)
				c.rep = nil
			}
		}
		if c.Field != "" {
			f := s.byName[c.Field]
			switch {
			case f == nil || !f.hasAnswer():
				l.problem("%s: no question or calculate named %s", at("checks", i, name, "field"), c.Field)
			case f.repeat != c.rep:
				where := "the household level"
				if c.rep != nil {
					where = "repeat " + c.rep.Name
				}
				l.problem("%s: %s is not a field of %s, the scope of the check", at("checks", i, name, "field"), c.Field, where)
			default:
				c.field = f
			}
		}
		if c.Expression == "" {
			l.problem("%s: missing expression", at("checks", i, name, "expression"))
		} else if e, err := s.compile(c.Expression, compileOpts{scope: c.rep}); err != nil {
			l.problem("%s: %v", at("checks", i, name, "expression"), err)
		} else {
			c.expr = e
		}
		if c.Message == "" {
			l.problem("%s: missing message", at("checks", i, name, "message"))
		}
		s.checks = append(s.checks, c)
	}
}
