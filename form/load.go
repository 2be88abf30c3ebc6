package form

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// DefinitionError lists everything wrong with a survey definition, each
// problem naming the sheet row (1-based), the field and the column.
type DefinitionError struct {
	Problems []string
}

func (e *DefinitionError) Error() string {
	return fmt.Sprintf("invalid survey definition (%d problems):\n  %s", len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// loader accumulates problems so that Load reports all of them at once.
type loader struct {
	s        *Survey
	problems []string
}

func (l *loader) problem(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// at prefixes a problem with its place: "survey row 12 (a_hh_size), column relevant".
func at(sheet string, i int, name, col string) string {
	s := fmt.Sprintf("%s row %d", sheet, i+1)
	if name != "" {
		s += " (" + name + ")"
	}
	if col != "" {
		s += ", column " + col
	}
	return s
}

// Load reads a survey definition (JSON: settings, survey, choices, checks;
// see docs/design.md), checks it and compiles its expressions. A malformed
// definition is refused with a *DefinitionError listing every problem.
func Load(data []byte) (*Survey, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, &DefinitionError{Problems: []string{"definition is not a JSON object: " + err.Error()}}
	}
	l := &loader{s: &Survey{byName: map[string]*Field{}, lists: map[string]*choiceList{}}}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch k {
		case "settings", "survey", "choices", "checks":
		default:
			l.problem("unknown section %q (expected settings, survey, choices, checks)", k)
		}
	}
	l.settings(top["settings"])
	l.choices(top["choices"])
	l.survey(top["survey"])
	l.compileFields()
	l.checks(top["checks"])
	if len(l.problems) == 0 {
		l.plan()
	}
	if len(l.problems) > 0 {
		return nil, &DefinitionError{Problems: l.problems}
	}
	return l.s, nil
}

// sheet decodes a sheet as a list of rows.
func (l *loader) sheet(name string, raw json.RawMessage) []map[string]any {
	if raw == nil {
		return nil
	}
	var rows []map[string]any
	if err := json.Unmarshal(raw, &rows); err != nil {
		l.problem("%s: must be a list of rows (objects of column: text): %v", name, err)
		return nil
	}
	return rows
}

// cell reads one column of a row as text. Booleans and numbers are
// accepted where spreadsheets produce them (required: true, version: 1).
func (l *loader) cell(sheet string, i int, row map[string]any, name, col string) string {
	switch v := row[col].(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case float64:
		return formatNumber(v)
	}
	l.problem("%s: must be text", at(sheet, i, name, col))
	return ""
}

// yesNo reads required/sensitive.
func (l *loader) yesNo(sheet string, i int, row map[string]any, name, col string) bool {
	switch strings.ToLower(l.cell(sheet, i, row, name, col)) {
	case "yes", "true", "true()", "1":
		return true
	case "", "no", "false", "false()", "0":
		return false
	}
	l.problem("%s: must be yes or no (expressions are not supported here)", at(sheet, i, name, col))
	return false
}

// settings reads the settings object; form_id and version are required.
func (l *loader) settings(raw json.RawMessage) {
	if raw == nil {
		l.problem("settings: missing (form_id and version are required)")
		return
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		l.problem("settings: must be an object: %v", err)
		return
	}
	st := &l.s.Settings
	get := func(col string) string { return l.cell("settings", 0, m, "", col) }
	st.FormID = get("form_id")
	st.Title = get("title")
	st.DefaultLanguage = get("default_language")
	st.FieldworkStart = get("fieldwork_start")
	st.Country = get("country")
	if !validName(st.FormID) {
		l.problem("settings, column form_id: %q is not a valid form id (letters, digits, _)", st.FormID)
	}
	if v := get("version"); v == "" {
		l.problem("settings, column version: missing")
	} else if n, err := strconv.Atoi(v); err != nil || n < 1 {
		l.problem("settings, column version: %q is not a whole number of 1 or more", v)
	} else {
		st.Version = n
	}
	if st.FieldworkStart != "" {
		if _, ok := parseDate(st.FieldworkStart); !ok {
			l.problem("settings, column fieldwork_start: %q is not a date (YYYY-MM-DD)", st.FieldworkStart)
		}
	}
	l.s.FormID, l.s.Version, l.s.Title = st.FormID, st.Version, st.Title
}
