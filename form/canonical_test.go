package form

import (
	"encoding/json"
	"reflect"
	"testing"
)

// canonSurvey has every answer type ODK may send in a format of its own,
// at the top and inside a repeat.
const canonSurvey = `{
 "settings": {"form_id": "c", "version": 1, "title": "Canon"},
 "survey": [
  {"type": "start", "name": "start"},
  {"type": "select_multiple fruit", "name": "f", "label": "Fruit"},
  {"type": "rank fruit", "name": "r", "label": "Rank"},
  {"type": "geopoint", "name": "g", "label": "GPS"},
  {"type": "dateTime", "name": "dt", "label": "When"},
  {"type": "text", "name": "t", "label": "Text"},
  {"type": "begin_repeat", "name": "rows", "label": "Rows"},
  {"type": "select_multiple fruit", "name": "rf", "label": "Row fruit"},
  {"type": "geopoint", "name": "rg", "label": "Row GPS"},
  {"type": "end_repeat"}
 ],
 "choices": [
  {"list_name": "fruit", "name": "apple", "label": "Apple"},
  {"list_name": "fruit", "name": "pear", "label": "Pear"},
  {"list_name": "fruit", "name": "fig", "label": "Fig"}
 ]
}`

func loadCanon(t *testing.T) *Survey {
	t.Helper()
	s, err := Load([]byte(canonSurvey))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func canonEnv(data map[string]any) *Envelope {
	return &Envelope{
		ID: "3f2c8a4e-1b7d-4c59-9e0a-6d2f4b8c1a73", Survey: "c", Version: 1,
		StartedAt: "2026-10-05T09:30:00+05:45", CompletedAt: "2026-10-05T10:00:00+05:45",
		DeviceID: "dev1", Data: data,
	}
}

// TestCanonicalFormats: each ODK format is accepted and stored as the
// JSON protocol's (and the OpenRosa door's) form; the device's maps are
// left as they were sent.
func TestCanonicalFormats(t *testing.T) {
	s := loadCanon(t)
	point := map[string]any{"lat": 27.7, "lon": 85.3, "altitude": 1300.0, "accuracy": 5.0}
	cases := []struct {
		name      string
		key, sent any
		want      any // nil: dropped
	}{
		{"select_multiple", "f", "apple  pear", []any{"apple", "pear"}},
		{"select_multiple one code", "f", "fig", []any{"fig"}},
		{"select_multiple blank", "f", "  ", nil},
		{"select_multiple list kept", "f", []any{"pear"}, []any{"pear"}},
		{"rank", "r", "pear apple fig", []any{"pear", "apple", "fig"}},
		{"geopoint", "g", "27.7 85.3 1300 5", point},
		{"geopoint object kept", "g", map[string]any{"lat": 1.0, "lon": 2.0, "accuracy": 3.0}, map[string]any{"lat": 1.0, "lon": 2.0, "accuracy": 3.0}},
		{"geopoint without accuracy kept as sent", "g", "27.7 85.3", "27.7 85.3"},
		{"geopoint empty", "g", "", nil},
		{"dateTime +hhmm", "dt", "2026-10-05T09:30:00.000+0545", "2026-10-05T09:30:00.000+05:45"},
		{"dateTime -hhmm", "dt", "2026-10-05T09:30:00-0300", "2026-10-05T09:30:00-03:00"},
		{"dateTime lower case", "dt", "2026-10-05t09:30:00z", "2026-10-05T09:30:00Z"},
		{"dateTime already RFC 3339", "dt", "2026-10-05T09:30:00.000+05:45", "2026-10-05T09:30:00.000+05:45"},
		{"start metadata +hhmm", "start", "2026-10-05T09:30:00.000+0545", "2026-10-05T09:30:00.000+05:45"},
		{"text untouched", "t", "apple pear", "apple pear"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := map[string]any{c.key.(string): c.sent}
			before, _ := json.Marshal(data)
			res := s.Validate(canonEnv(data), day("2026-10-20"))
			if len(res.Errors) > 0 {
				t.Fatalf("errors %v", res.Errors)
			}
			got, ok := res.Data[c.key.(string)]
			if c.want == nil {
				if ok {
					t.Errorf("stored %#v, want it dropped", got)
				}
			} else if !reflect.DeepEqual(got, c.want) {
				t.Errorf("stored %#v, want %#v", got, c.want)
			}
			if after, _ := json.Marshal(data); string(after) != string(before) {
				t.Errorf("the device's map was modified: %s", after)
			}
		})
	}
}

// TestCanonicalSameAsObjects: a household in ODK's formats and the same
// household in lists and objects are stored identically, rows included.
func TestCanonicalSameAsObjects(t *testing.T) {
	s := loadCanon(t)
	odk := map[string]any{
		"start": "2026-10-05T09:30:00.000+0545", "f": "apple pear", "r": "fig apple pear",
		"g": "27.7 85.3 1300 5", "dt": "2026-10-05T09:40:00+0545", "t": "a b",
		"rows": []any{
			map[string]any{"rf": "fig", "rg": "1.5 2.5 0 10"},
			map[string]any{"rf": []any{"pear"}},
		},
	}
	js := map[string]any{
		"start": "2026-10-05T09:30:00.000+05:45", "f": []any{"apple", "pear"}, "r": []any{"fig", "apple", "pear"},
		"g":  map[string]any{"lat": 27.7, "lon": 85.3, "altitude": 1300.0, "accuracy": 5.0},
		"dt": "2026-10-05T09:40:00+05:45", "t": "a b",
		"rows": []any{
			map[string]any{"rf": []any{"fig"}, "rg": map[string]any{"lat": 1.5, "lon": 2.5, "altitude": 0.0, "accuracy": 10.0}},
			map[string]any{"rf": []any{"pear"}},
		},
	}
	a := s.Validate(canonEnv(odk), day("2026-10-20"))
	b := s.Validate(canonEnv(js), day("2026-10-20"))
	if len(a.Errors)+len(b.Errors) > 0 {
		t.Fatalf("errors %v / %v", a.Errors, b.Errors)
	}
	ja, _ := json.Marshal(a.Data)
	jb, _ := json.Marshal(b.Data)
	if string(ja) != string(jb) {
		t.Errorf("stored differently:\n ODK  %s\n JSON %s", ja, jb)
	}
	if _, ok := odk["rows"].([]any)[0].(map[string]any)["rg"].(string); !ok {
		t.Error("the device's row was modified")
	}
}

// TestCanonicalBadLeftAsSent: an answer refused by the validator is not
// rewritten (the error names what was sent).
func TestCanonicalBadLeftAsSent(t *testing.T) {
	s := loadCanon(t)
	res := s.Validate(canonEnv(map[string]any{"f": "apple kiwi", "dt": "2026-10-05T09:30:00+05"}), day("2026-10-20"))
	if got := pathRules(res.Errors); !reflect.DeepEqual(got, []string{"f choice", "dt type"}) {
		t.Fatalf("errors %q", got)
	}
	if res.Data["f"] != "apple kiwi" || res.Data["dt"] != "2026-10-05T09:30:00+05" {
		t.Errorf("bad answers rewritten: %#v", res.Data)
	}
}
