package form

import (
	"fmt"
	"slices"
	"strings"
)

// Columns of the survey sheet the loader reads; with the JSON format, the
// columns it accepts and keeps for clients. Anything else in a JSON
// definition is likely a typo (relevent) and is refused rather than
// silently doing nothing; from a spreadsheet it is kept in Field.Columns
// as pyxform keeps unknown columns.
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

// reservedNames cannot name a survey row (pyxform: the instance's meta block).
const reservedName = "meta"

// block is an open group or repeat while the survey sheet is read.
type block struct {
	f     *Field // nil for the survey itself
	names map[string]int
}

func (l *loader) survey(rows []Row) {
	if len(rows) == 0 {
		l.problem("survey: no rows")
		return
	}
	rows = l.expandLoops(rows)
	stack := []*block{{names: map[string]int{}}}
	s := l.s
	repeatNames := map[string]int{}
	dup := map[string]bool{} // names used more than once
	for _, row := range rows {
		c := row.Cells
		num := row.Num
		name := c["name"]
		if !l.sheets {
			cols := make([]string, 0, len(c))
			for col := range c {
				if !knownSurveyColumn(col) {
					cols = append(cols, col)
				}
			}
			slices.Sort(cols)
			for _, col := range cols {
				l.problem("%s: unknown column", l.at("survey", num, name, col))
			}
		}
		if l.sheets {
			if yes, _ := l.yesNo("survey", num, name, "disabled", c["disabled"]); yes {
				continue
			}
		}
		typ := c["type"]
		if typ == "" && l.sheets {
			if name == "" && c["label"] == "" && !hasPrefixKey(c, "label::") {
				continue // a comment row, as pyxform skips it
			}
			l.problem("%s: Question with no type.", l.at("survey", num, name, "type"))
			continue
		}
		pt, msg := parseType(typ)
		if msg != "" {
			l.problem("%s: %s", l.at("survey", num, name, "type"), msg)
			continue
		}
		if pt.isEnd {
			top := stack[len(stack)-1]
			if len(stack) == 1 {
				if l.sheets {
					l.problem("[row : %d] Unmatched 'end_%s'. No matching 'begin_%s' was found for the name '%s'.", num, pt.name, pt.name, name)
				} else {
					l.problem("%s: end_%s without a matching begin_%s", l.at("survey", num, name, "type"), pt.name, pt.name)
				}
				continue
			}
			if top.f.kind != pt.end {
				if l.sheets {
					l.problem("[row : %d] Unmatched 'end_%s'. No matching 'begin_%s' was found for the name '%s'.", num, pt.name, pt.name, name)
				} else {
					l.problem("%s: end_%s but the open block is begin_%s %s (row %d)", l.at("survey", num, name, "type"), pt.name, typeWord(top.f.kind), top.f.Name, top.f.Row)
				}
				// Close it anyway so that one mistake is reported once.
			}
			stack = stack[:len(stack)-1]
			continue
		}
		if name == "" && pt.kind == kNote && l.sheets {
			name = fmt.Sprintf("generated_note_name_%d", num)
		}
		if pt.name == "audit" {
			name = "audit"
		}
		f := &Field{
			Name:     name,
			Type:     pt.name,
			List:     pt.list,
			Row:      num,
			kind:     pt.kind,
			ord:      len(s.rows),
			OrOther:  pt.orOther,
			Device:   pt.kind == kDevice || pt.kind == kMedia,
			External: "",
		}
		l.fieldColumns(f, c)
		if f.Constraint == "" && l.sheets {
			f.Constraint = typeConstraints[strings.Join(strings.Fields(typ), " ")]
		}
		top := stack[len(stack)-1]
		switch {
		case name == "":
			if l.sheets {
				l.problem("[row : %d] Question or group with no name.", num)
			} else {
				l.problem("%s: missing name", l.at("survey", num, "", "name"))
			}
		case !validName(name):
			if l.sheets {
				l.problem("[row : %d] On the 'survey' sheet, the 'name' value is invalid. Names must begin with a letter or underscore. After the first character, names may contain letters, digits, underscores, hyphens, or periods.", num)
			} else {
				l.problem("%s: %q is not a valid name (a letter or _, then letters, digits, _ - .)", l.at("survey", num, name, "name"), name)
			}
		case name == reservedName && l.sheets:
			l.problem("[row : %d] On the 'survey' sheet, the 'name' value 'meta' is invalid. The name 'meta' is reserved for form metadata.", num)
		case top.names[name] > 0:
			if l.sheets {
				l.problem("[row : %d] On the 'survey' sheet, the 'name' value '%s' is invalid. Questions, groups, and repeats must be unique within their nearest parent group or repeat, or the survey if not inside a group or repeat.", num, name)
			} else {
				l.problem("%s: duplicate name %s (first used on row %d)", l.at("survey", num, name, "name"), name, top.names[name])
			}
		case !l.sheets && s.byName[name] != nil:
			// fieldbase's own format keeps names unique in the whole form.
			l.problem("%s: duplicate name %s (first used on row %d)", l.at("survey", num, name, "name"), name, s.byName[name].Row)
		case pt.kind == kRepeat && repeatNames[name] > 0:
			l.problem("[row : %d] On the 'survey' sheet, the 'name' value '%s' is invalid. Repeat names must unique anywhere in the survey, at all levels of group or repeat nesting.", num, name)
		default:
			top.names[name] = num
			if pt.kind == kRepeat {
				repeatNames[name] = num
			}
			if s.byName[name] == nil {
				s.byName[name] = f
			} else {
				dup[name] = true
			}
		}
		for j := len(stack) - 1; j >= 1; j-- {
			b := stack[j].f
			if b.kind == kGroup && f.Group == "" {
				f.Group = b.Name
			}
			if b.kind == kRepeat {
				if f.repeat == nil {
					f.repeat = b
					f.Repeat = b.Name
				}
				f.depth++
			}
		}
		if len(stack) > 1 {
			f.parent = top.f
			f.Path = top.f.Path + "/" + name
		} else {
			f.Path = name
		}
		if pt.list != "" && !pt.loop {
			l.bindList(f, pt, num)
		}
		l.checkColumns(f)
		if f.RepeatCount != "" && f.kind == kRepeat && l.sheets && !isPlainRef(f.RepeatCount) {
			// pyxform computes a repeat_count that is not a plain ${ref}
			// in a calculate NAME_count before the repeat.
			l.addField(&Field{Name: name + "_count", Type: "calculate", kind: kCalculate, Row: num,
				Calculation: f.RepeatCount, repeat: f.repeat, Repeat: f.Repeat, Group: f.Group, parent: f.parent,
				depth: f.depth, Path: strings.TrimSuffix(f.Path, name) + name + "_count", ord: len(s.rows)})
			f.RepeatCount = "${" + name + "_count}"
			if gen := s.rows[len(s.rows)-1]; s.byName[gen.Name] == nil {
				s.byName[gen.Name] = gen
			}
			f.ord = len(s.rows)
		}
		l.addField(f)
		switch f.kind {
		case kRepeat, kGroup:
			stack = append(stack, &block{f: f, names: map[string]int{}})
		}
		if f.OrOther {
			l.addField(&Field{Name: name + "_other", Label: "Specify other.", Type: "text", kind: kText, Row: num,
				Relevant: "selected(${" + name + "}, 'other')", repeat: f.repeat, Repeat: f.Repeat, Group: f.Group,
				parent: f.parent, depth: f.depth, Path: f.Path + "_other", ord: len(s.rows)})
			if s.byName[name+"_other"] == nil {
				s.byName[name+"_other"] = s.rows[len(s.rows)-1]
			}
		}
	}
	for j := len(stack) - 1; j >= 1; j-- {
		b := stack[j].f
		if l.sheets {
			l.problem("[row : %d] Unmatched 'begin_%s'. No matching 'end_%s' was found for the name '%s'.", b.Row, typeWord(b.kind), typeWord(b.kind), b.Name)
		} else {
			l.problem("%s: begin_%s %s is never closed with end_%s", l.at("survey", b.Row, b.Name, "type"), typeWord(b.kind), b.Name, typeWord(b.kind))
		}
	}
	s.dups, s.sheets = dup, l.sheets
	s.byPath = make(map[string]*Field, len(s.rows))
	for _, f := range s.rows {
		s.byPath[f.Path] = f
	}
	l.keys()
	s.buildKeys()
}

