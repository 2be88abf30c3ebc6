package hooks_test

import (
	"fmt"
	"testing"
)

// TestAttackErrorTexts is door 6 of issue 12: assignment errors named other users' emails and
// roles; assignment and supersedes refusals differed between "does not exist" and "not
// yours"; request-email-change told whether an address has an account. Each probe now gets
// the same answer for someone else's thing as for no thing, and no text names anyone.
func TestAttackErrorTexts(t *testing.T) {
	s := newServer(t)
	b1, b1Status := pushOne(t, s, "enumB1", households(t, 1, 501)[0])
	f := foreign{values: []string{b1, fx.enumB1, fx.supB, fx.assignB1, "enumB1", "supB", "supervisor", "analyst"},
		statuses: []string{b1Status}}
	msg := func(body map[string]any) string { return fmt.Sprint(body["message"], " ", body["data"]) }

	// Assignments: a supervisor of team A assigning to team B's enumerator, to a supervisor,
	// to nobody: one answer, naming nobody.
	var texts []string
	for _, enum := range []string{fx.enumB1, fx.supB, fx.analyst, "zzzzzzzzzzzzzzz"} {
		code, body := s.do("POST", "/api/collections/assignments/records", "supA", map[string]any{
			"survey": surveyID(t, s), "enumerator": enum, "team": fx.teamA, "a_psu": 5, "a_dwelling": 1,
			"a_stratum": "R1U", "a_region": "R1", "a_urban": "U", "a_weight": 10})
		if code != 400 {
			t.Fatalf("assignment to %s: %d %v", enum, code, body)
		}
		f.checkText(t, "supA", "assignment to "+enum, msg(body))
		texts = append(texts, msg(body))
	}
	for _, tx := range texts[1:] {
		if tx != texts[0] {
			t.Errorf("assignment refusals differ by who was named:\n%s\n%s", texts[0], tx)
		}
	}

	// A push naming team B's assignment or supersedes team B's submission, and naming none.
	pushRefusal := func(mod func(env map[string]any)) string {
		env := households(t, 1, 502)[0]
		env["id"] = newID()
		mod(env)
		code, body := s.do("POST", "/api/sync/push", "enumA1", push(env))
		if code != 200 {
			t.Fatalf("push: %d %v", code, body)
		}
		r := results(t, body)[0]
		text := fmt.Sprint(r["errors"])
		f.checkText(t, "enumA1", "push", text)
		return text
	}
	theirs := pushRefusal(func(env map[string]any) { env["assignment"] = fx.assignB1 })
	none := pushRefusal(func(env map[string]any) { env["assignment"] = "zzzzzzzzzzzzzzz" })
	if theirs != none {
		t.Errorf("assignment: another's reads %q, a missing one %q", theirs, none)
	}
	theirs = pushRefusal(func(env map[string]any) { env["supersedes"] = households(t, 1, 501)[0]["id"] })
	none = pushRefusal(func(env map[string]any) { env["supersedes"] = newID() })
	if theirs != none || theirs == "[]" {
		t.Errorf("supersedes: another's reads %q, a missing one %q", theirs, none)
	}

	// request-email-change: an address with an account answers like a fresh one.
	taken, _ := s.doRaw("POST", "/api/collections/users/request-email-change", "enumA1", map[string]any{"newEmail": "supB@example.org"})
	fresh, _ := s.doRaw("POST", "/api/collections/users/request-email-change", "enumA1", map[string]any{"newEmail": "nobody-yet@example.org"})
	if taken != fresh {
		t.Errorf("request-email-change: a taken address answers %d, a fresh one %d", taken, fresh)
	}
	t.Logf("%d error texts checked so far in this run for foreign emails, ids and statuses", errorTexts)
}

func surveyID(t *testing.T, s *server) string {
	t.Helper()
	var id string
	if err := s.App.DB().NewQuery("SELECT id FROM surveys WHERE form_id = 'mhs' AND version = 1").Row(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
