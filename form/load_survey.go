package form

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Columns of the survey sheet we use, and XLSForm columns we accept and
// ignore (display only). Anything else is likely a typo (relevent) and is
// refused rather than silently doing nothing.
var surveyColumns = map[string]bool{
	"type": true, "name": true, "label": true, "required": true, "relevant": true,
	"constraint": true, "constraint_message": true, "calculation": true,
	"repeat_count": true, "choice_filter": true, "sensitive": true,
}

var ignoredColumns = map[string]bool{
	"hint": true, "guidance_hint": true, "appearance": true, "default": true,
	"read_only": true, "parameters": true, "trigger": true, "image": true,
	"audio": true, "video": true, "required_message": true, "note": true,
}

func knownSurveyColumn(col string) bool {
	return surveyColumns[col] || ignoredColumns[col] || strings.Contains(col, "::")
}

var kindNames = map[string]fieldKind{
	"integer": kInteger, "int": kInteger, "decimal": kDecimal, "text": kText,
	"string": kText, "date": kDate, "geopoint": kGeopoint,
	"select_one": kSelectOne, "select_multiple": kSelectMultiple,
	"calculate": kCalculate, "note": kNote,
	"begin_group": kGroup, "begin_repeat": kRepeat,
}

var typeNames = [...]string{
	kInteger: "integer", kDecimal: "decimal", kText: "text", kDate: "date",
	kGeopoint: "geopoint", kSelectOne: "select_one", kSelectMultiple: "select_multiple",
	kCalculate: "calculate", kNote: "note", kGroup: "group", kRepeat: "repeat",
}

// parseType splits "select_one yn" into kind and list. "begin group" and
// "begin_group" (and the like) are both accepted, as in XLSForm.
func parseType(s string) (kind fieldKind, list string, end string, msg string) {
	words := strings.Fields(s)
	if len(words) == 0 {
		return 0, "", "", "missing type"
	}
	w0 := strings.ToLower(words[0])
	if len(words) >= 2 && (w0 == "begin" || w0 == "end" || w0 == "select") {
		w0 += "_" + strings.ToLower(words[1])
		words = words[1:]
	}
	if w0 == "end_group" || w0 == "end_repeat" {
		if len(words) > 1 {
			return 0, "", "", fmt.Sprintf("unknown type %q", s)
		}
		return 0, "", w0, ""
	}
	k, ok := kindNames[w0]
	if !ok {
		return 0, "", "", fmt.Sprintf("unknown type %q", s)
	}
	if k == kSelectOne || k == kSelectMultiple {
		if len(words) != 2 {
			return 0, "", "", fmt.Sprintf("%s needs exactly one choice list name (got %q)", w0, s)
		}
		return k, words[1], "", ""
	}
	if len(words) > 1 {
		return 0, "", "", fmt.Sprintf("unknown type %q", s)
	}
	return k, "", "", ""
}

