package schemas

import _ "embed"

// MHSWorkbook is the same mhs survey as an XLSForm workbook, the form survey teams edit
// (xlsform's tests check that it loads to the same definition as mhs.json; regenerate it
// with `go test ./xlsform -run ShippedMHS -update` after changing mhs.json).
//
//go:embed mhs.xlsx
var MHSWorkbook []byte
