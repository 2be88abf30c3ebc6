package hooks_test

import (
	"strings"
	"testing"
)

// queryPlan is EXPLAIN QUERY PLAN's details of q, joined.
func queryPlan(t *testing.T, s *server, q string) string {
	t.Helper()
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
	return strings.Join(details, "; ")
}

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
		"SELECT COUNT(*) FROM members WHERE form_id = 'mhs' AND status = 'approved'",            // hooks/report.go
		"SELECT COALESCE(facts, '') FROM members WHERE form_id = 'mhs' AND status = 'approved'", // hooks/indicators.go
		// (The bench's approvals read other statuses: the index holds approved rows only
		// since pb_migrations 1764234220.)
	} {
		if d := queryPlan(t, s, q); !strings.Contains(d, "COVERING INDEX idx_members_facts (form_id=? AND status=?)") {
			t.Errorf("%s: %s", q, d)
		}
	}
}

// TestProbableDuplicateReadUsesPSUIndex: the PSU read of every push (store's inPSU) walks
// idx_submissions_key, which holds the columns its conditions test (pb_migrations
// 1764234210; the PSU first since 1764234230).
func TestProbableDuplicateReadUsesPSUIndex(t *testing.T) {
	s := newServer(t)
	var sql string
	s.App.DB().NewQuery("SELECT sql FROM sqlite_master WHERE name = 'idx_submissions_key'").Row(&sql)
	if cols := strings.Join(strings.Fields(sql), " "); !strings.Contains(cols, "( `a_psu`, `a_dwelling`, `form_id`, `status`, `lat`, `lon` )") {
		t.Errorf("idx_submissions_key: %s", sql)
	}
	q := `SELECT id, uuid, a_dwelling, lat, lon, gps_accuracy, head_key, roster_sig, enumerator, team FROM submissions
		INDEXED BY idx_submissions_key WHERE form_id = 'mhs' AND a_psu = 5 AND status NOT IN ('rejected','duplicate','superseded')
		AND (a_dwelling = 3 OR (lat BETWEEN 1 AND 2 AND lon BETWEEN 1 AND 2)) LIMIT 500`
	if d := queryPlan(t, s, q); !strings.Contains(d, "USING INDEX idx_submissions_key (a_psu=?)") {
		t.Errorf("PSU read: %s", d)
	}
}
