package ingest

import (
	"strings"
	"testing"
	"time"
)

func TestParseItemRefusals(t *testing.T) {
	cases := []struct {
		raw, want string
	}{
		{`"text"`, "not a JSON object"},
		{`[1]`, "not a JSON object"},
		{``, "not a JSON object"},
		{"{\"id\": \"\xff\"}", "UTF-8"},
		{`{"id": 12}`, "id is missing"},
		{`{"survey": "mhs"}`, "id is missing"},
		{`{"id": "not-a-uuid"}`, "not a UUID"},
		{`{"id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8x"}`, "not a UUID"},
		{`{"id": "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}"}`, "not a UUID"},
		{`{"id": "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8"}`, "not a UUID"},
		{`{"id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "data": {}`, "not valid JSON"},
	}
	for _, c := range cases {
		_, out := parseItem([]byte(c.raw))
		if out == nil || out.Outcome != Refused || !strings.Contains(out.Errors[0].Message, c.want) {
			t.Errorf("%q: got %+v, want refused %q", c.raw, out, c.want)
		}
	}
}

func TestParseItemKeepsWrongTypesAsProblems(t *testing.T) {
	p, out := parseItem([]byte(`{"id": "6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "survey": "mhs", "version": "1",
		"started_at": 5, "data": [1]}`))
	if out != nil {
		t.Fatalf("refused: %+v", out)
	}
	paths := map[string]bool{}
	for _, pr := range p.problems {
		paths[pr.Path] = true
	}
	for _, want := range []string{"version", "started_at", "data"} {
		if !paths[want] {
			t.Errorf("no problem reported at %s: %+v", want, p.problems)
		}
	}
}

func TestParseItemCopiesData(t *testing.T) {
	p, out := parseItem([]byte(`{"id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "survey": "mhs", "version": 1, "data": {"a": 1}}`))
	if out != nil {
		t.Fatal(out)
	}
	p.env.Data["calc"] = "x" // what validation does
	if _, ok := p.rawData["calc"]; ok {
		t.Error("filling the answers changed the data the content hash is taken over")
	}
}

func TestTodayIsTheLatestCalendarDay(t *testing.T) {
	// 20:30 UTC on 1 Oct is already 2 Oct in Nepal (UTC+5:45): a 2 Oct interview is not in the future.
	now := time.Date(2026, 10, 1, 20, 30, 0, 0, time.UTC)
	if y, m, d := Today(now).Date(); y != 2026 || m != 10 || d != 2 {
		t.Errorf("Today(%v) = %d-%d-%d, want 2026-10-2", now, y, m, d)
	}
}
