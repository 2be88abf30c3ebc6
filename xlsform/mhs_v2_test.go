package xlsform

import (
	"os"
	"reflect"
	"testing"
	"time"

	"fieldbase/form"
	"fieldbase/schemas"
	"fieldbase/synth"
)

// TestShippedMHSv2Workbook: schemas/mhs_v2.xlsx is mhs_v2.json written as an XLSForm; it
// keeps the poverty lines in its settings sheet and gives the same verdicts, problem by
// problem, on synthetic v2 households (valid and broken ones) as the JSON definition.
func TestShippedMHSv2Workbook(t *testing.T) {
	gen, err := WriteWorkbook(schemas.MHSv2)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("../schemas/mhs_v2.xlsx", gen, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(sheetsText(t, gen), sheetsText(t, schemas.MHSv2Workbook)) {
		t.Fatal("schemas/mhs_v2.xlsx is not mhs_v2.json as a workbook: run go test ./xlsform -run ShippedMHS -update")
	}
	want, err := form.Load(schemas.MHSv2)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(schemas.MHSv2Workbook, "mhs_v2.xlsx")
	if err != nil {
		t.Fatalf("mhs_v2.xlsx does not load: %v", err)
	}
	if got.FormID != "mhs" || got.Version != 2 || got.Settings.Extra["poverty_line"] != "6000" || got.Settings.Extra["ppp_factor"] != "37.5" ||
		len(got.Fields()) != len(want.Fields()) || len(got.Checks()) != len(want.Checks()) {
		t.Fatalf("workbook: %s v%d, settings %v, %d fields, %d checks; want %s v%d, %v, %d, %d", got.FormID, got.Version, got.Settings.Extra,
			len(got.Fields()), len(got.Checks()), want.FormID, want.Version, want.Settings.Extra, len(want.Fields()), len(want.Checks()))
	}
	today := time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC)
	n, income := 0, 0
	err = synth.Generate(synth.Options{Households: 200, Seed: 8, InvalidRate: 0.3, Today: today}, func(it synth.Item) error {
		synth.V2(it.Envelope, 8)
		env := envelopeOf(t, it.Envelope)
		a, b := want.Validate(env, today), got.Validate(env, today)
		if a.Status != b.Status || !reflect.DeepEqual(a.Errors, b.Errors) || !reflect.DeepEqual(a.Warnings, b.Warnings) || !reflect.DeepEqual(a.Data, b.Data) {
			t.Errorf("household %d (%s): json %s %v %v, workbook %s %v %v", n, it.Label, a.Status, a.Errors, a.Warnings, b.Status, b.Errors, b.Warnings)
		}
		if it.Label == "valid" && len(a.Errors) > 0 {
			t.Errorf("valid v2 household %d: %v", n, a.Errors)
		}
		if _, ok := a.Data["n_farm"]; ok {
			income++
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 200 || income < 100 {
		t.Errorf("%d households, %d with the income module", n, income)
	}
}
