package ingest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"fieldbase/dedup"
	"fieldbase/synth"
	"fieldbase/xform"
)

// TestStoredJSONIsJSONText: the household's stored data and pii JSON are jsonText's bytes
// (and valid JSON, as are its problems: the record events take them unchecked) for 300
// synthetic households (invalid ones included) pushed as JSON and as OpenRosa instances.
func TestStoredJSONIsJSONText(t *testing.T) {
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
}
