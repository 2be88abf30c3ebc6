package design

import (
	"strings"
	"testing"

	"fieldbase/form"
	"fieldbase/schemas"
)

func load(t *testing.T, def string) *form.Survey {
	t.Helper()
	sv, err := form.Load([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// The shipped mhs versions declare every role, each naming a field of the right level.
func TestShippedMHSDesign(t *testing.T) {
	for _, def := range [][]byte{schemas.MHS, schemas.MHSv2} {
		sv, err := form.Load(def)
		if err != nil {
			t.Fatal(err)
		}
		d, problems := Read(sv)
		if len(problems) > 0 {
			t.Fatalf("mhs v%d: %v", sv.Version, problems)
		}
		want := Design{PSU: "a_psu", Dwelling: "a_dwelling", Stratum: "a_stratum", Region: "a_region", Urban: "a_urban",
			Weight: "a_weight", Date: "a_date", GPS: "a_gps", HeadName: "a_head_name", Consent: "a_consent",
			Roster: "members", RosterLine: "b_line", RosterRel: "b_rel", RosterSex: "b_sex", RosterAge: "b_age", RosterMig: "mig_status",
			Emigrants: "emigrants", EmigrantSex: "d_sex", EmigrantAge: "d_age", EmigrantCountry: "d_country",
			EmigrantYearLeft: "d_year_left", EmigrantReason: "d_reason", Round: "2026", RoundYear: "2026"}
		if *d != want {
			t.Fatalf("mhs v%d design:\n%+v\nwant\n%+v", sv.Version, *d, want)
		}
		if !d.Sampled() || d.Missing("mhs") != "" {
			t.Fatalf("mhs v%d is not sampled: %s", sv.Version, d.Missing("mhs"))
		}
	}
}

const checklist = `{"settings": {"form_id": "chk", "version": 1, "title": "Checklist"%s},
 "survey": [{"type": "integer", "name": "n", "label": "N"}, {"type": "text", "name": "who", "label": "Who"},
  {"type": "geopoint", "name": "pt", "label": "Where"},
  {"type": "begin_repeat", "name": "kids", "label": "Kids"}, {"type": "integer", "name": "age", "label": "Age"}, {"type": "end_repeat"}]}`

func TestNoDesign(t *testing.T) {
	d, problems := Read(load(t, strings.Replace(checklist, "%s", "", 1)))
	if len(problems) > 0 || *d != (Design{}) {
		t.Fatalf("a survey without design settings: %+v %v", *d, problems)
	}
	if d.Sampled() || d.Missing("chk") != "survey chk declares no psu and no weight in its settings: no design-based estimate" {
		t.Fatalf("missing: %q", d.Missing("chk"))
	}
	if d.Dedup() != (&Design{}).Dedup() {
		t.Fatal("dedup roles of no design")
	}
}

// Each wrong role is named, with what is wrong, and left out of the design.
func TestDesignProblems(t *testing.T) {
	cases := []struct{ settings, want string }{
		{`"psu": "nope"`, `setting psu: survey chk has no field "nope"`},
		{`"psu": "who"`, `setting psu: field "who" is of type text, not integer`},
		{`"psu": "age"`, `setting psu: field "age" is not at household level (outside any repeat)`},
		{`"roster_age": "age"`, `setting roster_age: needs the setting roster`},
		{`"roster": "n"`, `setting roster: "n" is not a repeat at household level`},
		{`"roster": "kids", "roster_sex": "who"`, `setting roster_sex: field "who" is not in the roster repeat`},
		{`"dwelling": "n"`, `setting dwelling: needs the setting psu`},
		{`"round_year": "next"`, `setting round_year: "next" is not a year (four digits)`},
	}
	for _, c := range cases {
		sv := load(t, strings.Replace(checklist, "%s", ", "+c.settings, 1))
		d, problems := Read(sv)
		if len(problems) != 1 || !strings.HasPrefix(problems[0], c.want) {
			t.Errorf("%s: %v, want %q", c.settings, problems, c.want)
		}
		if d.PSU != "" || d.RosterSex != "" || d.RosterAge != "" || d.Dwelling != "" || d.RoundYear != "" {
			t.Errorf("%s: a wrong role is kept: %+v", c.settings, *d)
		}
		if err := Check(sv); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Check: %v", c.settings, err)
		}
	}
	d, problems := Read(load(t, strings.Replace(checklist, "%s", `, "psu": "${n}", "gps": "pt", "roster": "kids", "roster_age": "age"`, 1)))
	if len(problems) > 0 || d.PSU != "n" || d.GPS != "pt" || d.RosterAge != "age" {
		t.Fatalf("${name} and plain names: %+v %v", *d, problems)
	}
}

func TestRound(t *testing.T) {
	for settings, want := range map[string][2]string{
		`"round": "2027"`:                                {"2027", "2027"},
		`"round": "R2", "round_year": "2028"`:            {"R2", "2028"},
		`"round": "R2"`:                                  {"R2", ""},
		`"round": "R2", "fieldwork_start": "2029-01-05"`: {"R2", "2029"},
		`"fieldwork_start": "2029-01-05"`:                {"2029", "2029"},
	} {
		d, problems := Read(load(t, strings.Replace(checklist, "%s", ", "+settings, 1)))
		if len(problems) > 0 || d.Round != want[0] || d.RoundYear != want[1] {
			t.Errorf("%s: round %q year %q %v, want %v", settings, d.Round, d.RoundYear, problems, want)
		}
	}
}

func TestLine(t *testing.T) {
	d := &Design{RosterLine: "l"}
	if d.Line(map[string]any{"l": 4.0}, 0) != 4 || d.Line(map[string]any{"l": "x"}, 2) != 3 || d.Line(nil, 1) != 2 || (&Design{}).Line(map[string]any{"": 9.0}, 0) != 1 {
		t.Fatal("Line")
	}
}
