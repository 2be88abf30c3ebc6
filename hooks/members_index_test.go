package hooks_test

import (
	"strings"
	"testing"
)

// TestMembersQueriesUseFactsIndex: idx_members_status was dropped (pb_migrations
// 1764234200) as a prefix of idx_members_facts; the queries on members by survey and
// status still read an index alone, not the table.
func TestMembersQueriesUseFactsIndex(t *testing.T) {
	s := newServer(t)
	var n int
	s.App.DB().NewQuery("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'idx_members_status'").Row(&n)
	if n != 0 {
		t.Errorf("idx_members_status is still there")
	}
	for _, q := range []string{
		"SELECT COUNT(*) FROM members WHERE form_id = 'mhs' AND status = 'approved'",                     // hooks/report.go
		"SELECT COALESCE(facts, '') FROM members WHERE form_id = 'mhs' AND status = 'approved'",          // hooks/indicators.go
		"SELECT rowid FROM members WHERE form_id = 'mhs' AND status IN ('received', 'flagged') LIMIT 10", // bench approvals
	} {
		var plan []struct {
			Detail string `db:"detail"`
		}
		if err := s.App.DB().NewQuery("EXPLAIN QUERY PLAN " + q).All(&plan); err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, p := range plan {
			details = append(details, p.Detail)
		}
		if d := strings.Join(details, "; "); !strings.Contains(d, "COVERING INDEX idx_members_facts (form_id=? AND status=?)") {
			t.Errorf("%s: %s", q, d)
		}
	}
}
