package form

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func testEnvelope() *Envelope {
	return &Envelope{
		ID: "3f2c8a4e-1b7d-4c59-9e0a-6d2f4b8c1a73", Survey: "t", Version: 2,
		StartedAt: "2026-10-05T09:30:00+05:45", CompletedAt: "2026-10-05T10:00:00+05:45",
		DeviceID: "dev1",
		Data: map[string]any{
			"n": 2.0, "name": "Ana", "q": "yes", "inq": 1.0, "d": "2026-03-15",
			"g": map[string]any{"lat": 27.7, "lon": 85.3, "accuracy": 5.0},
			"f": []any{"apple"},
			"kids": []any{
				map[string]any{"k_age": 4.0},
				map[string]any{"k_age": 9.0, "k_school": "yes"},
			},
		},
	}
}

// kid returns row i of the kids repeat of a test envelope's data.
func kid(d map[string]any, i int) map[string]any { return d["kids"].([]any)[i].(map[string]any) }

// pathRules renders problems as "path rule" for comparison.
func pathRules(ps []Problem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Path+" "+p.Rule)
	}
	return out
}

type ruleCase struct {
	name     string
	mutate   func(e *Envelope, d map[string]any)
	errors   []string // "path rule"
	warnings []string
}

func runRuleCases(t *testing.T, s *Survey, base func() *Envelope, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := base()
			c.mutate(env, env.Data)
			res := s.Validate(env, day("2026-10-20"))
			if c.errors == nil {
				c.errors = []string{}
			}
			if c.warnings == nil {
				c.warnings = []string{}
			}
			if got := pathRules(res.Errors); !reflect.DeepEqual(got, c.errors) {
				t.Errorf("errors: got %q, want %q\n%v", got, c.errors, res.Errors)
			}
			if got := pathRules(res.Warnings); !reflect.DeepEqual(got, c.warnings) {
				t.Errorf("warnings: got %q, want %q\n%v", got, c.warnings, res.Warnings)
			}
			want := StatusReceived
			switch {
			case len(c.errors) > 0:
				want = StatusInvalid
			case len(c.warnings) > 0:
				want = StatusFlagged
			}
			if res.Status != want {
				t.Errorf("status %s, want %s", res.Status, want)
			}
		})
	}
}

func TestValidateValid(t *testing.T) {
	s := loadTest(t)
	env := testEnvelope()
	before, _ := json.Marshal(env.Data)
	res := s.Validate(env, day("2026-10-20"))
	if res.Status != StatusReceived || len(res.Errors) != 0 || len(res.Warnings) != 0 {
		t.Fatalf("%s %v %v", res.Status, res.Errors, res.Warnings)
	}
	after, _ := json.Marshal(env.Data)
	if string(before) != string(after) {
		t.Error("Validate modified the envelope's data")
	}
	// Calculates are computed by the server.
	if res.Data["double"] != 4.0 || kid(res.Data, 1)["k_pos"] != 2.0 {
		t.Errorf("calculates: double=%v k_pos=%v", res.Data["double"], kid(res.Data, 1)["k_pos"])
	}
}