func typeWord(k fieldKind) string {
	if k == kRepeat {
		return "repeat"
	}
	return "group"
}

func hasPrefixKey(m map[string]string, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// isPlainRef reports whether s is just ${name}.
func isPlainRef(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}") && validName(s[2:len(s)-1])
}

// addField appends a field to the survey's rows and to its level's slots.
func (l *loader) addField(f *Field) {
	s := l.s
	f.ord = len(s.rows)
	s.rows = append(s.rows, f)
	switch {
	case f.kind == kRepeat:
		f.repIdx = len(s.repeats)
		s.repeats = append(s.repeats, f)
		if f.repeat != nil {
			f.repeat.children = append(f.repeat.children, f)
		}
	case f.hasAnswer():
		s.fields = append(s.fields, f)
		f.canon = f.canonKind()
		if f.repeat == nil {
			f.slot = s.hhSlots
			s.hhSlots++
		} else {
			f.slot = f.repeat.nslots
			f.repeat.nslots++
			f.repeat.sub = append(f.repeat.sub, f)
			f.repeat.hasCalc = f.repeat.hasCalc || f.kind == kCalculate
			f.repeat.hasCanon = f.repeat.hasCanon || f.canon
		}
	}
}

// keys gives every answer its key in its level's answers object: its
// name, or its path from the level when the name is used twice there.
func (l *loader) keys() {
	count := map[*Field]map[string]int{}
	for _, f := range l.s.rows {
		m := count[f.repeat]
		if m == nil {
			m = map[string]int{}
			count[f.repeat] = m
		}
		m[f.Name]++
	}
	for _, f := range l.s.rows {
		f.Key = f.Name
		if count[f.repeat][f.Name] > 1 {
			f.Key = f.Path
			if f.repeat != nil {
				f.Key = strings.TrimPrefix(f.Path, f.repeat.Path+"/")
			}
		}
	}
}

