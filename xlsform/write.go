package xlsform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/xuri/excelize/v2"
)

// WriteWorkbook writes a definition in fieldbase's JSON format as an XLSForm workbook
// (sheets survey, choices, checks, settings; columns in XLSForm's usual order, then any
// other column in name order), the form in which survey teams keep and edit it.
func WriteWorkbook(jsonDef []byte) ([]byte, error) {
	var def struct {
		Settings map[string]any   `json:"settings"`
		Survey   []map[string]any `json:"survey"`
		Choices  []map[string]any `json:"choices"`
		Checks   []map[string]any `json:"checks"`
	}
	if err := json.Unmarshal(jsonDef, &def); err != nil {
		return nil, fmt.Errorf("xlsform: the definition is not JSON: %w", err)
	}
	f := excelize.NewFile()
	defer f.Close()
	write := func(sheet string, first []string, rows []map[string]any) error {
		if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		cols := slices.Clone(first)
		var extra []string
		for _, r := range rows {
			for k := range r {
				if !slices.Contains(cols, k) && !slices.Contains(extra, k) {
					extra = append(extra, k)
				}
			}
		}
		slices.Sort(extra)
		cols = append(cols, extra...)
		// Only the columns some row uses.
		used := cols[:0]
		for _, c := range cols {
			for _, r := range rows {
				if _, ok := r[c]; ok {
					used = append(used, c)
					break
				}
			}
		}
		for j, c := range used {
			cell, _ := excelize.CoordinatesToCellName(j+1, 1)
			if err := f.SetCellStr(sheet, cell, c); err != nil {
				return err
			}
			for i, r := range rows {
				v, ok := r[c]
				if !ok || v == nil {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
				if err := f.SetCellStr(sheet, cell, text(v)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := write("survey", surveyCols, def.Survey); err != nil {
		return nil, err
	}
	if err := write("choices", choiceCols, def.Choices); err != nil {
		return nil, err
	}
	if err := write("checks", checkCols, def.Checks); err != nil {
		return nil, err
	}
	if err := write("settings", settingCols, []map[string]any{def.Settings}); err != nil {
		return nil, err
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// text renders a JSON cell as spreadsheet text (numbers without trailing zeros).
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprintf("%v", x)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	}
	return fmt.Sprint(v)
}