func TestValidateTypes(t *testing.T) {
	s := loadTest(t)
	set := func(k string, v any) func(*Envelope, map[string]any) {
		return func(_ *Envelope, d map[string]any) { d[k] = v }
	}
	setKid := func(i int, k string, v any) func(*Envelope, map[string]any) {
		return func(_ *Envelope, d map[string]any) { kid(d, i)[k] = v }
	}
	runRuleCases(t, s, testEnvelope, []ruleCase{
		// A bad n makes name's relevance and the kids' count unknown:
		// only the one error is reported.
		{name: "integer as text", mutate: set("n", "2"), errors: []string{"n type"}},
		{name: "integer with fraction", mutate: set("n", 2.5), errors: []string{"n type"}},
		{name: "integer too large", mutate: set("n", 1e300), errors: []string{"n type"}},
		{name: "integer as json.Number", mutate: set("n", json.Number("2"))},
		{name: "integer as Go int", mutate: set("n", 2)},
		{name: "decimal as text", mutate: set("x", "1.5"), errors: []string{"x type"}},
		{name: "decimal as bool", mutate: set("x", true), errors: []string{"x type"}},
		{name: "decimal", mutate: set("x", -0.25)},
		{name: "text as number", mutate: set("name", 5.0), errors: []string{"name type"}},
		{name: "text with NUL", mutate: set("name", "a\x00b"), errors: []string{"name type"}},
		{name: "text invalid UTF-8", mutate: set("name", "a\xffb"), errors: []string{"name type"}},
		{name: "date not real", mutate: set("d", "2026-02-30"), errors: []string{"d type"}},
		{name: "date as number", mutate: set("d", 20260101.0), errors: []string{"d type"}},
		{name: "date other format", mutate: set("d", "15/03/2026"), errors: []string{"d type"}},
		{name: "geopoint out of range", mutate: set("g", map[string]any{"lat": 91.0, "lon": 0.0, "accuracy": 5.0}), errors: []string{"g type"}},
		// ODK's formats are accepted: "lat lon alt acc" points, space-separated selections.
		{name: "geopoint as ODK text", mutate: set("g", "27.7 85.3 1300 5")},
		{name: "geopoint as bad text", mutate: set("g", "27.7"), errors: []string{"g type"}},
		{name: "geopoint without accuracy", mutate: set("g", map[string]any{"lat": 1.0, "lon": 2.0}), errors: []string{"g type"}},
		{name: "geopoint extra key", mutate: set("g", map[string]any{"lat": 1.0, "lon": 2.0, "accuracy": 3.0, "x": 1.0}), errors: []string{"g type"}},
		{name: "geopoint with altitude", mutate: set("g", map[string]any{"lat": 1.0, "lon": 2.0, "accuracy": 3.0, "altitude": 1300.0})},
		{name: "select_one as number", mutate: set("q", 1.0), errors: []string{"q type"}},
		{name: "select_one not a choice", mutate: set("q", "maybe"), errors: []string{"q choice"}},
		{name: "select_multiple as ODK text", mutate: set("f", "apple pear")},
		{name: "select_multiple as text, unknown code", mutate: set("f", "apple kiwi"), errors: []string{"f choice"}},
		{name: "select_multiple repeated", mutate: set("f", []any{"apple", "apple"}), errors: []string{"f type"}},
		{name: "select_multiple number", mutate: set("f", []any{1.0}), errors: []string{"f type"}},
		{name: "select_multiple not a choice", mutate: set("f", []any{"apple", "kiwi", "fig"}), errors: []string{"f choice"}},
		{name: "select_multiple too long", mutate: set("f", []any{"apple", "pear", "none", "apple"}), errors: []string{"f type"}},
		{name: "too many rows", mutate: set("kids", make([]any, maxRows+1)), errors: []string{"kids type"}},
		{name: "select_multiple as []string", mutate: set("f", []string{"pear"})},
		{name: "select_multiple empty", mutate: set("f", []any{})},
		{name: "null is no answer", mutate: set("x", nil)},
		{name: "repeat not a list", mutate: set("kids", "two"), errors: []string{"kids type"}},
		{name: "repeat row not an object", mutate: func(_ *Envelope, d map[string]any) { d["kids"].([]any)[0] = 4.0 }, errors: []string{"kids[0] type"}},
		{name: "row as []map", mutate: set("kids", []map[string]any{{"k_age": 4.0}, {"k_age": 9.0, "k_school": "yes"}})},
		{name: "row field type", mutate: setKid(1, "k_age", "9"), errors: []string{"kids[1].k_age type"}},
		{name: "unknown key", mutate: set("zzz", 1.0), errors: []string{"zzz type"}},
		{name: "unknown row key", mutate: setKid(0, "zzz", 1.0), errors: []string{"kids[0].zzz type"}},
		{name: "row field at household level", mutate: set("k_age", 3.0), errors: []string{"k_age type"}},
		{name: "household field in a row", mutate: setKid(0, "n", 3.0), errors: []string{"kids[0].n type"}},
		{name: "group name as key", mutate: set("grp", map[string]any{"inq": 1.0}), errors: []string{"grp type"}},
		{name: "note answered", mutate: set("intro", "hi"), errors: []string{"intro type"}},
		{name: "note null", mutate: set("intro", nil)},
	})
}

