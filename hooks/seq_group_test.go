package hooks_test

import (
	"testing"
)

// TestGroupSeqsCountOn: the change numbers of a transaction's households are read once and
// counted on (store.Tx.NextSubmissionSeq): every household of a push gets its own, in the
// order stored, above what was stored before, and a later push goes on above them.
func TestGroupSeqsCountOn(t *testing.T) {
	s := newServer(t)
	var seqs []int64
	last := int64(0)
	for round, n := range []int{1, 6, 3} {
		var items []any
		for _, h := range households(t, n, int64(900+round)) {
			items = append(items, h)
		}
		if code, body := s.do("POST", "/api/sync/push", "enumA1", push(items...)); code != 200 {
			t.Fatal(body)
		}
		var got []int64
		if err := s.App.DB().NewQuery("SELECT seq FROM submissions WHERE seq > {:s} ORDER BY rowid").
			Bind(map[string]any{"s": last}).Column(&got); err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("round %d: %d new change numbers, want %d", round, len(got), n)
		}
		for i, q := range got {
			if q <= last || (i > 0 && q <= got[i-1]) {
				t.Errorf("round %d: change numbers %v after %d", round, got, last)
				break
			}
		}
		last = got[len(got)-1]
		seqs = append(seqs, got...)
	}
	if len(seqs) != 10 {
		t.Errorf("%d change numbers", len(seqs))
	}
}