// fieldColumns reads the columns of a survey row into the field.
func (l *loader) fieldColumns(f *Field, c map[string]string) {
	num, name := f.Row, f.Name
	f.Label = c["label"]
	f.Relevant = c["relevant"]
	f.Constraint = c["constraint"]
	f.ConstraintMessage = c["constraint_message"]
	f.Calculation = c["calculation"]
	f.RepeatCount = c["repeat_count"]
	f.ChoiceFilter = c["choice_filter"]
	var expr string
	f.Required, expr = l.yesNo("survey", num, name, "required", c["required"])
	f.RequiredIf = expr
	f.Sensitive, _ = l.yesNo("survey", num, name, "sensitive", c["sensitive"])
	for k, v := range c {
		if lang, ok := strings.CutPrefix(k, "label::"); ok {
			if f.Labels == nil {
				f.Labels = map[string]string{}
			}
			f.Labels[lang] = v
		}
		switch k {
		case "type", "name", "label", "relevant", "constraint", "constraint_message", "calculation",
			"repeat_count", "choice_filter", "required", "sensitive":
			continue
		}
		if f.Columns == nil {
			f.Columns = map[string]string{}
		}
		f.Columns[k] = v
	}
	if f.Label == "" && len(f.Labels) > 0 {
		f.Label = pickLanguage(f.Labels, l.s.Settings.DefaultLanguage)
	}
	if f.ConstraintMessage == "" {
		f.ConstraintMessage = pickPrefixed(c, "constraint_message::", l.s.Settings.DefaultLanguage)
	}
}

// pickLanguage returns the text in the default language, else in the
// first language in sorted order (stable whatever the map order).
func pickLanguage(m map[string]string, lang string) string {
	if v, ok := m[lang]; ok && lang != "" {
		return v
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if lang != "" && strings.HasPrefix(strings.ToLower(k), strings.ToLower(lang)) {
			return m[k]
		}
	}
	for _, k := range keys {
		if m[k] != "" {
			return m[k]
		}
	}
	return ""
}

func pickPrefixed(c map[string]string, prefix, lang string) string {
	var m map[string]string
	for k, v := range c {
		if l, ok := strings.CutPrefix(k, prefix); ok {
			if m == nil {
				m = map[string]string{}
			}
			m[l] = v
		}
	}
	if m == nil {
		return ""
	}
	return pickLanguage(m, lang)
}

