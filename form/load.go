package form

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// DefinitionError lists everything wrong with a survey definition, each
// problem naming the sheet row, the field and the column.
type DefinitionError struct {
	Problems []string
}

func (e *DefinitionError) Error() string {
	return fmt.Sprintf("invalid survey definition (%d problems):\n  %s", len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// loader accumulates problems so that Load reports all of them at once.
type loader struct {
	s        *Survey
	sheets   bool // from a spreadsheet: pyxform's wording and leniency (see Definition.Sheets)
	problems []string
	// Attached files by name (LoadFiles), and those read as choice lists.
	files     map[string][]byte
	fileLists map[string]*choiceList
}

func (l *loader) problem(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

func (l *loader) warn(format string, args ...any) {
	l.s.Warnings = append(l.s.Warnings, fmt.Sprintf(format, args...))
}

// at prefixes a problem with its place. From a spreadsheet it is worded as
// pyxform does, with the spreadsheet's row number: "[row : 12] On the
// 'survey' sheet, column 'relevant' (a_hh_size)"; for the JSON format
// "survey row 12 (a_hh_size), column relevant".
func (l *loader) at(sheet string, num int, name, col string) string {
	if l.sheets {
		s := fmt.Sprintf("[row : %d] On the '%s' sheet", num, sheet)
		if col != "" {
			s += ", column '" + col + "'"
		}
		if name != "" {
			s += " (" + name + ")"
		}
		return s
	}
	s := fmt.Sprintf("%s row %d", sheet, num)
	if name != "" {
		s += " (" + name + ")"
	}
	if col != "" {
		s += ", column " + col
	}
	return s
}

// yesNo reads a yes/no column (required, sensitive, read_only). From a
// spreadsheet, anything else is an expression (expr true); the JSON format
// takes only yes or no.
func (l *loader) yesNo(sheet string, num int, name, col, v string) (yes bool, expr string) {
	switch v {
	case "yes", "Yes", "YES", "true", "True", "TRUE", "true()", "1":
		return true, ""
	case "", "no", "No", "NO", "false", "False", "FALSE", "false()", "0":
		return false, ""
	}
	if l.sheets {
		return false, v
	}
	l.problem("%s: must be yes or no (expressions are not supported here)", l.at(sheet, num, name, col))
	return false, ""
}

// FormIDProblem says what is wrong with a form_id, "" if nothing. The rule
// is pyxform's (any text) narrowed to what can key a stored survey and a
// URL: 1 to 100 characters, no control characters, no '/', no spaces at
// either end. The surveys collection applies the same rule.
func FormIDProblem(id string) string {
	switch {
	case id == "":
		return "missing"
	case len(id) > 100:
		return "longer than 100 characters"
	case strings.TrimSpace(id) != id:
		return "starts or ends with a space"
	case strings.ContainsRune(id, '/'):
		return "contains '/'"
	}
	for _, r := range id {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return "contains a control character"
		}
	}
	return ""
}

// settings reads the settings; form_id is required. version is any text
// (pyxform's rule: deployments order versions by install time); Version
// is its value when it is a whole number of 1 or more, else 0.
func (l *loader) settings(m map[string]string) {
	st := &l.s.Settings
	get := func(col string) string { return strings.TrimSpace(m[col]) }
	st.FormID = get("form_id")
	st.Title = get("title")
	st.DefaultLanguage = get("default_language")
	st.FieldworkStart = get("fieldwork_start")
	st.Country = get("country")
	st.VersionText = get("version")
	st.Extra = map[string]string{}
	for k, v := range m {
		switch k {
		case "form_id", "title", "default_language", "fieldwork_start", "country", "version":
		default:
			st.Extra[k] = v
		}
	}
	where := func(col string) string {
		if l.sheets {
			return fmt.Sprintf("[row : 2] On the 'settings' sheet, column '%s'", col)
		}
		return "settings, column " + col
	}
	if msg := FormIDProblem(st.FormID); msg != "" {
		if st.FormID == "" {
			l.problem("%s: missing", where("form_id"))
		} else {
			l.problem("%s: %q is not a valid form id (%s)", where("form_id"), st.FormID, msg)
		}
	}
	if n, err := strconv.Atoi(st.VersionText); err == nil && n >= 1 {
		st.Version = n
	} else if !l.sheets {
		// fieldbase's own format keys stored versions by number.
		if st.VersionText == "" {
			l.problem("settings, column version: missing")
		} else {
			l.problem("settings, column version: %q is not a whole number of 1 or more", st.VersionText)
		}
	} else if len(st.VersionText) > 100 {
		l.problem("%s: longer than 100 characters", where("version"))
	}
	if st.FieldworkStart != "" {
		if _, ok := parseDate(st.FieldworkStart); !ok {
			l.problem("%s: %q is not a date (YYYY-MM-DD)", where("fieldwork_start"), st.FieldworkStart)
		}
	}
	l.s.FormID, l.s.Version, l.s.Title = st.FormID, st.Version, st.Title
}

// FormIDPattern is FormIDProblem's rule as a regular expression (with a
// maximum length of 100), for the surveys collection's form_id field.
const FormIDPattern = `^[^\s/\x00-\x1f\x7f]([^/\x00-\x1f\x7f]*[^\s/\x00-\x1f\x7f])?$`
