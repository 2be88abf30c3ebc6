package indicators

import (
	"testing"
	"time"
)

// issueGaps are the gaps of the issue's done-when: every indicator for
// MIGRATORY_STATUS FB_NCIT − NB_NM and NB_RET − NB_NM, SEX F − M and
// HH_MIG_STATUS H_EMIG − H_NONE.
var issueGaps = []GapRequest{
	{By: "MIGRATORY_STATUS", Pairs: [][2]string{{"FB_NCIT", "NB_NM"}, {"NB_RET", "NB_NM"}}},
	{By: "SEX", Pairs: [][2]string{{"F", "M"}}},
	{By: "HH_MIG_STATUS", Pairs: [][2]string{{"H_EMIG", "H_NONE"}}},
}

// BenchmarkGaps: the issue's gaps for every indicator over 100,000
// households (goal ≤ 2 s). "cold" reads the facts into a snapshot first (a
// server's first request after a change of the data); "snapshot" answers
// from a snapshot already read (every later request). gaps_vs_cells is the
// time of the gaps over the time of the same indicators' one-dimension
// tables from the same snapshot, measured in the same run.
func BenchmarkGaps(b *testing.B) {
	_, c := mhs(b)
	src := benchFacts(b)
	all := func(b *testing.B, snap *Snapshot) int {
		n := 0
		for _, req := range issueGaps {
			res, err := snap.Gaps(req)
			if err != nil {
				b.Fatal(err)
			}
			n += len(res.Gaps)
		}
		return n
	}
	b.Run("cold", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			snap, err := c.Read(src)
			if err != nil {
				b.Fatal(err)
			}
			n = all(b, snap)
		}
		b.ReportMetric(float64(n), "gaps")
		b.ReportMetric(float64(len(src.hh)), "households")
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
	})
	snap, err := c.Read(src)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("snapshot", func(b *testing.B) {
		n := 0
		var cells time.Duration
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			for _, req := range issueGaps {
				if _, err := snap.Compute(Request{By: []string{req.By}}); err != nil {
					b.Fatal(err)
				}
			}
			cells += time.Since(t0)
			n = all(b, snap)
		}
		b.ReportMetric(float64(n), "gaps")
		gaps := b.Elapsed() - cells
		b.ReportMetric(gaps.Seconds()/float64(b.N), "gaps_s/op")
		b.ReportMetric(gaps.Seconds()/cells.Seconds(), "gaps_vs_cells")
	})
}
