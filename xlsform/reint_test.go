package xlsform

import (
	"os"
	"reflect"
	"testing"

	"fieldbase/design"
	"fieldbase/form"
	"fieldbase/schemas"
)

// TestShippedReintWorkbook: schemas/reint.xlsx is reint.json written as an XLSForm, and the
// design it declares in its settings sheet reads as from the JSON definition.
func TestShippedReintWorkbook(t *testing.T) {
	gen, err := WriteWorkbook(schemas.Reint)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("../schemas/reint.xlsx", gen, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(sheetsText(t, gen), sheetsText(t, schemas.ReintWorkbook)) {
		t.Fatal("schemas/reint.xlsx is not reint.json as a workbook: run go test ./xlsform -run ShippedReint -update")
	}
	want, err := form.Load(schemas.Reint)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(schemas.ReintWorkbook, "reint.xlsx")
	if err != nil {
		t.Fatalf("reint.xlsx does not load: %v", err)
	}
	dw, pw := design.Read(want)
	dg, pg := design.Read(got)
	if len(pw)+len(pg) > 0 || *dw != *dg || dg.PSU != "r_cluster" || dg.Roster != "returnees" || dg.RoundYear != "2027" {
		t.Fatalf("design from the workbook %+v %v, from the JSON %+v %v", *dg, pg, *dw, pw)
	}
	if len(got.Fields()) != len(want.Fields()) || len(got.Checks()) != len(want.Checks()) {
		t.Fatalf("workbook: %d fields, %d checks; JSON %d, %d", len(got.Fields()), len(got.Checks()), len(want.Fields()), len(want.Checks()))
	}
}
