package xlsform

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/shakinm/xlsReader/xls"
	"github.com/xuri/excelize/v2"
)

// sheetData is one worksheet as text: Rows[i] is spreadsheet row i+1.
type sheetData struct {
	Name string
	Rows [][]string
}

// readWorkbook reads every sheet of an .xlsx or a legacy .xls (BIFF) workbook as text.
// The format is told by the file's signature, not its name: survey teams rename files.
func readWorkbook(data []byte) ([]sheetData, error) {
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return readXLS(data)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("xlsform: not a readable .xlsx or .xls workbook: %w", err)
	}
	defer f.Close()
	var out []sheetData
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			return nil, fmt.Errorf("xlsform: sheet %s: %w", name, err)
		}
		out = append(out, sheetData{Name: name, Rows: rows})
	}
	return out, nil
}

// readXLS reads a BIFF8 workbook. The reader panics on some malformed files: a broken
// upload is an error, never a crash of the server.
func readXLS(data []byte) (out []sheetData, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("xlsform: the .xls workbook could not be read (%v); save it as .xlsx", r)
		}
	}()
	wb, err := xls.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("xlsform: not a readable .xls workbook: %w", err)
	}
	for i := 0; i < wb.GetNumberSheets(); i++ {
		ws, err := wb.GetSheet(i)
		if err != nil {
			return nil, fmt.Errorf("xlsform: .xls sheet %d: %w", i+1, err)
		}
		sd := sheetData{Name: ws.GetName()}
		for r := 0; r < ws.GetNumberRows(); r++ {
			row, err := ws.GetRow(r)
			var cells []string
			if err == nil {
				for _, c := range row.GetCols() {
					cells = append(cells, c.GetString())
				}
			}
			for len(cells) > 0 && strings.TrimSpace(cells[len(cells)-1]) == "" {
				cells = cells[:len(cells)-1]
			}
			sd.Rows = append(sd.Rows, cells)
		}
		for len(sd.Rows) > 0 && len(sd.Rows[len(sd.Rows)-1]) == 0 {
			sd.Rows = sd.Rows[:len(sd.Rows)-1]
		}
		out = append(out, sd)
	}
	return out, nil
}

// readAll reads r fully (workbooks are small: the largest real forms are a few hundred KB).
func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("xlsform: reading the workbook: %w", err)
	}
	return data, nil
}
