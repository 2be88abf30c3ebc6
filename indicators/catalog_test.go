package indicators

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"fieldbase/estimate"
	"fieldbase/schemas"
)

func TestLoadShipped(t *testing.T) {
	_, c := mhs(t)
	if len(c.Indicators) != 25 || len(c.Dimensions) != 7 {
		t.Fatalf("%d indicators, %d dimensions; want 25 and 7", len(c.Indicators), len(c.Dimensions))
	}
	var ids []string
	for _, in := range c.Indicators {
		ids = append(ids, in.ID)
	}
	if got := strings.Join(ids, " "); got != "MIG1 MIG2 MIG3 HH1 REM1 REM2 REM3 FIN1 SP1 SP2 HLT1 EDU1 LAB1 LAB2 LAB3 LAB4 LAB5 FL1 DIS1 DIS2 SKL1 POV1 POV2 POV3 REM4" {
		t.Errorf("indicators %s", got)
	}
	for id, want := range map[string]struct {
		unit  string
		kind  estimate.Kind
		scale float64
		sdmx  string
	}{
		"MIG1": {Person, estimate.Mean, 1, "NUMBER"},
		"HH1":  {Household, estimate.Proportion, 100, "PT"},
		"REM2": {Household, estimate.Ratio, 100, "PT"},
		"LAB4": {Person, estimate.Rate, 100000, "PER_100000_EMP"},
		"DIS1": {Person, estimate.Proportion, 100, "PT"},
	} {
		in := c.Indicator(id)
		if in.Unit != want.unit || in.Kind != want.kind || in.Scale != want.scale || in.UnitMeasure != want.sdmx {
			t.Errorf("%s: %s %s %v %s", id, in.Unit, in.Kind, in.Scale, in.UnitMeasure)
		}
	}
	var personOnly []string
	for _, d := range c.Dimensions {
		if d.PersonOnly {
			personOnly = append(personOnly, d.ID)
		}
	}
	if got := strings.Join(personOnly, " "); got != "AGE MIGRATORY_STATUS DISABILITY_STATUS" {
		t.Errorf("person-only dimensions %s", got)
	}
}

// edit returns the shipped catalog with fn applied to its JSON object.
func edit(t *testing.T, fn func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(schemas.Indicators, &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func indicator(m map[string]any, id string) map[string]any {
	for _, x := range m["indicators"].([]any) {
		if in := x.(map[string]any); in["id"] == id {
			return in
		}
	}
	panic("no indicator " + id)
}

func dimension(m map[string]any, id string) map[string]any {
	for _, x := range m["dimensions"].([]any) {
		if d := x.(map[string]any); d["id"] == id {
			return d
		}
	}
	panic("no dimension " + id)
}

func TestLoadErrors(t *testing.T) {
	sv, _ := mhs(t)
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want []string // all in the message
	}{
		{"unknown field", func(m map[string]any) { indicator(m, "LAB3")["numerator"] = "${i_atend} != 'yes'" },
			[]string{"indicator LAB3", "column numerator", "i_atend"}},
		{"syntax", func(m map[string]any) { indicator(m, "MIG2")["population"] = "${f_first} = = 'yes'" },
			[]string{"indicator MIG2", "column population"}},
		{"repeat field at household level", func(m map[string]any) { indicator(m, "HH1")["population"] = "${b_age} > 0" },
			[]string{"indicator HH1", "column population", "b_age"}},
		{"dimension", func(m map[string]any) { dimension(m, "AGE")["person"] = "if(${b_agee} < 15, 'Y_LT15', '')" },
			[]string{"dimension AGE", "column person", "b_agee"}},
		{"design", func(m map[string]any) { m["design"].(map[string]any)["weight"] = "${a_wieght}" },
			[]string{"design", "column weight", "a_wieght"}},
		{"unknown key", func(m map[string]any) { indicator(m, "REM1")["numerater"] = "1" },
			[]string{"numerater"}},
		{"kind", func(m map[string]any) { indicator(m, "REM1")["kind"] = "share" },
			[]string{"indicator REM1", "column kind", "share"}},
		{"unit", func(m map[string]any) { indicator(m, "REM1")["unit"] = "emigrant" },
			[]string{"indicator REM1", "column unit", "emigrant"}},
		{"ratio without denominator", func(m map[string]any) { delete(indicator(m, "REM2"), "denominator") },
			[]string{"indicator REM2", "column denominator"}},
		{"proportion with denominator", func(m map[string]any) { indicator(m, "REM1")["denominator"] = "2" },
			[]string{"indicator REM1", "column denominator"}},
		{"no scale", func(m map[string]any) { delete(indicator(m, "FIN1"), "scale") },
			[]string{"indicator FIN1", "column scale"}},
		{"duplicate id", func(m map[string]any) { indicator(m, "MIG2")["id"] = "MIG1" },
			[]string{"indicator MIG1", "listed twice"}},
		{"bad id", func(m map[string]any) { indicator(m, "MIG2")["id"] = "MIG 2" },
			[]string{"MIG 2", "column id"}},
		{"no population", func(m map[string]any) { indicator(m, "SKL1")["population"] = " " },
			[]string{"indicator SKL1", "column population", "required"}},
		{"total as a code", func(m map[string]any) { dimension(m, "SEX")["codes"] = []any{"M", "_T"} },
			[]string{"dimension SEX", "column codes"}},
		{"dimension without expression", func(m map[string]any) { delete(dimension(m, "REGION"), "household") },
			[]string{"dimension REGION"}},
		{"other survey", func(m map[string]any) { m["survey"] = "lfs" },
			[]string{"column survey", "lfs"}},
		{"person repeat", func(m map[string]any) { m["person_repeat"] = "a_psu" },
			[]string{"column person_repeat", "a_psu"}},
	} {
		_, err := Load(edit(t, tc.edit), sv)
		var le *LoadError
		if !errors.As(err, &le) {
			t.Errorf("%s: error %v, want a LoadError", tc.name, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tc.name, err, w)
			}
		}
	}
	if _, err := Load([]byte("{"), sv); err == nil {
		t.Error("truncated JSON loaded")
	}
	if _, err := Load(schemas.Indicators, nil); err == nil {
		t.Error("loaded without a survey")
	}
}

func TestHashFollowsContent(t *testing.T) {
	sv, _ := mhsV2(t)
	spaced, err := Load(edit(t, func(map[string]any) {}), sv)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := Load(edit(t, func(m map[string]any) { indicator(m, "EDU1")["population"] = "${b_age} >= 5 and ${b_age} <= 17" }), sv)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Hash == spaced.Hash {
		t.Error("a changed catalog keeps its hash: its old facts would not read as stale")
	}
}