func TestValidateRules(t *testing.T) {
	s := loadTest(t)
	runRuleCases(t, s, testEnvelope, []ruleCase{
		{name: "required missing", mutate: func(_ *Envelope, d map[string]any) { delete(d, "name") }, errors: []string{"name required"}},
		{name: "required empty text", mutate: func(_ *Envelope, d map[string]any) { d["name"] = "" }, errors: []string{"name required"}},
		{name: "required null", mutate: func(_ *Envelope, d map[string]any) { d["q"] = nil }, errors: []string{"q required"}},
		{name: "required in row", mutate: func(_ *Envelope, d map[string]any) { delete(kid(d, 1), "k_school") }, errors: []string{"kids[1].k_school required"}},
		{name: "required in group", mutate: func(_ *Envelope, d map[string]any) { delete(d, "inq") }, errors: []string{"inq required"}},
		{name: "not required", mutate: func(_ *Envelope, d map[string]any) { delete(d, "f"); delete(d, "x") }},
		{name: "relevance", mutate: func(_ *Envelope, d map[string]any) { kid(d, 0)["k_school"] = "no" }, warnings: []string{"kids[0].k_school relevance"}},
		{name: "relevance of group", mutate: func(_ *Envelope, d map[string]any) { d["q"] = "no" }, warnings: []string{"inq relevance"}},
		{name: "not relevant and absent", mutate: func(_ *Envelope, d map[string]any) { d["q"] = "no"; delete(d, "inq") }},
		{name: "relevance of repeat", mutate: func(_ *Envelope, d map[string]any) { d["n"] = 0.0 }, warnings: []string{"name relevance", "kids relevance"}},
		{name: "not relevant repeat empty", mutate: func(_ *Envelope, d map[string]any) {
			d["n"] = 0.0
			delete(d, "name")
			d["kids"] = []any{}
		}},
		{name: "constraint", mutate: func(_ *Envelope, d map[string]any) { kid(d, 1)["k_age"] = 18.0 },
			errors: []string{"kids[1].k_age constraint", "kids[1].k_age check"}},
		{name: "constraint and repeat_count and warning", mutate: func(_ *Envelope, d map[string]any) { d["n"] = 11.0 },
			errors: []string{"n constraint", "kids repeat_count"}, warnings: []string{"n check"}},
		{name: "constraint on selection", mutate: func(_ *Envelope, d map[string]any) { d["f"] = []any{"apple", "none"} }, errors: []string{"f constraint"}},
		{name: "repeat_count", mutate: func(_ *Envelope, d map[string]any) { d["n"] = 4.0 }, errors: []string{"kids repeat_count"}},
		{name: "repeat_count and form check", mutate: func(_ *Envelope, d map[string]any) { d["kids"] = []any{} },
			errors: []string{"kids repeat_count", " check"}},
		{name: "warning check", mutate: func(_ *Envelope, d map[string]any) {
			d["n"] = 3.0
			d["kids"] = append(d["kids"].([]any), map[string]any{"k_age": 1.0})
		}, warnings: []string{"n check"}},
		{name: "row check", mutate: func(_ *Envelope, d map[string]any) { kid(d, 1)["k_age"] = 16.0 }, errors: []string{"kids[1].k_age check"}},
		{name: "calculate differs", mutate: func(_ *Envelope, d map[string]any) { d["double"] = 5.0; kid(d, 0)["k_pos"] = 2.0 },
			warnings: []string{"double type", "kids[0].k_pos type"}},
		{name: "calculate same", mutate: func(_ *Envelope, d map[string]any) { d["double"] = 4.0; kid(d, 0)["k_pos"] = 1.0 }},
		{name: "everything at once", mutate: func(e *Envelope, d map[string]any) {
			e.ID = "nope"
			d["x"] = "x"
			delete(d, "name")
			kid(d, 0)["k_school"] = "yes"
			kid(d, 1)["k_age"] = 30.0
			d["zzz"] = true
		}, errors: []string{"id type", "x type", "name required", "kids[1].k_age constraint", "kids[1].k_age check", "zzz type"},
			warnings: []string{"kids[0].k_school relevance"}},
	})
}

