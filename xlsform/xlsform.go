// Package xlsform reads an XLSForm workbook (.xlsx or legacy .xls, with the sheets survey,
// choices, settings, external_choices and our checks) as pyxform 4.5 reads it: column
// aliases, the settings rules (no settings sheet: the form_id is the file name), every type
// and pyxform's error messages with spreadsheet row numbers. The result is a
// form.Definition (or its JSON text, which form.Load reads with the same rules). Survey teams
// keep designing in a spreadsheet as in ODK, Kobo or SurveyCTO.
package xlsform

import "io"

// The columns of fieldbase's own format, as XLSForm names them (the tests write workbooks
// with them).
var (
	surveyCols  = []string{"type", "name", "label", "required", "relevant", "constraint", "constraint_message", "calculation", "repeat_count", "choice_filter", "sensitive"}
	choiceCols  = []string{"list_name", "name", "label"}
	checkCols   = []string{"name", "expression", "message", "severity", "scope", "field"}
	settingCols = []string{"form_id", "version", "title", "default_language", "fieldwork_start", "country"}
)

// ToJSON converts a workbook to a JSON survey definition that form.Load reads with pyxform's
// rules (see ToDefinition; the form_id falls back to "data" without a settings sheet: use
// ToJSONFile to name it after the file).
func ToJSON(r io.Reader) ([]byte, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, err
	}
	return ToJSONFile(data, "")
}

// ToJSONFile converts the workbook data of the file fileName to a JSON survey definition.
func ToJSONFile(data []byte, fileName string) ([]byte, error) {
	def, err := ToDefinition(data, fileName)
	if err != nil {
		return nil, err
	}
	return def.JSON()
}
