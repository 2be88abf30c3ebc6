package xlsform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"fieldbase/form"
	"fieldbase/schemas"
)

// workbook writes a definition as an XLSForm workbook, the way a survey team would keep it.
func workbook(t *testing.T, def map[string]any) *bytes.Buffer {
	t.Helper()
	f := excelize.NewFile()
	write := func(sheet string, cols []string, rows []any) {
		if _, err := f.NewSheet(sheet); err != nil {
			t.Fatal(err)
		}
		for j, c := range cols {
			cell, _ := excelize.CoordinatesToCellName(j+1, 1)
			f.SetCellValue(sheet, cell, c)
		}
		for i, r := range rows {
			m := r.(map[string]any)
			for j, c := range cols {
				if v, ok := m[strings.Split(c, "::")[0]]; ok {
					cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
					f.SetCellValue(sheet, cell, fmt.Sprint(v))
				}
			}
		}
	}
	labelled := append([]string{}, surveyCols...)
	labelled[2] = "label::English (en)"
	write("survey", labelled, def["survey"].([]any))
	write("choices", choiceCols, def["choices"].([]any))
	write("checks", checkCols, def["checks"].([]any))
	write("settings", settingCols, []any{def["settings"]})
	f.DeleteSheet("Sheet1")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func TestMHSRoundTrip(t *testing.T) {
	var def map[string]any
	if err := json.Unmarshal(schemas.MHS, &def); err != nil {
		t.Fatal(err)
	}
	out, err := ToJSON(workbook(t, def))
	if err != nil {
		t.Fatal(err)
	}
	got, err := form.Load(out)
	if err != nil {
		t.Fatalf("converted workbook does not load: %v", err)
	}
	want, _ := form.Load(schemas.MHS)
	if got.FormID != "mhs" || got.Version != 1 || len(got.Fields()) != len(want.Fields()) || len(got.Checks()) != len(want.Checks()) {
		t.Fatalf("got %s v%d with %d fields, %d checks; want %d fields, %d checks",
			got.FormID, got.Version, len(got.Fields()), len(got.Checks()), len(want.Fields()), len(want.Checks()))
	}
	for i, f := range want.Fields() {
		g := got.Fields()[i]
		if g.Name != f.Name || g.Type != f.Type || g.Relevant != f.Relevant || g.Constraint != f.Constraint || g.Sensitive != f.Sensitive || g.Label != f.Label {
			t.Errorf("field %d: got %+v, want %+v", i, g, f)
		}
	}
	if len(got.Choices("country")) != len(want.Choices("country")) {
		t.Errorf("country list: %d choices", len(got.Choices("country")))
	}
}

func TestBadWorkbooks(t *testing.T) {
	if _, err := ToJSON(strings.NewReader("not a zip")); err == nil || !strings.Contains(err.Error(), "not a readable .xlsx or .xls") {
		t.Errorf("garbage: %v", err)
	}
	def := map[string]any{
		"survey":   []any{map[string]any{"type": "integer", "name": "x"}},
		"choices":  []any{},
		"checks":   []any{},
		"settings": map[string]any{"form_id": "t", "version": "one", "title": "T"},
	}
	// pyxform's rule: the version is any text (a deployment orders versions by install time).
	out, err := ToJSON(workbook(t, def))
	if err != nil {
		t.Fatal(err)
	}
	if s, err := form.Load(out); err != nil || s.Settings.VersionText != "one" || s.Version != 0 {
		t.Errorf("version one: %v", err)
	}
	// a definition error is form.Load's to report, naming the row
	def["settings"] = map[string]any{"form_id": "t", "version": 2, "title": "T"}
	def["survey"] = []any{map[string]any{"type": "integr", "name": "x"}}
	out, err = ToJSON(workbook(t, def))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := form.Load(out); err == nil || !strings.Contains(err.Error(), "[row : 2] On the 'survey' sheet, column 'type' (x): unknown type \"integr\"") {
		t.Errorf("unknown type: %v", err)
	}
}
