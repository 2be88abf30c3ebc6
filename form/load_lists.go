package form

import "strings"

// choices reads the choices sheet (or the external_choices sheet) into
// lists. Columns other than list_name, name and label are kept for
// choice_filter. Rows without a list name are skipped, as pyxform does.
func (l *loader) choices(rows []Row, external bool) {
	sheet := "choices"
	lists := l.s.lists
	if external {
		sheet = "external_choices"
		if l.s.extLists == nil {
			l.s.extLists = map[string]*choiceList{}
		}
		lists = l.s.extLists
	}
	allowDup, _ := l.yesNo("settings", 2, "", "allow_choice_duplicates", l.s.Settings.Extra["allow_choice_duplicates"])
	for _, row := range rows {
		c := row.Cells
		list, name := c["list_name"], c["name"]
		id := list + "/" + name
		if l.sheets && list == "" {
			continue
		}
		if !l.sheets && !validName(list) {
			l.problem("%s: %q is not a valid list name", l.at(sheet, row.Num, id, "list_name"), list)
			continue
		}
		if name == "" || (!l.sheets && strings.ContainsAny(name, " \t\n")) {
			if l.sheets {
				l.problem("[row : %d] On the '%s' sheet, the 'name' value is invalid. Choices must have a name. Learn more: https://xlsform.org/en/#setting-up-your-worksheets", row.Num, sheet)
			} else {
				l.problem("%s: choice name must be non-empty text without spaces (got %q)", l.at(sheet, row.Num, id, "name"), name)
			}
			continue
		}
		cl := lists[list]
		if cl == nil {
			cl = &choiceList{name: list, index: map[string]int{}}
			lists[list] = cl
		}
		if _, dup := cl.index[name]; dup && !allowDup {
			if l.sheets {
				l.problem("[row : %d] On the '%s' sheet, the 'name' value is invalid. Choice names must be unique for each choice list. If this is intentional, use the setting 'allow_choice_duplicates'. Learn more: https://xlsform.org/#choice-names.", row.Num, sheet)
			} else {
				l.problem("%s: duplicate choice %s in list %s", l.at(sheet, row.Num, id, "name"), name, list)
			}
			continue
		}
		ch := Choice{Name: name, Label: c["label"]}
		for col, v := range c {
			switch col {
			case "list_name", "name", "label":
				continue
			}
			if lang, ok := strings.CutPrefix(col, "label::"); ok {
				if ch.Labels == nil {
					ch.Labels = map[string]string{}
				}
				ch.Labels[lang] = v
			}
			if ch.Extra == nil {
				ch.Extra = map[string]string{}
			}
			ch.Extra[col] = v
		}
		if ch.Label == "" && len(ch.Labels) > 0 {
			ch.Label = pickLanguage(ch.Labels, l.s.Settings.DefaultLanguage)
		}
		if _, dup := cl.index[name]; !dup {
			cl.index[name] = len(cl.choices)
		} else {
			cl.dup = true
		}
		cl.choices = append(cl.choices, ch)
	}
}