func (l *loader) survey(raw json.RawMessage) {
	rows := l.sheet("survey", raw)
	if len(rows) == 0 {
		l.problem("survey: no rows")
		return
	}
	var stack []*Field // open groups and repeats
	s := l.s
	for i, row := range rows {
		name := l.cell("survey", i, row, "", "name")
		cols := make([]string, 0, len(row))
		for col := range row {
			if !knownSurveyColumn(col) {
				cols = append(cols, col)
			}
		}
		slices.Sort(cols)
		for _, col := range cols {
			l.problem("%s: unknown column", at("survey", i, name, col))
		}
		typ := l.cell("survey", i, row, name, "type")
		kind, list, end, msg := parseType(typ)
		if msg != "" {
			l.problem("%s: %s", at("survey", i, name, "type"), msg)
			continue
		}
		if end != "" {
			want := kGroup
			if end == "end_repeat" {
				want = kRepeat
			}
			if len(stack) == 0 {
				l.problem("%s: %s without a matching begin_%s", at("survey", i, name, "type"), end, typeNames[want])
				continue
			}
			top := stack[len(stack)-1]
			if top.kind != want {
				l.problem("%s: %s but the open block is begin_%s %s (row %d)", at("survey", i, name, "type"), end, typeNames[top.kind], top.Name, top.Row)
				// Close it anyway so that one mistake is reported once.
			}
			stack = stack[:len(stack)-1]
			continue
		}
		f := &Field{
			Name:              name,
			Label:             l.cell("survey", i, row, name, "label"),
			Type:              typeNames[kind],
			List:              list,
			Row:               i + 1,
			Required:          l.yesNo("survey", i, row, name, "required"),
			Sensitive:         l.yesNo("survey", i, row, name, "sensitive"),
			Relevant:          l.cell("survey", i, row, name, "relevant"),
			Constraint:        l.cell("survey", i, row, name, "constraint"),
			ConstraintMessage: l.cell("survey", i, row, name, "constraint_message"),
			Calculation:       l.cell("survey", i, row, name, "calculation"),
			RepeatCount:       l.cell("survey", i, row, name, "repeat_count"),
			ChoiceFilter:      l.cell("survey", i, row, name, "choice_filter"),
			kind:              kind,
			ord:               len(s.rows),
		}
		switch {
		case name == "":
			l.problem("%s: missing name", at("survey", i, "", "name"))
		case !validName(name):
			l.problem("%s: %q is not a valid name (a letter or _, then letters, digits, _ - .)", at("survey", i, name, "name"), name)
		case s.byName[name] != nil:
			l.problem("%s: duplicate name %s (first used on row %d)", at("survey", i, name, "name"), name, s.byName[name].Row)
		default:
			s.byName[name] = f
		}
		for j := len(stack) - 1; j >= 0; j-- {
			if stack[j].kind == kGroup && f.Group == "" {
				f.Group = stack[j].Name
			}
			if stack[j].kind == kRepeat && f.repeat == nil {
				f.repeat = stack[j]
				f.Repeat = stack[j].Name
			}
		}
		if len(stack) > 0 {
			f.parent = stack[len(stack)-1]
		}
		if list != "" {
			if f.list = s.lists[list]; f.list == nil {
				l.problem("%s: unknown choice list %s", at("survey", i, name, "type"), list)
			}
		}
		l.checkColumns(i, f)
		s.rows = append(s.rows, f)
		switch {
		case kind == kRepeat:
			if f.repeat != nil {
				l.problem("%s: repeat %s is inside repeat %s; nested repeats are not supported", at("survey", i, name, "type"), name, f.repeat.Name)
			}
			f.repIdx = len(s.repeats)
			s.repeats = append(s.repeats, f)
			stack = append(stack, f)
		case kind == kGroup:
			stack = append(stack, f)
		case f.hasAnswer():
			s.fields = append(s.fields, f)
			if f.repeat == nil {
				f.slot = s.hhSlots
				s.hhSlots++
			} else {
				f.slot = f.repeat.nslots
				f.repeat.nslots++
				f.repeat.sub = append(f.repeat.sub, f)
				f.repeat.hasCalc = f.repeat.hasCalc || f.kind == kCalculate
			}
		}
	}
	for j := len(stack) - 1; j >= 0; j-- {
		b := stack[j]
		l.problem("%s: begin_%s %s is never closed with end_%s", at("survey", b.Row-1, b.Name, "type"), typeNames[b.kind], b.Name, typeNames[b.kind])
	}
}

// checkColumns refuses columns that would silently do nothing on this type.
func (l *loader) checkColumns(i int, f *Field) {
	question := f.kind < kCalculate
	bad := func(col, why string) { l.problem("%s: %s", at("survey", i, f.Name, col), why) }
	if f.Required && !question {
		bad("required", "only questions can be required (use repeat_count or a check for repeats)")
	}
	if f.Constraint != "" && !question {
		bad("constraint", "only questions have constraints (use a check)")
	}
	if f.Calculation != "" && f.kind != kCalculate {
		bad("calculation", "only calculate rows have a calculation")
	}
	if f.kind == kCalculate && f.Calculation == "" {
		bad("calculation", "a calculate row needs a calculation")
	}
	if f.RepeatCount != "" && f.kind != kRepeat {
		bad("repeat_count", "only begin_repeat rows have a repeat_count")
	}
	if f.ChoiceFilter != "" && f.kind != kSelectOne && f.kind != kSelectMultiple {
		bad("choice_filter", "only select_one and select_multiple rows have a choice_filter")
	}
}

// compileFields compiles every expression of the survey sheet, now that
// all names are known (references may point forward).
func (l *loader) compileFields() {
	s := l.s
	for _, f := range s.rows {
		i := f.Row - 1
		comp := func(col, src string, opts compileOpts) *Expr {
			if src == "" {
				return nil
			}
			e, err := s.compile(src, opts)
			if err != nil {
				l.problem("%s: %v", at("survey", i, f.Name, col), err)
				return nil
			}
			return e
		}
		scope := compileOpts{scope: f.repeat}
		if e := comp("relevant", f.Relevant, scope); e != nil {
			f.relevant = append(f.relevant, e)
		}
		f.constraint = comp("constraint", f.Constraint, compileOpts{scope: f.repeat, dot: true})
		f.calc = comp("calculation", f.Calculation, scope)
		f.count = comp("repeat_count", f.RepeatCount, scope)
		if f.list != nil {
			f.filter = comp("choice_filter", f.ChoiceFilter, compileOpts{scope: f.repeat, choice: f.list})
		}
	}
	// Groups pass their relevance down to what they contain, up to the
	// enclosing repeat (whose own relevance decides whether it has rows).
	for _, f := range s.rows {
		for p := f.parent; p != nil && p.kind == kGroup; p = p.parent {
			f.relevant = append(f.relevant, p.relevant...)
		}
	}
}
