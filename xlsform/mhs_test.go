package xlsform

import (
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"testing"
	"time"

	"fieldbase/form"
	"fieldbase/schemas"
	"fieldbase/synth"
)

var update = flag.Bool("update", false, "rewrite schemas/mhs.xlsx from schemas/mhs.json")

// sheetsText reads every cell of a workbook, to compare two workbooks by content.
func sheetsText(t *testing.T, data []byte) []sheetData {
	t.Helper()
	s, err := readWorkbook(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestShippedMHSWorkbook: schemas/mhs.xlsx is mhs.json written as an XLSForm, and it
// loads to the same definition: the same fields with the same columns, choices, checks and
// settings, and the same verdict, problem by problem, on synthetic households (valid and
// broken ones).
func TestShippedMHSWorkbook(t *testing.T) {
	gen, err := WriteWorkbook(schemas.MHS)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("../schemas/mhs.xlsx", gen, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(sheetsText(t, gen), sheetsText(t, schemas.MHSWorkbook)) {
		t.Fatal("schemas/mhs.xlsx is not mhs.json as a workbook: run go test ./xlsform -run ShippedMHS -update")
	}
	want, err := form.Load(schemas.MHS)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(schemas.MHSWorkbook, "mhs.xlsx")
	if err != nil {
		t.Fatalf("mhs.xlsx does not load: %v", err)
	}
	if got.FormID != want.FormID || got.Version != want.Version || got.Title != want.Title ||
		got.Settings.FieldworkStart != want.Settings.FieldworkStart || got.Settings.Country != want.Settings.Country {
		t.Errorf("settings: got %+v, want %+v", got.Settings, want.Settings)
	}
	if len(got.Fields()) != len(want.Fields()) {
		t.Fatalf("%d fields, want %d", len(got.Fields()), len(want.Fields()))
	}
	for i, w := range want.Fields() {
		g := got.Fields()[i]
		type cols struct {
			Name, Label, Type, List, Repeat, Group string
			Required, Sensitive                    bool
			Relevant, Constraint, Msg, Calc, Count string
			Filter, Path, Key, RequiredIf          string
		}
		c := func(f *form.Field) cols {
			return cols{f.Name, f.Label, f.Type, f.List, f.Repeat, f.Group, f.Required, f.Sensitive, f.Relevant,
				f.Constraint, f.ConstraintMessage, f.Calculation, f.RepeatCount, f.ChoiceFilter, f.Path, f.Key, f.RequiredIf}
		}
		if c(g) != c(w) {
			t.Errorf("field %d:\n got %+v\nwant %+v", i, c(g), c(w))
		}
		if g.List != "" && !reflect.DeepEqual(got.Choices(g.List), want.Choices(w.List)) {
			t.Errorf("list %s differs", g.List)
		}
	}
	if !reflect.DeepEqual(got.Repeats(), want.Repeats()) || len(got.Checks()) != len(want.Checks()) {
		t.Fatalf("repeats %v / %d checks, want %v / %d", got.Repeats(), len(got.Checks()), want.Repeats(), len(want.Checks()))
	}
	for i, w := range want.Checks() {
		g := got.Checks()[i]
		if g.Name != w.Name || g.Expression != w.Expression || g.Message != w.Message || g.Severity != w.Severity || g.Scope != w.Scope || g.Field != w.Field {
			t.Errorf("check %d: got %+v, want %+v", i, g, w)
		}
	}
	today := time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC)
	opt := synth.Options{Households: 300, Seed: 7, InvalidRate: 0.3, Enumerators: 4, Today: today}
	n := 0
	err = synth.Generate(opt, func(it synth.Item) error {
		env := envelopeOf(t, it.Envelope)
		a, b := want.Validate(env, today), got.Validate(env, today)
		if a.Status != b.Status || !reflect.DeepEqual(a.Errors, b.Errors) || !reflect.DeepEqual(a.Warnings, b.Warnings) || !reflect.DeepEqual(a.Data, b.Data) {
			t.Errorf("household %d (%s): json %s %v %v, workbook %s %v %v", n, it.Label, a.Status, a.Errors, a.Warnings, b.Status, b.Errors, b.Warnings)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 300 {
		t.Errorf("only %d households", n)
	}
}

func envelopeOf(t *testing.T, m map[string]any) *form.Envelope {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var env form.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	return &env
}
