package indicators

import (
	"fmt"
	"testing"
)

// TestApplyCompacts: a long lineage of changes (a household out and another in, 60 times)
// keeps a bounded number of sets and gives the cells of a fresh read of the data it
// describes: the same counts, the same estimates up to rounding.
func TestApplyCompacts(t *testing.T) {
	_, c := mhs(t)
	all := synthHouseholds(t, 700, 21)
	base, later := all[:600], all[600:]
	snap, err := c.Read(sourceOf(base))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snap.Counts(Request{By: []string{"REGION", "AGE"}}); err != nil { // histograms carried along
		t.Fatal(err)
	}
	live := append([]household(nil), base...)
	for i := 0; i < 60; i++ {
		out, in := live[i], later[i]
		if snap, err = snap.Apply(sourceOf([]household{out}), sourceOf([]household{in})); err != nil {
			t.Fatal(err)
		}
		live = append(live[:i], append([]household{in}, live[i+1:]...)...)
		if n := len(snap.pp.sets); n > maxSets+1 {
			t.Fatalf("after %d changes: %d sets of persons, want at most %d", i+1, n, maxSets+1)
		}
	}
	want, err := c.Read(sourceOf(live))
	if err != nil {
		t.Fatal(err)
	}
	reqs := []Request{{}, {By: []string{"SEX"}}, {By: []string{"REGION", "AGE"}}, {By: []string{"DISABILITY_STATUS"}}}
	sameSnapshots(t, snap, want, reqs)
	for _, req := range reqs {
		gc, _ := snap.Counts(req)
		wc, _ := want.Counts(req)
		sameCells(t, fmt.Sprint("counts ", req.By), gc, wc)
	}
}
