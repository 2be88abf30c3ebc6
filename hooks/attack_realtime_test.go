package hooks_test

import (
	"testing"
	"time"
)

// collect drains a subscription into the records received, by record id.
func collect(c *sse, id string, d time.Duration) []map[string]any {
	var out []map[string]any
	for {
		m := c.next(d)
		if m == nil {
			return out
		}
		if r, _ := m["record"].(map[string]any); r != nil && r["id"] == id {
			out = append(out, r)
		}
	}
}

// TestAttackRealtime: realtime delivered nothing to the roles whose rules allow it, and
// pushes were never broadcast. A pushed household now reaches exactly the roles that may
// read it, scoped as the record API scopes it, and no other.
func TestAttackRealtime(t *testing.T) {
	s := newServer(t)
	who := []string{"enumA1", "enumA2", "enumB1", "supA", "supB", "analyst", "analystPII", "superuser"}
	subs := map[string]*sse{}
	for _, w := range who {
		subs[w] = subscribe(t, s, w, "submissions")
	}
	env := households(t, 1, 4321)[0]
	rec, _ := pushOne(t, s, "enumA1", env)
	if code, body := reviewAs(s, "supA", rec, map[string]any{"action": "approve"}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	// create (received) reaches enumA1, supA, superuser; the approval also the analysts.
	want := map[string]int{"enumA1": 2, "supA": 2, "superuser": 2, "analyst": 1, "analystPII": 1}
	received := map[string][]map[string]any{}
	for _, w := range who {
		received[w] = collect(subs[w], rec, 700*time.Millisecond)
	}
	var recorded map[string]any
	for _, w := range who {
		got := received[w]
		if len(got) != want[w] {
			t.Errorf("%s received %d events of the household, want %d", w, len(got), want[w])
		}
		for _, r := range got {
			for _, k := range []string{"head_key", "content_hash", "raw_hash", "roster_sig"} {
				if _, ok := r[k]; ok && w != "superuser" {
					t.Errorf("%s receives %s over realtime", w, k)
				}
			}
			if _, ok := r["pii"]; ok && (w == "analyst") {
				t.Errorf("the analyst receives pii over realtime")
			}
			if w == "superuser" {
				recorded = r
			}
		}
	}
	if recorded == nil {
		t.Fatal("the superuser got no event")
	}
	if a := received["analyst"]; len(a) == 1 && recorded["lat"] != 0.0 {
		if a[0]["lat"] == recorded["lat"] && a[0]["lon"] == recorded["lon"] {
			t.Errorf("the analyst receives the recorded GPS over realtime: %v %v", a[0]["lat"], a[0]["lon"])
		}
	}
	if p := received["analystPII"]; len(p) == 1 && (p[0]["lat"] != recorded["lat"] || p[0]["lon"] != recorded["lon"]) {
		t.Errorf("the granted analyst gets %v %v, the recorded point is %v %v", p[0]["lat"], p[0]["lon"], recorded["lat"], recorded["lon"])
	}
}
