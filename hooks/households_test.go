package hooks_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbase/synth"
)

// households returns n valid synthetic mhs envelopes (deterministic for seed), each a fresh
// JSON copy so a test can change one without touching the others.
func households(t testing.TB, n int, seed int64) []map[string]any {
	t.Helper()
	var out []map[string]any
	err := synth.Generate(synth.Options{Households: n * 3, Seed: seed, Today: time.Now()}, func(it synth.Item) error {
		if it.Label == "valid" && len(out) < n {
			out = append(out, clone(t, it.Envelope))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < n {
		t.Fatalf("synth gave %d valid households, want %d", len(out), n)
	}
	return out
}

func clone(t testing.TB, v map[string]any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func data(env map[string]any) map[string]any { return env["data"].(map[string]any) }

func newID() string { return uuid.NewString() }

func push(items ...any) map[string]any {
	return map[string]any{"device_id": "tab-test", "app_version": "1.0", "submissions": items}
}

// results returns the per-item results of a push answer.
func results(t testing.TB, body map[string]any) []map[string]any {
	t.Helper()
	raw, ok := body["results"].([]any)
	if !ok {
		t.Fatalf("push answer has no results: %v", body)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

func count(t testing.TB, s *server, table, where string) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	if err := s.App.DB().NewQuery(q).Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
