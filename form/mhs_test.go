package form

import (
	"fmt"
	"strings"
	"testing"

	"fieldbase/schemas"
)

func loadMHS(t testing.TB) *Survey {
	t.Helper()
	s, err := Load(schemas.MHS)
	if err != nil {
		t.Fatalf("load mhs.json: %v", err)
	}
	return s
}

// validHousehold is a consenting 5-member household (head returned from
// Qatar, spouse, two children one born in India, a grandchild) with two
// emigrants and remittances: it must pass without any problem.
func validHousehold(t testing.TB) *Envelope {
	return readEnvelope(t, "testdata/household_valid.json")
}

func member(d map[string]any, i int) map[string]any { return d["members"].([]any)[i].(map[string]any) }

func emigrant(d map[string]any, i int) map[string]any {
	return d["emigrants"].([]any)[i].(map[string]any)
}

func TestLoadMHS(t *testing.T) {
	s := loadMHS(t)
	if s.FormID != "mhs" || s.Version != 1 || s.Title != "Migration and development household survey" ||
		s.Settings.FieldworkStart != "2026-10-01" || s.Settings.Country != "NPL" || s.Settings.DefaultLanguage != "en" {
		t.Errorf("settings: %+v", s.Settings)
	}
	// The contract of questionnaire.md: names, types, lists, levels.
	want := map[string]string{
		"a_psu": "integer", "a_stratum": "select_one stratum", "a_weight": "decimal", "a_gps": "geopoint",
		"a_date": "date", "a_head_name": "text", "b_line": "calculate", "mig_status": "calculate",
		"members.b_age": "integer", "members.c_cob": "select_one country", "members.f_items": "select_multiple fees",
		"members.h_benefit": "select_multiple benefit", "members.n_comm": "select_one wg",
		"emigrants.d_year_left": "integer", "emigrants.d_reason": "select_one reason",
		"e_channel": "select_multiple channel", "l_12m": "select_multiple ground", "l_resp": "integer",
	}
	for k, typ := range want {
		rep, name := "", k
		if i := indexByte(k, '.'); i >= 0 {
			rep, name = k[:i], k[i+1:]
		}
		f := s.Field(name)
		if f == nil {
			t.Errorf("%s missing", k)
			continue
		}
		got := f.Type
		if f.List != "" {
			got += " " + f.List
		}
		if got != typ || (rep != "" && f.Repeat != rep) {
			t.Errorf("%s: %s in %q", k, got, f.Repeat)
		}
	}
	for _, name := range []string{"a_head_name", "b_name"} {
		if !s.Field(name).Sensitive {
			t.Errorf("%s not sensitive", name)
		}
	}
	if len(s.Fields()) != 78 {
		t.Errorf("%d fields", len(s.Fields()))
	}
	if c := s.Choices("country"); len(c) != 13 || c[0].Name != "NPL" || c[12].Name != "OTH" {
		t.Errorf("country list %v", c)
	}
	if c := s.Choices("stratum"); len(c) != 14 {
		t.Errorf("stratum list %v", c)
	}
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func TestMHSValidHousehold(t *testing.T) {
	s := loadMHS(t)
	env := validHousehold(t)
	res := s.Validate(env, day("2026-10-20"))
	if res.Status != StatusReceived || len(res.Errors)+len(res.Warnings) > 0 {
		t.Fatalf("%s: errors %v warnings %v", res.Status, res.Errors, res.Warnings)
	}
	// Without the device's calculates the server fills them in.
	for i := range 5 {
		delete(member(env.Data, i), "b_line")
		delete(member(env.Data, i), "mig_status")
	}
	res = s.Validate(env, day("2026-10-20"))
	if res.Status != StatusReceived {
		t.Fatalf("without calculates: %v", res.Errors)
	}
	wantStatus := []string{"NB_RET", "NB_NM", "NB_NM", "FB_CIT", "NB_NM"}
	for i, w := range wantStatus {
		m := member(res.Data, i)
		if m["b_line"] != float64(i+1) || m["mig_status"] != w {
			t.Errorf("member %d: b_line %v mig_status %v", i, m["b_line"], m["mig_status"])
		}
	}
	if _, ok := member(env.Data, 0)["b_line"]; ok {
		t.Error("envelope modified")
	}
}

func TestMHSBrokenHouseholds(t *testing.T) {
	s := loadMHS(t)
	type data = map[string]any
	runRuleCases(t, s, func() *Envelope { return validHousehold(t) }, []ruleCase{
		{name: "age out of range", mutate: func(_ *Envelope, d data) { member(d, 1)["b_age"] = 130.0 },
			errors: []string{"members[1].b_age constraint"}},
		{name: "answer to a skipped question", mutate: func(_ *Envelope, d data) { member(d, 0)["i_ever"] = "yes" },
			warnings: []string{"members[0].i_ever relevance"}},
		{name: "required missing", mutate: func(_ *Envelope, d data) { delete(member(d, 3), "i_level") },
			errors: []string{"members[3].i_level required"}},
		{name: "psu as text", mutate: func(_ *Envelope, d data) { d["a_psu"] = "123" },
			errors: []string{"a_psu type"}},
		{name: "sex code unknown", mutate: func(_ *Envelope, d data) { member(d, 0)["b_sex"] = "3" },
			errors: []string{"members[0].b_sex choice"}},
		{name: "emigrant missing", mutate: func(_ *Envelope, d data) { d["emigrants"] = d["emigrants"].([]any)[:1] },
			errors: []string{"emigrants repeat_count"}},
		{name: "two heads", mutate: func(_ *Envelope, d data) { member(d, 1)["b_rel"] = "1" },
			errors: []string{" check"}},
		{name: "no head", mutate: func(_ *Envelope, d data) { member(d, 0)["b_rel"] = "2" },
			errors: []string{" check"}},
		{name: "household size differs", mutate: func(_ *Envelope, d data) { d["a_hh_size"] = 6.0 },
			errors: []string{"a_hh_size check", "members repeat_count"}},
		{name: "large remittances", mutate: func(_ *Envelope, d data) { d["e_amt12"] = 20000000.0 },
			warnings: []string{"e_amt12 check"}},
		{name: "respondent is a child", mutate: func(_ *Envelope, d data) { d["l_resp"] = 4.0 },
			errors: []string{"l_resp constraint"}},
		{name: "respondent not a member", mutate: func(_ *Envelope, d data) { d["l_resp"] = 9.0 },
			errors: []string{"l_resp constraint"}},
		{name: "none with a ground", mutate: func(_ *Envelope, d data) { d["l_12m"] = []any{"none", "age"} },
			errors: []string{"l_12m constraint"}},
		{name: "none with a benefit", mutate: func(_ *Envelope, d data) { member(d, 3)["h_benefit"] = []any{"none", "child"} },
			errors: []string{"members[3].h_benefit constraint"}},
		{name: "unknown answers", mutate: func(_ *Envelope, d data) { d["foo"] = 1.0; member(d, 2)["bar"] = "x" },
			errors: []string{"members[2].bar type", "foo type"}},
		{name: "line number differs", mutate: func(_ *Envelope, d data) { member(d, 0)["b_line"] = 7.0 },
			warnings: []string{"members[0].b_line type"}},
		{name: "migration status differs", mutate: func(_ *Envelope, d data) { member(d, 3)["mig_status"] = "FB_NCIT" },
			warnings: []string{"members[3].mig_status type"}},
		{name: "interview after today", mutate: func(_ *Envelope, d data) { d["a_date"] = "2026-10-25" },
			errors: []string{"a_date constraint"}},
		{name: "interview before fieldwork", mutate: func(_ *Envelope, d data) { d["a_date"] = "2026-09-28" },
			warnings: []string{"a_date check"}},
		{name: "stratum disagrees", mutate: func(_ *Envelope, d data) { d["a_stratum"] = "R3R" },
			errors: []string{"a_stratum constraint"}},
		{name: "fee above amount", mutate: func(_ *Envelope, d data) { d["e_last_fee"] = 50000.0 },
			errors: []string{"e_last_fee constraint"}},
		{name: "fee without amount", mutate: func(_ *Envelope, d data) { delete(d, "e_last_amt") }},
		{name: "poor GPS accuracy", mutate: func(_ *Envelope, d data) { d["a_gps"].(data)["accuracy"] = 80.0 },
			warnings: []string{"a_gps check"}},
		{name: "no GPS", mutate: func(_ *Envelope, d data) { delete(d, "a_gps") }},
		{name: "returned from Nepal", mutate: func(_ *Envelope, d data) { member(d, 0)["c_ret_from"] = "NPL" },
			errors: []string{"members[0].c_ret_from constraint"}},
		{name: "emigrant in Nepal", mutate: func(_ *Envelope, d data) { emigrant(d, 1)["d_country"] = "NPL" },
			errors: []string{"emigrants[1].d_country constraint"}},
		{name: "left too long ago", mutate: func(_ *Envelope, d data) { emigrant(d, 0)["d_year_left"] = 2019.0 },
			errors: []string{"emigrants[0].d_year_left constraint"}},
		{name: "left in the future", mutate: func(_ *Envelope, d data) { emigrant(d, 0)["d_year_left"] = 2027.0 },
			errors: []string{"emigrants[0].d_year_left constraint"}},
		{name: "left 5 years ago", mutate: func(_ *Envelope, d data) { emigrant(d, 0)["d_year_left"] = 2021.0 }},
		{name: "arrived before birth", mutate: func(_ *Envelope, d data) { member(d, 3)["c_arr_year"] = 2010.0 },
			errors: []string{"members[3].c_arr_year constraint"}},
		{name: "arrived after interview", mutate: func(_ *Envelope, d data) { member(d, 3)["c_arr_year"] = 2027.0 },
			errors: []string{"members[3].c_arr_year constraint"}},
		{name: "returned before 15", mutate: func(_ *Envelope, d data) { member(d, 0)["c_ret_year"] = 1980.0 },
			errors: []string{"members[0].c_ret_year constraint"}},
		{name: "child older than head", mutate: func(_ *Envelope, d data) {
			member(d, 0)["b_age"] = 26.0
			member(d, 2)["b_age"] = 30.0
			delete(member(d, 2), "i_ever")
			delete(member(d, 2), "i_attend")
		}, warnings: []string{"members[2].b_age check"}},
		{name: "recruitment cost above 24 months", mutate: func(_ *Envelope, d data) { member(d, 0)["f_cost"] = 1500000.0 },
			warnings: []string{"members[0].f_cost check"}},
		{name: "consent is not a code", mutate: func(_ *Envelope, d data) { d["a_consent"] = "y" },
			errors: []string{"a_consent choice"}},
		{name: "employed but said not working", mutate: func(_ *Envelope, d data) { member(d, 1)["g_work7"] = "yes" },
			errors:   []string{"members[1].g_status required", "members[1].g_injury required"},
			warnings: []string{"members[1].g_absent relevance", "members[1].g_seek4 relevance", "members[1].g_avail relevance"}},
		{name: "no emigrants but rows", mutate: func(_ *Envelope, d data) { d["d_any"] = "no" },
			warnings: []string{"d_n relevance", "emigrants relevance"}},
		{name: "account question without bank or mobile", mutate: func(_ *Envelope, d data) { d["e_channel"] = []any{"mto"} },
			warnings: []string{"e_acct relevance"}},
		{name: "members not a list", mutate: func(_ *Envelope, d data) { d["members"] = data{} },
			errors: []string{"members type"}},
		{name: "several problems at once", mutate: func(e *Envelope, d data) {
			e.DeviceID = ""
			d["a_weight"] = 0.0
			member(d, 1)["b_age"] = 130.0
			delete(member(d, 4), "j_ins")
			emigrant(d, 1)["d_reason"] = "fun"
			d["e_amt12"] = 2e7
		}, errors: []string{"device_id required", "a_weight constraint", "members[1].b_age constraint", "members[4].j_ins required", "emigrants[1].d_reason choice"},
			warnings: []string{"e_amt12 check"}},
	})
}

// TestMHSRefusal: a household that refused has only the identification
// and no error (the checks on members apply to consenting households).
func TestMHSRefusal(t *testing.T) {
	s := loadMHS(t)
	env := validHousehold(t)
	env.Data = map[string]any{
		"a_psu": 123.0, "a_dwelling": 46.0, "a_stratum": "R3U", "a_region": "R3", "a_urban": "U",
		"a_weight": 152.3, "a_date": "2026-10-05", "a_consent": "no",
	}
	if res := s.Validate(env, day("2026-10-20")); res.Status != StatusReceived {
		t.Errorf("%s %v %v", res.Status, res.Errors, res.Warnings)
	}
	env.Data["a_hh_size"] = 3.0
	res := s.Validate(env, day("2026-10-20"))
	// ODK clears what does not apply: a device that sent it is warned and
	// the answer is dropped from the data.
	if got := pathRules(res.Warnings); len(got) != 1 || got[0] != "a_hh_size relevance" || len(res.Errors) != 0 {
		t.Errorf("%v %v", res.Errors, res.Warnings)
	}
	if _, ok := res.Data["a_hh_size"]; ok {
		t.Errorf("a_hh_size kept in the data: %v", res.Data["a_hh_size"])
	}
}

// TestMHSYoungHead: a one-person household of a 14-year-old is valid but
// flagged, and nothing about adults is asked.
func TestMHSYoungHead(t *testing.T) {
	s := loadMHS(t)
	env := validHousehold(t)
	env.Data = map[string]any{
		"a_psu": 123.0, "a_dwelling": 47.0, "a_stratum": "R3U", "a_region": "R3", "a_urban": "U",
		"a_weight": 152.3, "a_date": "2026-10-05", "a_consent": "yes", "a_head_name": "Anil", "a_hh_size": 1.0,
		"members": []any{map[string]any{
			"b_name": "Anil", "b_rel": "1", "b_sex": "1", "b_age": 14.0, "c_cob": "NPL", "c_cit": "1",
			"h_benefit": []any{"none"}, "i_ever": "yes", "i_attend": "yes", "i_level": "lower_sec", "j_ins": "no",
			"n_see": "1", "n_hear": "1", "n_walk": "1", "n_cog": "1", "n_self": "1", "n_comm": "1",
		}},
		"d_any": "no", "e_any": "no",
	}
	res := s.Validate(env, day("2026-10-20"))
	if res.Status != StatusFlagged || len(res.Errors) != 0 || len(res.Warnings) != 1 ||
		res.Warnings[0].Path != "members[0].b_age" || res.Warnings[0].Message != "The head of household is under 15 (check young_head)" {
		t.Errorf("%s %v %v", res.Status, res.Errors, res.Warnings)
	}
}

// TestMHSConcurrent: Validate is safe for concurrent use (hooks validate
// submissions in parallel, with pooled state).
func TestMHSConcurrent(t *testing.T) {
	s := loadMHS(t)
	valid := validHousehold(t)
	broken := validHousehold(t)
	member(broken.Data, 1)["b_age"] = 130.0
	done := make(chan error)
	for g := range 4 {
		go func() {
			var err error
			for i := range 50 {
				env, want := valid, 0
				if (g+i)%2 == 1 {
					env, want = broken, 1
				}
				if res := s.Validate(env, day("2026-10-20")); len(res.Errors) != want {
					err = fmt.Errorf("goroutine %d: %v", g, res.Errors)
				}
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestMHSBeforeFieldwork: the warning reads its date from settings.fieldwork_start.
func TestMHSBeforeFieldwork(t *testing.T) {
	s := loadMHS(t)
	for _, c := range []struct {
		date string
		warn bool
	}{{"2026-09-30", true}, {"2026-10-01", false}} {
		env := validHousehold(t)
		env.Data["a_date"] = c.date
		res := s.Validate(env, day("2026-10-20"))
		got := false
		for _, w := range res.Warnings {
			if w.Path == "a_date" && strings.Contains(w.Message, "before_fieldwork") {
				got = true
			}
		}
		if got != c.warn || len(res.Errors) != 0 {
			t.Errorf("a_date %s: warning %v (want %v), errors %v", c.date, got, c.warn, res.Errors)
		}
	}
}