// bindList resolves the choice list of a select.
func (l *loader) bindList(f *Field, pt parsedType, num int) {
	s := l.s
	if pt.ext {
		if strings.Contains(pt.list, ".") || strings.HasSuffix(f.Type, "file") {
			f.External = pt.list
			f.Device = false
			f.list = l.fileList(pt.list, num) // nil unless the file is attached (LoadFiles)
			if l.sheets && !hasExt(pt.list, ".csv", ".xml", ".geojson") && f.Type != "select_one" {
				l.problem("[row : %d] On the 'survey' sheet, the 'type' value is invalid. The list name '%s' must have a file extension (.csv, .xml, .geojson).", num, pt.list)
			}
			return
		}
		// select_one_external: the external_choices sheet.
		if f.list = s.extLists[pt.list]; f.list == nil {
			l.problem("%s: List name not in external choices sheet: %s", l.at("survey", num, f.Name, "type"), pt.list)
		}
		f.External = "external_choices"
		return
	}
	if hasExt(pt.list, ".csv", ".xml", ".geojson") {
		f.External = pt.list
		f.list = l.fileList(pt.list, num)
		return
	}
	if f.list = s.lists[pt.list]; f.list == nil {
		if l.sheets {
			l.problem("[row : %d] List name not in choices sheet: %s", num, pt.list)
		} else {
			l.problem("%s: unknown choice list %s", l.at("survey", num, f.Name, "type"), pt.list)
		}
		return
	}
	if pt.orOther && !f.list.has("other") {
		cl := *f.list
		cl.choices = append(slices.Clip(cl.choices), Choice{Name: "other", Label: "Other"})
		cl.index = map[string]int{}
		for i, ch := range cl.choices {
			cl.index[ch.Name] = i
		}
		f.list = &cl
	}
	if f.kind == kSelectMultiple && l.sheets {
		for _, ch := range f.list.choices {
			if strings.Contains(ch.Name, " ") {
				l.problem("Choice names with spaces cannot be added to multiple choice selects. See [%s] in [%s]", ch.Name, pt.list)
				break
			}
		}
	}
}

func hasExt(name string, exts ...string) bool {
	low := strings.ToLower(name)
	for _, e := range exts {
		if strings.HasSuffix(low, e) {
			return true
		}
	}
	return false
}

// checkColumns refuses columns that would silently do nothing on this
// type. pyxform allows required and constraint on notes and calculates
// (the blocking-note idiom): from a spreadsheet they are kept.
func (l *loader) checkColumns(f *Field) {
	question := f.question()
	bad := func(col, why string) { l.problem("%s: %s", l.at("survey", f.Row, f.Name, col), why) }
	if !l.sheets {
		if f.Required && !question {
			bad("required", "only questions can be required (use repeat_count or a check for repeats)")
		}
		if f.Constraint != "" && !question {
			bad("constraint", "only questions have constraints (use a check)")
		}
		if f.Calculation != "" && f.kind != kCalculate {
			bad("calculation", "only calculate rows have a calculation")
		}
		if f.RepeatCount != "" && f.kind != kRepeat {
			bad("repeat_count", "only begin_repeat rows have a repeat_count")
		}
		if f.ChoiceFilter != "" && !f.isSelect() {
			bad("choice_filter", "only select_one and select_multiple rows have a choice_filter")
		}
	}
	if f.kind == kCalculate && f.Calculation == "" && f.Columns["default"] == "" {
		if l.sheets {
			l.problem("[row : %d] Missing calculation.", f.Row)
		} else {
			bad("calculation", "a calculate row needs a calculation")
		}
	}
}

// compileFields compiles every expression of the survey sheet, now that
// all names are known (references may point forward).
func (l *loader) compileFields() {
	s := l.s
	for _, f := range s.rows {
		comp := func(col, src string, opts compileOpts) *Expr {
			if src == "" {
				return nil
			}
			opts.self = f
			e, err := s.compile(src, opts)
			if err != nil {
				l.problem("%s: %v", l.at("survey", f.Row, f.Name, col), err)
				return nil
			}
			l.deviceExpr(f, col, e)
			return e
		}
		scope := compileOpts{scope: f.repeat}
		if f.kind == kRepeat {
			// A repeat's relevance and count are evaluated in the row of
			// the enclosing repeat.
			scope.scope = f.repeat
		}
		if e := comp("relevant", f.Relevant, scope); e != nil {
			f.relevant = append(f.relevant, e)
		}
		f.constraint = comp("constraint", f.Constraint, compileOpts{scope: f.repeat, dot: true})
		f.reqIf = comp("required", f.RequiredIf, scope)
		if f.Calculation != "" {
			f.calc = comp("calculation", f.Calculation, scope)
			if f.kind != kCalculate {
				// A calculation on a question: the question's value is
				// computed (a read-only question, a default): kept from
				// the device like any answer.
				f.calc = nil
			}
		}
		f.count = comp("repeat_count", f.RepeatCount, scope)
		if f.list != nil && f.ChoiceFilter != "" {
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

// deviceExpr marks a calculate whose value only the device can know
// (now(), once(), random(), uuid(), pulldata(), instance data from a file,
// other dialects' functions): the server keeps the device's value.
func (l *loader) deviceExpr(f *Field, col string, e *Expr) {
	if e.device == "" {
		return
	}
	if col == "calculation" && f.kind == kCalculate {
		f.Device = true
		if e.dialect != "" {
			l.warn("%s: %s is %s; the server keeps the device's value", l.at("survey", f.Row, f.Name, col), e.device, e.dialect)
		}
	}
}