// expandLoops replaces each "begin loop over LIST" ... "end loop" by one
// group per choice of the list, named after the choice, with %(name)s and
// %(label)s in the rows replaced by the choice's name and label, as pyxform
// does.
func (l *loader) expandLoops(rows []Row) []Row {
	var out []Row
	for i := 0; i < len(rows); i++ {
		pt, msg := parseType(rows[i].Cells["type"])
		if msg != "" || !pt.loop || pt.isEnd {
			out = append(out, rows[i])
			continue
		}
		depth, j := 1, i+1
		for ; j < len(rows) && depth > 0; j++ {
			if p, m := parseType(rows[j].Cells["type"]); m == "" && p.loop {
				if p.isEnd {
					depth--
				} else {
					depth++
				}
			}
		}
		if depth > 0 {
			l.problem("[row : %d] Unmatched 'begin_loop'. No matching 'end_loop' was found for the name '%s'.", rows[i].Num, rows[i].Cells["name"])
			return out
		}
		body := l.expandLoops(rows[i+1 : j-1])
		list := l.s.lists[pt.list]
		if list == nil {
			l.problem("[row : %d] List name not in columns sheet: %s", rows[i].Num, pt.list)
			i = j - 1
			continue
		}
		begin := rows[i]
		begin.Cells = cloneCells(begin.Cells)
		begin.Cells["type"] = "begin_group"
		out = append(out, begin)
		for _, ch := range list.choices {
			g := Row{Num: rows[i].Num, Cells: map[string]string{"type": "begin_group", "name": ch.Name, "label": ch.Label}}
			out = append(out, g)
			for _, r := range body {
				r.Cells = cloneCells(r.Cells)
				for k, v := range r.Cells {
					v = strings.ReplaceAll(v, "%(name)s", ch.Name)
					r.Cells[k] = strings.ReplaceAll(v, "%(label)s", ch.Label)
				}
				out = append(out, r)
			}
			out = append(out, Row{Num: rows[j-1].Num, Cells: map[string]string{"type": "end_group"}})
		}
		out = append(out, Row{Num: rows[j-1].Num, Cells: map[string]string{"type": "end_group"}})
		i = j - 1
	}
	return out
}

func cloneCells(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// checks reads and compiles the checks sheet (after the survey sheet, whose
// names the expressions use).
func (l *loader) checks(rows []Row) {
	s := l.s
	seen := map[string]int{}
	for _, r := range rows {
		row := r.Cells
		name := row["name"]
		c := &Check{
			Name:       name,
			Expression: row["expression"],
			Message:    row["message"],
			Severity:   row["severity"],
			Scope:      row["scope"],
			Field:      row["field"],
			row:        r.Num,
		}
		i := r.Num
		for col := range row {
			switch col {
			case "name", "expression", "message", "severity", "scope", "field":
			default:
				l.problem("%s: unknown column", l.at("checks", i, name, col))
			}
		}
		switch {
		case !validName(name):
			l.problem("%s: %q is not a valid check name", l.at("checks", i, name, "name"), name)
		case seen[name] > 0:
			l.problem("%s: duplicate check name %s (first used on row %d)", l.at("checks", i, name, "name"), name, seen[name])
		default:
			seen[name] = i
		}
		if c.Severity != "error" && c.Severity != "warning" {
			l.problem("%s: must be error or warning (got %q)", l.at("checks", i, name, "severity"), c.Severity)
		}
		if c.Scope == "" {
			c.Scope = "form"
		}
		if c.Scope != "form" {
			if c.rep = s.byName[c.Scope]; c.rep == nil || c.rep.kind != kRepeat {
				l.problem("%s: must be form or a repeat name (got %q)", l.at("checks", i, name, "scope"), c.Scope)
				c.rep = nil
			}
		}
		if c.Field != "" {
			f := s.byName[c.Field]
			switch {
			case f == nil || !f.hasAnswer():
				l.problem("%s: no question or calculate named %s", l.at("checks", i, name, "field"), c.Field)
			case f.repeat != c.rep:
				where := "the household level"
				if c.rep != nil {
					where = "repeat " + c.rep.Name
				}
				l.problem("%s: %s is not a field of %s, the scope of the check", l.at("checks", i, name, "field"), c.Field, where)
			default:
				c.field = f
			}
		}
		if c.Expression == "" {
			l.problem("%s: missing expression", l.at("checks", i, name, "expression"))
		} else if e, err := s.compile(c.Expression, compileOpts{scope: c.rep}); err != nil {
			l.problem("%s: %v", l.at("checks", i, name, "expression"), err)
		} else {
			c.expr = e
		}
		if c.Message == "" {
			l.problem("%s: missing message", l.at("checks", i, name, "message"))
		}
		s.checks = append(s.checks, c)
	}
}
