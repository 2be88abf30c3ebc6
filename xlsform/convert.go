package xlsform

import (
	"fmt"
	"path/filepath"
	"strings"

	"fieldbase/form"
)

// Column aliases, as pyxform dealiases them (pyxform/aliases.py): the key
// is the header in snake case, the value fieldbase's canonical column.
var surveyAliases = map[string]string{
	"relevance": "relevant", "bind::relevant": "relevant", "bind::required": "required",
	"bind::constraint": "constraint", "bind::calculate": "calculation", "calculate": "calculation",
	"bind::jr:constraintmsg": "constraint_message", "constraining_message": "constraint_message",
	"jr:constraintmsg":     "constraint_message",
	"bind::jr:requiredmsg": "required_message", "requiredmsg": "required_message", "jr:requiredmsg": "required_message",
	"bind::readonly": "read_only", "readonly": "read_only",
	"caption": "label", "command": "type", "tag": "name", "value": "name",
	"count": "repeat_count", "jr:count": "repeat_count", "control::jr:count": "repeat_count",
	"control::appearance": "appearance", "media::image": "image", "media::audio": "audio",
	"media::video": "video", "media::big-image": "big-image",
	"bind::jr:noapperrorstring": "no_app_error_string", "noapperrorstring": "no_app_error_string",
}

var choicesAliases = map[string]string{
	"list_name": "list_name", "caption": "label", "value": "name",
	"media::image": "image", "media::audio": "audio", "media::video": "video",
}

// knownColumns are the XLSForm columns whose header is read in snake case
// whatever its case and spaces ("List Name", "TYPE").
var knownColumns = map[string]bool{
	"type": true, "name": true, "label": true, "hint": true, "guidance_hint": true, "required": true,
	"required_message": true, "relevant": true, "constraint": true, "constraint_message": true,
	"calculation": true, "repeat_count": true, "choice_filter": true, "appearance": true, "default": true,
	"read_only": true, "parameters": true, "trigger": true, "image": true, "audio": true, "video": true,
	"big-image": true, "note": true, "sensitive": true, "list_name": true, "form_id": true, "form_title": true,
	"version": true, "title": true, "default_language": true, "instance_name": true, "style": true,
	"submission_url": true, "public_key": true, "allow_choice_duplicates": true, "fieldwork_start": true,
	"country": true, "expression": true, "message": true, "severity": true, "scope": true, "field": true,
	"disabled": true, "media": true, "autoplay": true, "body": true, "intent": true, "save_to": true,
	"id_string": true, "namespaces": true, "clean_text_values": true, "omit_instanceid": true,
}

var settingsAliases = map[string]string{
	"form_title": "title", "set_form_title": "title", "set_form_id": "form_id", "id_string": "form_id",
}

// ToDefinition reads an XLSForm workbook (.xlsx or .xls) as pyxform does
// and returns the definition for form.LoadDefinition. fileName is the
// workbook's file name: without a form_id in the settings (or without a
// settings sheet) the form_id is the file name without its extension, as
// pyxform names the form.
func ToDefinition(data []byte, fileName string) (*form.Definition, error) {
	sheets, err := readWorkbook(data)
	if err != nil {
		return nil, err
	}
	def := &form.Definition{Sheets: true}
	find := func(name string) *sheetData {
		for i := range sheets {
			if strings.EqualFold(strings.TrimSpace(sheets[i].Name), name) {
				return &sheets[i]
			}
		}
		return nil
	}
	survey := find("survey")
	if survey == nil && len(sheets) == 1 {
		survey = &sheets[0] // pyxform reads a lone sheet as the survey
	}
	if survey == nil {
		return nil, fmt.Errorf("xlsform: the workbook has no 'survey' sheet (sheets: %s)", sheetNames(sheets))
	}
	settings := map[string]string{}
	if st := find("settings"); st != nil {
		rows, err := readSheet(st, "settings", settingsAliases, nil)
		if err != nil {
			return nil, err
		}
		if len(rows) > 0 {
			settings = rows[0].Cells
		}
	}
	if settings["form_id"] == "" {
		base := filepath.Base(fileName)
		settings["form_id"] = strings.TrimSuffix(base, filepath.Ext(base))
		if settings["form_id"] == "" || settings["form_id"] == "." {
			settings["form_id"] = "data"
		}
	}
	def.Settings = settings
	if def.Survey, err = readSheet(survey, "survey", surveyAliases, nil); err != nil {
		return nil, err
	}
	if c := find("choices"); c != nil {
		if def.Choices, err = readSheet(c, "choices", choicesAliases, nil); err != nil {
			return nil, err
		}
	}
	if c := find("external_choices"); c != nil {
		if def.ExternalChoices, err = readSheet(c, "external_choices", choicesAliases, nil); err != nil {
			return nil, err
		}
	}
	if c := find("checks"); c != nil {
		if def.Checks, err = readSheet(c, "checks", nil, nil); err != nil {
			return nil, err
		}
	}
	return def, nil
}

