package hooks_test

import (
	"fmt"
	"testing"
)

// TestAttackReviewFields is door 5 of issue 12: through the record API a supervisor set
// duplicate_of to another team's submission (and learnt from the error whether it exists
// and its status), and a PATCH of review_note or duplicate_of without a status change wrote
// no audit record. Now every change of a review field, by every path, has its audit row,
// and a submission outside the reviewer's teams reads exactly as one that does not exist.
func TestAttackReviewFields(t *testing.T) {
	s := newServer(t)
	hh := households(t, 6, 9090)
	a1, _ := pushOne(t, s, "enumA1", hh[0])
	a2, _ := pushOne(t, s, "enumA1", hh[1])
	a3, _ := pushOne(t, s, "enumA1", hh[2])
	b1, b1Status := pushOne(t, s, "enumB1", hh[3])
	f := foreign{values: []string{b1, hh[3]["id"].(string)}, statuses: []string{b1Status}}
	audits := func(id string) int { return count(t, s, "reviews", fmt.Sprintf("submission = '%s'", id)) }
	patch := func(who, id string, body map[string]any) (int, map[string]any) {
		return s.do("PATCH", "/api/collections/submissions/records/"+id, who, body)
	}
	message := func(body map[string]any) string { return fmt.Sprint(body["message"], body["data"]) }

	// duplicate_of naming team B's submission, and naming nothing at all: the same answer.
	for _, path := range []string{"record API", "review route"} {
		var codeB, codeNone int
		var bodyB, bodyNone map[string]any
		if path == "record API" {
			codeB, bodyB = patch("supA", a1, map[string]any{"status": "duplicate", "duplicate_of": b1})
			codeNone, bodyNone = patch("supA", a1, map[string]any{"status": "duplicate", "duplicate_of": "zzzzzzzzzzzzzzz"})
		} else {
			codeB, bodyB = reviewAs(s, "supA", a1, map[string]any{"action": "duplicate", "duplicate_of": b1})
			codeNone, bodyNone = reviewAs(s, "supA", a1, map[string]any{"action": "duplicate", "duplicate_of": "zzzzzzzzzzzzzzz"})
		}
		if codeB != 400 || codeB != codeNone {
			t.Fatalf("%s: duplicate_of another team's: %d %v; of nothing: %d %v", path, codeB, bodyB, codeNone, bodyNone)
		}
		f.checkText(t, "supA", path+" duplicate_of", message(bodyB))
		if fmt.Sprint(bodyB["message"]) == "" || message(bodyB) != message(bodyNone) {
			t.Fatalf("%s: another team's submission answers %q, a missing one %q", path, message(bodyB), message(bodyNone))
		}
	}

	// Every review-field change, by every path, writes one audit row.
	steps := []struct {
		name string
		id   string
		do   func() (int, map[string]any)
	}{
		{"route approve", a2, func() (int, map[string]any) { return reviewAs(s, "supA", a2, map[string]any{"action": "approve"}) }},
		{"record API note on approved", a2, func() (int, map[string]any) {
			return patch("supA", a2, map[string]any{"review_note": "checked again by phone"})
		}},
		{"record API reject", a3, func() (int, map[string]any) {
			return patch("supA", a3, map[string]any{"status": "rejected", "review_note": "ages do not add up"})
		}},
		{"record API note on rejected", a3, func() (int, map[string]any) {
			return patch("supA", a3, map[string]any{"review_note": "ages and sexes do not add up"})
		}},
		{"superuser note", a3, func() (int, map[string]any) {
			return patch("superuser", a3, map[string]any{"review_note": "see the call log"})
		}},
		{"record API duplicate", a1, func() (int, map[string]any) {
			return patch("supA", a1, map[string]any{"status": "duplicate", "duplicate_of": a2})
		}},
		{"record API duplicate_of changed", a1, func() (int, map[string]any) {
			return patch("supA", a1, map[string]any{"duplicate_of": a3})
		}},
		{"bulk approve", a2, nil}, // approved already: refused, no audit row (checked below)
	}
	for _, st := range steps {
		if st.do == nil {
			continue
		}
		before := audits(st.id)
		code, body := st.do()
		if st.name == "record API duplicate_of changed" {
			// a3 is rejected: not a submission to keep. The refusal writes nothing.
			if code != 400 || audits(st.id) != before {
				t.Fatalf("%s: %d %v, audit rows %d -> %d", st.name, code, body, before, audits(st.id))
			}
			continue
		}
		if code != 200 {
			t.Fatalf("%s: %d %v", st.name, code, body)
		}
		if got := audits(st.id); got != before+1 {
			t.Fatalf("%s: audit rows %d -> %d, want one more", st.name, before, got)
		}
	}
	var last struct {
		Action, Note, Role string
	}
	if err := s.App.DB().NewQuery("SELECT action, note, role FROM reviews WHERE submission = {:id} ORDER BY rowid DESC LIMIT 1").
		Bind(map[string]any{"id": a3}).Row(&last.Action, &last.Note, &last.Role); err != nil {
		t.Fatal(err)
	}
	if last.Action != "edit" || last.Note != "see the call log" || last.Role != "superuser" {
		t.Fatalf("last audit row of the note edit: %+v", last)
	}
	// duplicate_of of a duplicate moved to another team's submission: absent, not audited.
	before := audits(a1)
	code, body := patch("supA", a1, map[string]any{"duplicate_of": b1})
	if code != 400 || audits(a1) != before {
		t.Fatalf("duplicate_of moved to team B: %d %v", code, body)
	}
	f.checkText(t, "supA", "record API duplicate_of moved", message(body))
	// A note on a submission of another team: as absent (the rules), nothing written.
	code, body = patch("supA", b1, map[string]any{"review_note": "x"})
	if code != 404 || audits(b1) != 0 {
		t.Fatalf("note on team B's: %d %v", code, body)
	}
	f.checkText(t, "supA", "record API note on team B", message(body))
}
