package hooks_test

import (
	"context"
	"testing"

	"fieldbase/hooks"
)

// TestIndicatorsWarmAtStart: the snapshot a server reads as it starts (for a survey with
// enough approved households) answers the first requests without another read of the facts,
// and the same cells as a cold server.
func TestIndicatorsWarmAtStart(t *testing.T) {
	s := newServer(t)
	approvedHouseholds(t, s, 40, 0)
	ctx := context.Background()
	reads0, _ := hooks.IndicatorSnapshotStats()
	if n := s.Srv.WarmIndicators(ctx, 1000); n != 0 {
		t.Errorf("40 approved households, at least 1000 asked: %d surveys read", n)
	}
	if reads, _ := hooks.IndicatorSnapshotStats(); reads != reads0 {
		t.Errorf("below the threshold: %d reads of the facts", reads-reads0)
	}
	if n := s.Srv.WarmIndicators(ctx, 10); n != 1 {
		t.Fatalf("40 approved households, at least 10 asked: %d surveys read, want 1 (mhs)", n)
	}
	reads1, _ := hooks.IndicatorSnapshotStats()
	if reads1 != reads0+1 {
		t.Fatalf("warming read the facts %d times, want once", reads1-reads0)
	}
	warm := allCells(t, s)
	if reads2, _ := hooks.IndicatorSnapshotStats(); reads2 != reads1 {
		t.Errorf("the requests after the warm-up read the facts %d more times", reads2-reads1)
	}
	// A cold read of the same data answers the same.
	if _, err := s.Srv.RebuildIndicatorFacts(ctx, "mhs", true); err != nil {
		t.Fatal(err)
	}
	cold := allCells(t, s)
	if len(warm) == 0 || len(warm) != len(cold) {
		t.Fatalf("%d cells warm, %d cold", len(warm), len(cold))
	}
	for k, c := range cold {
		if w, ok := warm[k]; !ok || w.NUnweighted != c.NUnweighted || !sameNum(w.Estimate, c.Estimate) || !sameFlag(w.Flag, c.Flag) {
			t.Errorf("cell %s: warm %+v, cold %+v", k, w, c)
		}
	}
}
