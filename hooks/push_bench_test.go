package hooks_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"fieldbase/ingest"
	"fieldbase/synth"
)

// BenchmarkStorePush measures one household through the ingest store (validation, dedup
// lookups, facts, one transaction with its roster rows), without HTTP.
func BenchmarkStorePush(b *testing.B) {
	s := newServer(b)
	store, err := s.Srv.Store()
	if err != nil {
		b.Fatal(err)
	}
	var raws [][]byte
	synth.Generate(synth.Options{Households: b.N, Seed: 42, Enumerators: 1, Today: time.Now()}, func(it synth.Item) error {
		raw, _ := json.Marshal(it.Envelope)
		raws = append(raws, raw)
		return nil
	})
	caller := ingest.Caller{UserID: fx.enumA1, TeamID: fx.teamA}
	b.ResetTimer()
	for _, raw := range raws {
		if out, err := store.Push(context.Background(), caller, raw); err != nil || out.Outcome != ingest.Created {
			b.Fatalf("%v %v", out, err)
		}
	}
}