func TestValidateEnvelope(t *testing.T) {
	s := loadTest(t)
	env := func(f func(e *Envelope)) func(*Envelope, map[string]any) {
		return func(e *Envelope, _ map[string]any) { f(e) }
	}
	runRuleCases(t, s, testEnvelope, []ruleCase{
		{name: "id not uuid", mutate: env(func(e *Envelope) { e.ID = "123" }), errors: []string{"id type"}},
		{name: "id missing", mutate: env(func(e *Envelope) { e.ID = "" }), errors: []string{"id required"}},
		{name: "other survey", mutate: env(func(e *Envelope) { e.Survey = "mhs" }), errors: []string{"survey type"}},
		{name: "survey missing", mutate: env(func(e *Envelope) { e.Survey = "" }), errors: []string{"survey required"}},
		{name: "other version", mutate: env(func(e *Envelope) { e.Version = 1 }), errors: []string{"version type"}},
		{name: "version missing", mutate: env(func(e *Envelope) { e.Version = 0 }), errors: []string{"version required"}},
		{name: "started_at not RFC 3339", mutate: env(func(e *Envelope) { e.StartedAt = "2026-10-05 09:30" }), errors: []string{"started_at type"}},
		{name: "completed_at missing", mutate: env(func(e *Envelope) { e.CompletedAt = "" }), errors: []string{"completed_at required"}},
		{name: "completed before started", mutate: env(func(e *Envelope) { e.CompletedAt = "2026-10-05T03:00:00Z" }), errors: []string{"completed_at type"}},
		{name: "same instant other zones", mutate: env(func(e *Envelope) { e.CompletedAt = "2026-10-05T03:45:00.5Z" })},
		{name: "device_id missing", mutate: env(func(e *Envelope) { e.DeviceID = "" }), errors: []string{"device_id required"}},
		{name: "supersedes not uuid", mutate: env(func(e *Envelope) { e.Supersedes = "x" }), errors: []string{"supersedes type"}},
		{name: "supersedes itself", mutate: env(func(e *Envelope) { e.Supersedes = e.ID }), errors: []string{"supersedes type"}},
		{name: "supersedes", mutate: env(func(e *Envelope) { e.Supersedes = "7e1f0c8a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"; e.Assignment = "A-1" })},
		{name: "data missing", mutate: env(func(e *Envelope) { e.Data = nil }), errors: []string{"data required"}},
	})
	if res := s.Validate(nil, day("2026-10-20")); res.Status != StatusInvalid || len(res.Errors) != 1 {
		t.Errorf("nil envelope: %+v", res)
	}
}

func TestInstant(t *testing.T) {
	good := map[string]int64{
		"1970-01-01T00:00:00Z":      0,
		"1970-01-01T05:45:00+05:45": 0,
		"1969-12-31T23:00:00-01:00": 0,
		"2026-10-05T09:30:00.123Z":  1791192600,
	}
	for s, want := range good {
		if sec, _, ok := parseInstant(s); !ok || sec != want {
			t.Errorf("%s: %d %v, want %d", s, sec, ok, want)
		}
	}
	for _, s := range []string{"2026-10-05", "2026-10-05T09:30:00", "2026-10-05T24:00:00Z", "2026-10-05T09:30:00+5:45",
		"2026-10-05T09:30:00.Z", "2026-10-05 09:30:00Z", "2026-10-05T09:30:00Zjunk", "2026-02-30T09:30:00Z"} {
		if _, _, ok := parseInstant(s); ok {
			t.Errorf("%s accepted", s)
		}
	}
}

