package hooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"fieldbase/hooks"
)

// allCells answers the total, each single dimension and one pair, as JSON cells keyed by
// indicator and codes.
func allCells(t *testing.T, s *server) map[string]indicatorCell {
	t.Helper()
	out := map[string]indicatorCell{}
	for _, by := range []string{"", "SEX", "AGE", "MIGRATORY_STATUS", "HH_MIG_STATUS", "URBANISATION", "REGION", "DISABILITY_STATUS", "REGION,AGE"} {
		code, _, body := indicatorsGet(t, s, "analyst", "survey=mhs&by="+by)
		var doc struct {
			Cells []indicatorCell `json:"cells"`
		}
		if err := json.Unmarshal(body, &doc); code != 200 || err != nil {
			t.Fatalf("by %q: %d %v %.200s", by, code, err, body)
		}
		for _, c := range doc.Cells {
			out[fmt.Sprint(by, c.Indicator, c.Dims)] = c
		}
	}
	return out
}

// TestIndicatorsFollowTheLog: after approvals, reopenings, a rejection and a status
// written by plain SQL (as the admin UI's SQL or another process would), the route updates
// its snapshot from facts_log, reading only those households, and answers exactly what a
// full read of the data answers.
func TestIndicatorsFollowTheLog(t *testing.T) {
	s := newServer(t)
	_, pending := approvedHouseholds(t, s, 90, 30)
	first := allCells(t, s)
	reads0, applies0 := hooks.IndicatorSnapshotStats()

	// Changes: 20 more approved, 3 reopened, 1 rejected by SQL on the household and its
	// members (one transaction), and an unapproved push that changes nothing.
	approve(t, s, pending[:20])
	var approved []string
	s.App.DB().NewQuery("SELECT id FROM submissions WHERE status = 'approved' ORDER BY id LIMIT 4").Column(&approved)
	for _, id := range approved[:3] {
		if code, body := reviewAs(s, "supA", id, map[string]any{"action": "reopen", "note": "recheck"}); code != 200 {
			t.Fatalf("reopen: %d %v", code, body)
		}
	}
	for _, table := range []string{"submissions", "members"} {
		col := "id"
		if table == "members" {
			col = "submission"
		}
		if _, err := s.App.DB().NewQuery("UPDATE " + table + " SET status = 'rejected' WHERE " + col + " = '" + approved[3] + "'").Execute(); err != nil {
			t.Fatal(err)
		}
	}
	changed := allCells(t, s)
	reads1, applies1 := hooks.IndicatorSnapshotStats()
	if reads1 != reads0 || applies1 == applies0 {
		t.Errorf("after a few changes the route read all facts %d times and updated its snapshot %d times; want 0 reads, ≥ 1 update",
			reads1-reads0, applies1-applies0)
	}
	if n := count(t, s, "facts_log", "1=1"); n < 90-30+20+3+1 {
		t.Errorf("facts_log has %d rows after %d changes of approved households", n, 60+20+3+1)
	}

	// The same data read in full: rewriting the facts makes the next request read all.
	if _, err := s.Srv.RebuildIndicatorFacts(context.Background(), "mhs", true); err != nil {
		t.Fatal(err)
	}
	fresh := allCells(t, s)
	if reads2, _ := hooks.IndicatorSnapshotStats(); reads2 == reads1 {
		t.Fatal("rewriting the facts did not make the route read them all again")
	}
	if len(changed) != len(fresh) {
		t.Errorf("%d cells from the updated snapshot, %d from a full read", len(changed), len(fresh))
	}
	differ := 0
	for k, f := range fresh {
		c, ok := changed[k]
		if !ok || c.NUnweighted != f.NUnweighted || !sameNum(c.Estimate, f.Estimate) || !sameNum(c.SE, f.SE) ||
			!sameNum(c.CILow, f.CILow) || !sameFlag(c.Flag, f.Flag) {
			differ++
			if differ < 5 {
				t.Errorf("cell %s: updated %+v, full read %+v", k, c, f)
			}
		}
	}
	if differ > 0 {
		t.Errorf("%d of %d cells differ", differ, len(fresh))
	}
	// And the changes did change the answer.
	same := 0
	for k, f := range first {
		if c, ok := fresh[k]; ok && c.NUnweighted == f.NUnweighted {
			same++
		}
	}
	if k := fmt.Sprint("", "HH1", map[string]string{}); first[k].NUnweighted == fresh[k].NUnweighted {
		t.Errorf("HH1's n stayed %d through 20 approvals and 4 withdrawals (%d of %d cells kept their n)", fresh[k].NUnweighted, same, len(first))
	}
}

func sameNum(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) <= 1e-9*math.Max(1, math.Abs(*b))
}

func sameFlag(a, b *string) bool {
	return strings.TrimSpace(deref(a)) == strings.TrimSpace(deref(b))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
