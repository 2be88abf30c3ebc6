package form

import (
	"encoding/json"
	"slices"
	"strings"
)

// Definition is a survey definition as sheets of rows, the shape both
// fieldbase's JSON format and an XLSForm workbook (package xlsform) are
// read into before LoadDefinition checks and compiles it.
type Definition struct {
	// Settings is the settings sheet: column → text. Nil when the
	// definition has no settings (an XLSForm without a settings sheet gets
	// its form_id from the file name, see package xlsform).
	Settings map[string]string
	// Survey, Choices, Checks and ExternalChoices are the rows of those
	// sheets, blank rows left out.
	Survey, Choices, Checks, ExternalChoices []Row
	// Sheets says the rows come from a spreadsheet: problems are worded as
	// pyxform words them ("[row : 20] On the 'survey' sheet, ..."), columns
	// that fieldbase does not know are kept (Field.Columns) instead of
	// refused, required may be an expression, and version any text.
	Sheets bool
	// Warnings found while reading the workbook (kept in Survey.Warnings).
	Warnings []string
}

// Row is one row of a sheet.
type Row struct {
	Num   int               // spreadsheet row (1-based, the header is row 1); the position for JSON
	Cells map[string]string // column → text, columns in their canonical XLSForm names
}

// Load reads a survey definition (JSON: settings, survey, choices, checks;
// see docs/design.md), checks it and compiles its expressions. A malformed
// definition is refused with a *DefinitionError listing every problem.
func Load(data []byte) (*Survey, error) { return load(data, nil) }

func load(data []byte, files map[string][]byte) (*Survey, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, &DefinitionError{Problems: []string{"definition is not a JSON object: " + err.Error()}}
	}
	sheets := false
	if raw, ok := top["xlsform"]; ok {
		// Written by Definition.JSON from a workbook: pyxform's rules.
		if err := json.Unmarshal(raw, &sheets); err != nil {
			return nil, &DefinitionError{Problems: []string{"xlsform: must be true or false"}}
		}
	}
	l := newLoader(sheets)
	l.files = files
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch k {
		case "settings", "survey", "choices", "checks", "external_choices", "xlsform":
		default:
			l.problem("unknown section %q (expected settings, survey, choices, checks)", k)
		}
	}
	def := &Definition{Sheets: sheets}
	if raw := top["settings"]; raw != nil {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			l.problem("settings: must be an object: %v", err)
		} else {
			def.Settings = map[string]string{}
			for k := range m {
				def.Settings[k] = l.jsonCell("settings", 0, m, "", k)
			}
		}
	}
	def.Choices = l.jsonSheet("choices", top["choices"])
	def.Survey = l.jsonSheet("survey", top["survey"])
	def.Checks = l.jsonSheet("checks", top["checks"])
	def.ExternalChoices = l.jsonSheet("external_choices", top["external_choices"])
	if top["settings"] == nil && !sheets {
		l.problem("settings: missing (form_id and version are required)")
	}

	return l.load(def)
}

// LoadDefinition checks and compiles a definition read from sheets (see
// package xlsform). A malformed definition is refused with a
// *DefinitionError listing every problem.
func LoadDefinition(def *Definition) (*Survey, error) {
	return newLoader(def.Sheets).load(def)
}

func newLoader(sheets bool) *loader {
	return &loader{sheets: sheets, s: &Survey{byName: map[string]*Field{}, lists: map[string]*choiceList{}}}
}

func (l *loader) load(def *Definition) (*Survey, error) {
	l.s.Warnings = append(l.s.Warnings, def.Warnings...)
	if def.Settings != nil || l.sheets {
		l.settings(def.Settings)
	}
	l.choices(def.Choices, false)
	l.choices(def.ExternalChoices, true)
	l.s.sheets = l.sheets
	l.survey(def.Survey)
	l.compileFields()
	l.checks(def.Checks)
	if len(l.problems) == 0 {
		l.plan()
	}
	if len(l.problems) > 0 {
		return nil, &DefinitionError{Problems: l.problems}
	}
	return l.s, nil
}

// jsonSheet decodes a sheet of the JSON format as rows of text.
func (l *loader) jsonSheet(sheet string, raw json.RawMessage) []Row {
	if raw == nil {
		return nil
	}
	var rows []map[string]any
	if err := json.Unmarshal(raw, &rows); err != nil {
		l.problem("%s: must be a list of rows (objects of column: text): %v", sheet, err)
		return nil
	}
	out := make([]Row, len(rows))
	for i, row := range rows {
		cells := make(map[string]string, len(row))
		name := ""
		if s, ok := row["name"].(string); ok {
			name = strings.TrimSpace(s)
		}
		num := i + 1
		if n, ok := row["_row"].(float64); ok && l.sheets {
			num = int(n)
		}
		for k := range row {
			if k != "_row" {
				cells[k] = l.jsonCell(sheet, num, row, name, k)
			}
		}
		out[i] = Row{Num: num, Cells: cells}
	}
	return out
}

// jsonCell reads one column of a JSON row as text. Booleans and numbers
// are accepted where spreadsheets produce them (required: true, version: 1).
func (l *loader) jsonCell(sheet string, num int, row map[string]any, name, col string) string {
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
	l.problem("%s: must be text", l.at(sheet, num, name, col))
	return ""
}

// JSON renders the definition in the JSON format form.Load reads; a
// definition from a spreadsheet is marked ("xlsform": true) so that it is
// loaded again with pyxform's rules and its spreadsheet row numbers.
func (d *Definition) JSON() ([]byte, error) {
	rows := func(rs []Row) []map[string]any {
		out := make([]map[string]any, len(rs))
		for i, r := range rs {
			m := make(map[string]any, len(r.Cells)+1)
			for k, v := range r.Cells {
				m[k] = v
			}
			if d.Sheets {
				m["_row"] = r.Num
			}
			out[i] = m
		}
		return out
	}
	top := map[string]any{
		"settings": d.Settings,
		"survey":   rows(d.Survey),
		"choices":  rows(d.Choices),
		"checks":   rows(d.Checks),
	}
	if len(d.ExternalChoices) > 0 {
		top["external_choices"] = rows(d.ExternalChoices)
	}
	if d.Sheets {
		top["xlsform"] = true
	}
	return json.MarshalIndent(top, "", " ")
}