func TestValidateMessages(t *testing.T) {
	s := loadTest(t)
	env := testEnvelope()
	env.Data["n"] = 11.0
	env.Data["f"] = []any{"kiwi"}
	delete(kid(env.Data, 1), "k_school")
	env.Data["double"] = 7.0
	res := s.Validate(env, day("2026-10-20"))
	msgs := map[string]string{}
	for _, p := range append(res.Errors, res.Warnings...) {
		msgs[p.Path+" "+p.Rule] = p.Message
	}
	want := map[string]string{
		"n constraint":              "Number of kids must be between 0 and 10 (got 11)",
		"f choice":                  `"kiwi" is not an answer option of Fruit (options: apple, pear, none)`,
		"kids[1].k_school required": "In school is required but has no answer",
		"kids repeat_count":         "Kids has 2 rows but should have 11 (${n})",
		"n check":                   "Number of kids is odd (check even)",
		"double type":               "double was 7 on the device but the server computes 22; the server's value is kept",
	}
	for k, w := range want {
		if msgs[k] != w {
			t.Errorf("%s: got %q, want %q", k, msgs[k], w)
		}
	}
	if res.Data["double"] != 22.0 {
		t.Errorf("server value not kept: %v", res.Data["double"])
	}
	if env.Data["double"] != 7.0 {
		t.Error("envelope data modified")
	}
	for _, p := range res.Errors {
		if strings.TrimSpace(p.Message) == "" {
			t.Errorf("%s %s: empty message", p.Path, p.Rule)
		}
	}
}

func TestValidateShareData(t *testing.T) {
	// With the device's calculates equal to the server's, nothing is
	// copied: Result.Data is the envelope's map.
	s := loadTest(t)
	env := testEnvelope()
	env.Data["double"] = 4.0
	kid(env.Data, 0)["k_pos"] = 1.0
	kid(env.Data, 1)["k_pos"] = 2.0
	res := s.Validate(env, day("2026-10-20"))
	if reflect.ValueOf(res.Data).UnsafePointer() != reflect.ValueOf(env.Data).UnsafePointer() {
		t.Error("data copied although nothing changed")
	}
}

func TestChoiceFilter(t *testing.T) {
	s, err := Load([]byte(`{
	 "settings": {"form_id": "cf", "version": 1},
	 "survey": [
	  {"type": "select_one region", "name": "region", "label": "Region"},
	  {"type": "select_one district", "name": "district", "label": "District", "choice_filter": "region = ${region}"}
	 ],
	 "choices": [
	  {"list_name": "region", "name": "r1", "label": "R1"},
	  {"list_name": "region", "name": "r2", "label": "R2"},
	  {"list_name": "district", "name": "d1", "label": "D1", "region": "r1"},
	  {"list_name": "district", "name": "d2", "label": "D2", "region": "r2"}
	 ]}`))
	if err != nil {
		t.Fatal(err)
	}
	base := func() *Envelope {
		e := testEnvelope()
		e.Survey, e.Version = "cf", 1
		e.Data = map[string]any{"region": "r1", "district": "d1"}
		return e
	}
	runRuleCases(t, s, base, []ruleCase{
		{name: "allowed", mutate: func(*Envelope, map[string]any) {}},
		{name: "filtered out", mutate: func(_ *Envelope, d map[string]any) { d["district"] = "d2" }, errors: []string{"district choice"}},
	})
}

func TestParseEnvelope(t *testing.T) {
	env, probs := ParseEnvelope([]byte(`{"id": "3f2c8a4e-1b7d-4c59-9e0a-6d2f4b8c1a73", "survey": "t", "version": 2, "data": {"n": 1}}`))
	if probs != nil || env.Version != 2 || env.Data["n"] != 1.0 {
		t.Errorf("%+v %v", env, probs)
	}
	// A field of the wrong type is a problem of an envelope that is still read (push stores
	// it as invalid); no object, no JSON or no id is a refusal (no envelope).
	const id = `"id": "3f2c8a4e-1b7d-4c59-9e0a-6d2f4b8c1a73", `
	for body, want := range map[string]struct {
		path    string
		refused bool
	}{
		`{` + id + `"version": "2", "data": {}}`:  {"version", false},
		`{` + id + `"data": [1]}`:                 {"data", false},
		`{` + id + `"started_at": 5, "data": {}}`: {"started_at", false},
		`{"version": 2}`:                          {"id", true},
		`[1]`:                                     {"", true},
		`{"id": `:                                 {"", true},
	} {
		env, probs := ParseEnvelope([]byte(body))
		if (env == nil) != want.refused || len(probs) != 1 || probs[0].Path != want.path {
			t.Errorf("%s: %+v %v", body, env, probs)
		}
	}
}
