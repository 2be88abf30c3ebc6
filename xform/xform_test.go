package xform

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"reflect"
	"strings"
	"testing"

	"fieldbase/form"
)

func mhs(t testing.TB) *form.Survey {
	t.Helper()
	js, err := os.ReadFile("../schemas/mhs.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := form.Load(js)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBuildMHS(t *testing.T) {
	s := mhs(t)
	a, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Build(mhs(t))
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the same survey differ: the form list's md5 would change")
	}
	d := xml.NewDecoder(bytes.NewReader(a))
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("the XForm is not well-formed: %v", err)
			}
			break
		}
	}
	doc := string(a)
	for _, want := range []string{
		`<data id="mhs" version="1">`,
		`<members jr:template="">`,
		`<repeat nodeset="/data/members" jr:count="/data/a_hh_size" jr:noAddRemove="true()">`,
		// a sibling in the same repeat is this row's value: relative, as pyxform writes it
		`<bind nodeset="/data/members/c_arr_year" type="int" required="true()" relevant="../c_cob  != &#39;NPL&#39;"`,
		// the field itself inside a predicate is its path, never "."
		`constraint="count( /data/members [b_line =  /data/l_resp  and b_age &gt;= 18]) = 1"`,
		`jr:constraintMsg="Age must be between 0 and 120"`,
		`<bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>`,
		`<instance id="yn"><root><item><name>yes</name><label>Yes</label></item>`,
		`<select ref="/data/members/h_benefit"><label>Social protection benefits received</label><itemset nodeset="instance(&#39;benefit&#39;)/root/item">`,
		`<bind nodeset="/data/members/b_line" type="string" calculate="position(..)"/>`,
		`<input ref="/data/a_gps"><label>GPS location of the dwelling</label></input>`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("XForm lacks %s", want)
		}
	}
}

func TestInstanceToEnvelope(t *testing.T) {
	raw, err := os.ReadFile("testdata/mhs_engine_instance.xml")
	if err != nil {
		t.Fatal(err)
	}
	in, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if in.FormID != "mhs" || in.Version != "1" || !strings.HasPrefix(in.InstanceID, "uuid:") {
		t.Fatalf("root/meta: %+v", in)
	}
	b, err := in.Envelope(mhs(t), "collect:other")
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		ID, Survey, StartedAt, CompletedAt, DeviceID string
		Version                                      int
		Data                                         map[string]any
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&env); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["id"] != strings.TrimPrefix(in.InstanceID, "uuid:") || m["survey"] != "mhs" || m["version"] != 1.0 ||
		m["started_at"] != "2026-12-01T09:41:29.698+00:00" || m["device_id"] != "collect:e2e-tablet-1" {
		t.Errorf("envelope fields: %v", m)
	}
	d := m["data"].(map[string]any)
	if !reflect.DeepEqual(d["a_gps"], map[string]any{"lat": 28.191626, "lon": 83.520425, "altitude": 1350.5, "accuracy": 9.3}) {
		t.Errorf("geopoint: %v", d["a_gps"])
	}
	if d["a_psu"] != 121.0 || d["e_amt12"] != 169600.0 || d["a_stratum"] != "R5R" {
		t.Errorf("numbers and codes: %v %v %v", d["a_psu"], d["e_amt12"], d["a_stratum"])
	}
	if _, ok := d["e_last_fee"]; ok {
		t.Errorf("an empty element (unanswered) must be absent: %v", d["e_last_fee"])
	}
	members := d["members"].([]any)
	if len(members) != 5 {
		t.Fatalf("%d members", len(members))
	}
	if !reflect.DeepEqual(members[0].(map[string]any)["h_benefit"], []any{"none"}) {
		t.Errorf("select_multiple: %v", members[0].(map[string]any)["h_benefit"])
	}
	if _, ok := members[1].(map[string]any)["c_ret_year"]; ok {
		t.Errorf("a non-relevant question (absent in the XML) appeared")
	}
	if _, ok := d["meta"]; ok {
		t.Error("meta is not an answer")
	}
}

func TestValueFormats(t *testing.T) {
	for _, c := range []struct {
		typ, text string
		want      any
	}{
		{"integer", "42", 42.0},
		{"integer", "4.5", "4.5"}, // left for the validator to name
		{"decimal", "169600.0", 169600.0},
		{"decimal", "NaN", "NaN"},
		{"select_multiple", "bank  mobile", []any{"bank", "mobile"}},
		{"geopoint", "1.5 2.5", map[string]any{"lat": 1.5, "lon": 2.5}},
		{"geopoint", "1 2 x 4", "1 2 x 4"},
		{"dateTime", "2026-10-05T09:30:00.000+0545", "2026-10-05T09:30:00.000+05:45"},
		{"dateTime", "2026-10-05T09:30:00.000-03:00", "2026-10-05T09:30:00.000-03:00"},
		{"date", "2026-10-05", "2026-10-05"},
		{"text", "a & b", "a & b"},
	} {
		if got := Value(c.typ, c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Value(%s, %q) = %#v, want %#v", c.typ, c.text, got, c.want)
		}
	}
	if got := DateTime("2026-10-05T09:30:00+0545"); got != "2026-10-05T09:30:00+05:45" {
		t.Errorf("DateTime: %s", got)
	}
}

func TestParseRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"doctype":      `<!DOCTYPE data [<!ENTITY a "b">]><data id="x"/>`,
		"entity":       `<data id="x">&a;</data>`,
		"deep":         `<data>` + strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1) + `</data>`,
		"two roots":    `<data/><data/>`,
		"mismatch":     `<data><a></b></data>`,
		"unclosed":     `<data><a>`,
		"encoding":     `<?xml version="1.0" encoding="ISO-8859-1"?><data/>`,
		"empty":        ``,
		"pi":           `<?php echo 1 ?><data/>`,
		"text outside": `hello<data/>`,
		"too many":     `<data>` + strings.Repeat("<a/>", MaxElements) + `</data>`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if _, ok := err.(*Error); !ok {
			t.Errorf("%s: error %T is not an *Error", name, err)
		}
	}
}

// TestInstanceXMLRoundTrip: an envelope written as Collect's XML reads back as itself
// (calculates as the text Collect sends; the server recomputes them).
func TestInstanceXMLRoundTrip(t *testing.T) {
	s := mhs(t)
	raw, _ := os.ReadFile("testdata/mhs_engine_instance.xml")
	in, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := in.Envelope(s, "")
	var env map[string]any
	json.Unmarshal(b, &env)
	back, err := Parse(InstanceXML(s, env))
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := back.Envelope(s, "")
	var env2 map[string]any
	json.Unmarshal(b2, &env2)
	if !reflect.DeepEqual(env, env2) {
		t.Errorf("round trip differs:\n%s\n%s", b, b2)
	}
}