func sheetNames(sheets []sheetData) string {
	names := make([]string, len(sheets))
	for i, s := range sheets {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// canonicalHeader turns a header into fieldbase's column name: snake case
// for the first part, "::" between parts (a single ':' where the sheet
// uses no "::", jr:count kept), then the aliases.
func canonicalHeader(h string, doubleColon bool, aliases map[string]string) string {
	h = strings.TrimSpace(h)
	var parts []string
	if doubleColon || strings.Contains(h, "::") {
		parts = strings.Split(h, "::")
	} else {
		parts = strings.Split(h, ":")
		for i := 0; i+1 < len(parts); i++ {
			if strings.EqualFold(strings.TrimSpace(parts[i]), "jr") {
				parts = append(parts[:i], append([]string{"jr:" + parts[i+1]}, parts[i+2:]...)...)
			}
		}
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	first := strings.ToLower(strings.Join(strings.Fields(parts[0]), "_"))
	if len(parts) == 1 && !knownColumns[first] && aliases[first] == "" {
		// Unknown columns keep their name: choice_filter expressions use it.
		return h
	}
	parts[0] = first
	// bind::x and media::x are one column; label::English keeps its language.
	if len(parts) >= 2 && (first == "bind" || first == "media" || first == "control") {
		joined := first + "::" + strings.ToLower(parts[1])
		if a, ok := aliases[joined]; ok {
			return strings.Join(append([]string{a}, parts[2:]...), "::")
		}
		if first == "bind" {
			return strings.Join(append([]string{strings.ToLower(parts[1])}, parts[2:]...), "::")
		}
		return strings.Join(append([]string{strings.ToLower(parts[1])}, parts[2:]...), "::")
	}
	if a, ok := aliases[first]; ok {
		parts[0] = a
	}
	return strings.Join(parts, "::")
}

// cleanText replaces "smart" quotes with plain ones (pyxform does, so
// expressions typed in a word processor work) and drops NUL characters.
var cleanText = strings.NewReplacer("\u2018", "'", "\u2019", "'", "\u201c", `"`, "\u201d", `"`, "\x00", "")

// readSheet reads a sheet's rows under its header (row 1). Blank rows are
// left out; Row.Num is the spreadsheet row number.
func readSheet(s *sheetData, name string, aliases map[string]string, _ []string) ([]form.Row, error) {
	if len(s.Rows) == 0 {
		return nil, nil
	}
	header := s.Rows[0]
	// As pyxform: a run of 20 empty header cells ends the columns, a run
	// of 60 empty rows ends the data.
	for i, empty := 0, 0; i < len(header); i++ {
		if strings.TrimSpace(header[i]) == "" {
			if empty++; empty > 20 {
				header = header[:i]
				break
			}
		} else {
			empty = 0
		}
	}
	double := false
	for _, h := range header {
		if strings.Contains(h, "::") {
			double = true
		}
	}
	cols := make([]string, len(header))
	seen := map[string]string{}
	for i, h := range header {
		h = cleanText.Replace(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		c := canonicalHeader(h, double, aliases)
		if prev, dup := seen[c]; dup {
			if prev == h {
				return nil, fmt.Errorf("Duplicate column header: %s", h)
			}
			return nil, fmt.Errorf("Invalid headers provided for sheet: '%s'. Headers that are different names for the same column were found: '%s', '%s'. Rename or remove one of these columns.", name, prev, h)
		}
		seen[c] = h
		cols[i] = c
	}
	var out []form.Row
	empty := 0
	for r, cells := range s.Rows[1:] {
		m := map[string]string{}
		for i, v := range cells {
			if i >= len(cols) || cols[i] == "" {
				continue
			}
			v = strings.TrimSpace(cleanText.Replace(v))
			if v != "" {
				m[cols[i]] = v
			}
		}
		if len(m) == 0 {
			if empty++; empty > 60 {
				break
			}
			continue
		}
		empty = 0
		out = append(out, form.Row{Num: r + 2, Cells: m})
	}
	return out, nil
}

// Load reads a workbook and loads it (see ToDefinition).
func Load(data []byte, fileName string) (*form.Survey, error) {
	def, err := ToDefinition(data, fileName)
	if err != nil {
		return nil, err
	}
	return form.LoadDefinition(def)
}
