package ingest

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"fieldbase/dedup"
	"fieldbase/synth"
	"fieldbase/xform"
)

// TestJSONTextWithIsJSONText: the household's stored data and pii JSON, with the roster
// rows' texts copied in, are jsonText's bytes (and valid JSON, as are its problems) for 300
// synthetic households (invalid ones included) pushed as JSON and as OpenRosa instances;
// and for answers where a row cannot be copied (not a map, a NaN that makes the whole
// object "null", rows and texts that differ in number).
func TestJSONTextWithIsJSONText(t *testing.T) {
	s, f := mhsStore(t)
	c := Caller{UserID: "u1", TeamID: "t1"}
	withRows := 0
	check := func(name string, r *row) {
		t.Helper()
		if want := jsonText(r.data); r.dataJSON != want {
			t.Fatalf("%s: data\n%s\njsonText\n%s", name, r.dataJSON, want)
		}
		if want := jsonText(r.pii); r.piiJSON != want {
			t.Fatalf("%s: pii\n%s\njsonText\n%s", name, r.piiJSON, want)
		}
		if len(r.members) > 0 {
			withRows++
		}
		// What the record events take as JSON without checking it (Written.Row).
		for _, text := range []string{r.dataJSON, r.piiJSON, jsonText(r.errors), jsonText(r.warnings), jsonText(r.flags)} {
			if !json.Valid([]byte(text)) {
				t.Fatalf("%s: not valid JSON: %s", name, text)
			}
		}
	}
	err := synth.Generate(synth.Options{Households: 300, Seed: 9, InvalidRate: 0.2, Today: time.Now()}, func(it synth.Item) error {
		raw, _ := json.Marshal(it.Envelope)
		r, out, err := s.prepare(context.Background(), c, item{raw: raw}, dedup.RawHashWith(s.Keys, raw))
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			return nil // refused: nothing stored
		}
		check("json "+r.uuid+" "+out.Outcome, r)
		doc := xform.InstanceXML(f, it.Envelope)
		in, err := xform.Parse(doc)
		if err != nil {
			t.Fatal(err)
		}
		read, ref, err := in.Read(f, "collect:x")
		if err != nil || ref != nil {
			return nil
		}
		if r, _, err = s.prepare(context.Background(), c, item{raw: doc, read: read}, ""); err != nil {
			t.Fatal(err)
		}
		if r != nil {
			check("openrosa "+r.uuid, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if withRows < 200 {
		t.Fatalf("only %d households with roster rows", withRows)
	}
	row := func(v any) map[string]any { return map[string]any{"b_age": v, "b_sex": "1"} }
	for i, c := range []struct {
		data  map[string]any
		texts []string
	}{
		{map[string]any{"members": []any{row(30.0), row(4.0)}, "a": "<x>"}, []string{jsonText(row(30.0)), jsonText(row(4.0))}},
		{map[string]any{"members": []any{row(30.0), "not a row"}}, []string{jsonText(row(30.0)), "null"}},
		{map[string]any{"members": []any{row(30.0), row(math.NaN())}}, []string{jsonText(row(30.0)), jsonText(row(math.NaN()))}},
		{map[string]any{"members": []any{row(30.0)}, "x": math.Inf(1)}, []string{jsonText(row(30.0))}},
		{map[string]any{"members": []any{row(30.0), row(4.0)}}, []string{jsonText(row(30.0))}},
		{map[string]any{"members": []any{row(30.0), map[string]any(nil)}}, []string{jsonText(row(30.0)), "null"}},
		{map[string]any{"members": []any{row(30.0)}, "\xff": 1.0}, []string{jsonText(row(30.0))}},
		{map[string]any{"members": []any{}}, nil},
		{nil, []string{"{}"}},
		{wideWith(row(30.0)), []string{jsonText(row(30.0))}}, // more keys than keyorder orders itself
	} {
		if got, want := jsonTextWith(c.data, spliced{"members", c.texts}), jsonText(c.data); got != want {
			t.Errorf("case %d: jsonTextWith %s, jsonText %s", i, got, want)
		}
	}
}

// wideWith is an answers object of 100 keys and one member row.
func wideWith(r map[string]any) map[string]any {
	m := map[string]any{"members": []any{r}}
	for i := 0; i < 100; i++ {
		m[string(rune('a'+i%26))+strings.Repeat("k", i/26)] = float64(i)
	}
	return m
}
