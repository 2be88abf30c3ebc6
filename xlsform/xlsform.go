// Package xlsform reads an XLSForm workbook (.xlsx with the sheets survey, choices, settings
// and our checks) into fieldbase's JSON survey definition (see schemas/mhs.json), which
// form.Load then checks. Survey teams keep designing in a spreadsheet as in ODK, Kobo or
// SurveyCTO; the server keeps one text format.
package xlsform

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Columns kept from each sheet, as XLSForm names them. Other columns (hints, media,
// appearance, other languages) are ignored: fieldbase validates, it does not render.
var (
	surveyCols  = []string{"type", "name", "label", "required", "relevant", "constraint", "constraint_message", "calculation", "repeat_count", "choice_filter", "sensitive"}
	choiceCols  = []string{"list_name", "name", "label"}
	checkCols   = []string{"name", "expression", "message", "severity", "scope", "field"}
	settingCols = []string{"form_id", "version", "title", "default_language", "fieldwork_start", "country"}
)

// ToJSON converts a workbook to a JSON survey definition.
func ToJSON(r io.Reader) ([]byte, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("xlsform: not a readable .xlsx workbook: %w", err)
	}
	defer f.Close()
	def := map[string]any{}
	survey, err := sheet(f, "survey", surveyCols, true)
	if err != nil {
		return nil, err
	}
	def["survey"] = survey
	choices, err := sheet(f, "choices", choiceCols, false)
	if err != nil {
		return nil, err
	}
	def["choices"] = choices
	checks, err := sheet(f, "checks", checkCols, false)
	if err != nil {
		return nil, err
	}
	def["checks"] = checks
	settings, err := sheet(f, "settings", settingCols, true)
	if err != nil {
		return nil, err
	}
	if len(settings) == 0 {
		return nil, fmt.Errorf("xlsform: sheet settings: no row under the header (form_id, version, title)")
	}
	st := map[string]any{}
	for k, v := range settings[0] {
		st[k] = v
	}
	if v, ok := st["version"].(string); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("xlsform: sheet settings, column version: %q is not a whole number", v)
		}
		st["version"] = n
	}
	def["settings"] = st
	return json.MarshalIndent(def, "", " ")
}

// sheet reads the named sheet's rows as column → text for the kept columns. A missing
// optional sheet is empty; blank rows are skipped (spreadsheets have them between sections).
func sheet(f *excelize.File, name string, cols []string, required bool) ([]map[string]string, error) {
	idx, err := f.GetSheetIndex(name)
	if err != nil || idx < 0 {
		if required {
			return nil, fmt.Errorf("xlsform: the workbook has no %q sheet", name)
		}
		return []map[string]string{}, nil
	}
	rows, err := f.GetRows(name)
	if err != nil {
		return nil, fmt.Errorf("xlsform: sheet %s: %w", name, err)
	}
	if len(rows) == 0 {
		if required {
			return nil, fmt.Errorf("xlsform: sheet %s is empty", name)
		}
		return []map[string]string{}, nil
	}
	keep := map[string]bool{}
	for _, c := range cols {
		keep[c] = true
	}
	header := make([]string, len(rows[0]))
	for i, h := range rows[0] {
		h = strings.ToLower(strings.TrimSpace(h))
		// "label::English (en)" and the like: the first label column is the label.
		if strings.HasPrefix(h, "label::") && !contains(header, "label") {
			h = "label"
		}
		if strings.HasPrefix(h, "constraint_message::") && !contains(header, "constraint_message") {
			h = "constraint_message"
		}
		header[i] = h
	}
	out := []map[string]string{}
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, cell := range row {
			if i < len(header) && keep[header[i]] && strings.TrimSpace(cell) != "" {
				m[header[i]] = strings.TrimSpace(cell)
			}
		}
		if len(m) > 0 {
			out = append(out, m)
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
