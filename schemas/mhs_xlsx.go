package schemas

import _ "embed"

// MHSWorkbook is the same mhs survey as an XLSForm workbook, the form survey teams edit
// (xlsform's tests check that it loads to the same definition as mhs.json; regenerate it
// with `go test ./xlsform -run ShippedMHS -update` after changing mhs.json).
//
//go:embed mhs.xlsx
var MHSWorkbook []byte

// MHSv2Workbook is mhs version 2 as an XLSForm workbook (regenerate it with
// `go test ./xlsform -run ShippedMHS -update` after changing mhs_v2.json).
//
//go:embed mhs_v2.xlsx
var MHSv2Workbook []byte

// ReintWorkbook is the reint survey as an XLSForm workbook (regenerate it with
// `go test ./xlsform -run ShippedReint -update` after changing reint.json).
//
//go:embed reint.xlsx
var ReintWorkbook []byte
