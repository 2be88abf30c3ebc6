package indicators

import (
	"fmt"
	"sort"
	"testing"

	"fieldbase/estimate"
	"fieldbase/synth"
)

// TestCountsMatchCompute: Counts gives exactly the cells of Compute, with their
// n_unweighted and primary suppression, for the total, one and two dimensions.
func TestCountsMatchCompute(t *testing.T) {
	_, c := mhs(t)
	src := smallFacts(t, 3000)
	base, err := c.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	// Through Apply too: a snapshot with rows removed (a set that counts -1) and added.
	removed := &memSource{hh: src.hh[:400]}
	added := smallFacts(t, 200)
	snap, err := base.Apply(removed, added)
	if err != nil {
		t.Fatal(err)
	}
	for _, by := range [][]string{nil, {"SEX"}, {"REGION"}, {"SEX", "AGE"}, {"AGE", "SEX"}, {"URBANISATION", "MIGRATORY_STATUS"}} {
		res, err := snap.Compute(Request{By: by})
		if err != nil {
			t.Fatal(err)
		}
		counts, err := snap.Counts(Request{By: by})
		if err != nil {
			t.Fatal(err)
		}
		var a, b []string
		for _, cell := range res.Cells {
			a = append(a, fmt.Sprint(cell.Indicator, cell.Dims, cell.NUnweighted, cell.Flag == estimate.FlagSuppressed))
		}
		for _, cell := range counts {
			b = append(b, fmt.Sprint(cell.Indicator, cell.Dims, cell.N, cell.Suppressed))
		}
		sort.Strings(a)
		sort.Strings(b)
		if fmt.Sprint(a) != fmt.Sprint(b) || len(a) == 0 {
			t.Fatalf("by %v: Compute gives %d cells, Counts %d\n%v\n%v", by, len(a), len(b), a[:min(5, len(a))], b[:min(5, len(b))])
		}
	}
}

// smallFacts computes the facts of n synthetic households.
func smallFacts(t *testing.T, n int) *memSource {
	t.Helper()
	sv, c := mhs(t)
	src := &memSource{}
	err := synth.Generate(synth.Options{Households: n, Seed: 11}, func(it synth.Item) error {
		h, m := c.Facts(sv, it.Envelope["data"].(map[string]any))
		src.hh = append(src.hh, h)
		src.members = append(src.members, m...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return src
}
