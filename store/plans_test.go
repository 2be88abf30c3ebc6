package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	_ "fieldbase/pb_migrations"
	"fieldbase/store"
)

// stats1M is sqlite_stat1 of submissions and members as ANALYZE (PRAGMA optimize) left it
// on the 1M-household data dir: one survey, two teams, 33,104 PSUs, a million approved.
var stats1M = [][3]string{
	{"submissions", "idx_submissions_key", "1000101 31 1 1 1 1 1"},
	{"submissions", "idx_submissions_facts", "1000001 2001 2001 2"},
	{"submissions", "idx_submissions_decision", "1000101 1 1 1 1 1 1 1"},
	{"submissions", "idx_submissions_team_psu", "1000101 2001 24 1"},
	{"submissions", "idx_submissions_team_created", "1000101 2001 91"},
	{"submissions", "idx_submissions_seq", "1000101 1"},
	{"submissions", "idx_submissions_a_date", "1000101 2001"},
	{"submissions", "idx_submissions_created", "1000101 96"},
	{"submissions", "idx_submissions_enum", "1000101 2001 2001"},
	{"submissions", "idx_submissions_team_status", "1000101 2001 2001"},
	{"submissions", "idx_submissions_status", "1000101 2001 2001"},
	{"submissions", "idx_submissions_raw_hash", "1000101 49"},
	{"submissions", "idx_submissions_hash", "1000101 2001 49"},
	{"submissions", "idx_submissions_uuid", "1000101 1"},
	{"submissions", "sqlite_autoindex_submissions_1", "1000101 1"},
	{"members", "idx_members_facts", "4917218 2001 2001 2"},
	{"members", "idx_members_submission", "4917698 6"},
	{"members", "sqlite_autoindex_members_1", "4917698 1"},
}

// planned is a query and what its plan must say (every detail line joined by "; ").
type planned struct {
	what, sql string
	want      []string // substrings the plan holds
}

// hotQueries are the reads of submissions and members that the indexes the ingest path
// writes serve: the write path's own (exact texts) and the server's, copied from hooks/.
func hotQueries() []planned {
	q := store.PlanSQL
	return []planned{
		{"store inPSU (every push)", q["inPSU"], []string{"SEARCH submissions USING INDEX idx_submissions_key (a_psu=?)"}},
		{"store byContent (every push)", q["byContent"], []string{"idx_submissions_hash (form_id=? AND content_hash=?)"}},
		{"store byUUID (every push)", q["byUUID"], []string{"idx_submissions_uuid (uuid=?)"}},
		{"store byRawHash (JSON resends)", q["byRawHash"], []string{"idx_submissions_raw_hash (raw_hash=?)"}},
		{"indicators: households' facts", "SELECT COALESCE(facts, '') FROM submissions WHERE form_id = ? AND status = 'approved'",
			[]string{"COVERING INDEX idx_submissions_facts (form_id=? AND status=?)"}},
		{"indicators: households' facts of versions", "SELECT COALESCE(facts, '') FROM submissions WHERE form_id = ? AND status = 'approved' AND version IN (?, ?)",
			[]string{"INDEX idx_submissions_facts (form_id=? AND status=?)"}},
		{"indicators: members' facts", "SELECT COALESCE(facts, '') FROM members WHERE form_id = ? AND status = 'approved'",
			[]string{"COVERING INDEX idx_members_facts (form_id=? AND status=?)"}},
		{"indicators: members' facts of versions", `SELECT COALESCE(facts, '') FROM members WHERE form_id = ? AND status = 'approved'
			AND submission IN (SELECT id FROM submissions WHERE form_id = ? AND status = 'approved' AND version IN (?))`,
			[]string{"INDEX idx_submissions_facts (form_id=? AND status=?)"}}, // members by submission or by facts
		{"report: members counted", "SELECT COUNT(*) FROM members WHERE form_id = ? AND status = 'approved'",
			[]string{"COVERING INDEX idx_members_facts (form_id=? AND status=?)"}},
		{"report, warm-up: households counted", "SELECT count(*) FROM submissions WHERE form_id = ? AND status = 'approved'",
			[]string{"COVERING INDEX"}},
		{"console: counts per status", "SELECT s.status, COUNT(*) AS n FROM submissions s WHERE 1 GROUP BY s.form_id, s.status",
			[]string{"COVERING INDEX"}},
		{"console: table by PSU", "SELECT s.id FROM submissions s WHERE 1 ORDER BY s.a_psu ASC, s.a_dwelling ASC, s.id ASC LIMIT 50",
			[]string{"SCAN s USING INDEX idx_submissions_key"}},
		{"console: table by PSU, descending", "SELECT s.id FROM submissions s WHERE 1 ORDER BY s.a_psu DESC, s.a_dwelling DESC, s.id DESC LIMIT 50",
			[]string{"SCAN s USING INDEX idx_submissions_key"}},
		{"console: a PSU's households", "SELECT s.id FROM submissions s WHERE 1 AND s.a_psu = ? ORDER BY s.created DESC, s.id DESC LIMIT 50",
			[]string{"idx_submissions_key (a_psu=?)"}},
		{"console: a household key", "SELECT s.id FROM submissions s WHERE 1 AND s.a_psu = ? AND s.a_dwelling = ? ORDER BY s.created DESC, s.id DESC LIMIT 50",
			[]string{"idx_submissions_key (a_psu=? AND a_dwelling=?)"}},
		{"console: a team's table by PSU", "SELECT s.id FROM submissions s WHERE s.team IN (?) ORDER BY s.a_psu ASC, s.a_dwelling ASC, s.id ASC LIMIT 50",
			[]string{"idx_submissions_team_psu (team=?)"}},
		{"console: assignments' progress", `SELECT COUNT(*) FROM submissions s WHERE s.form_id = ? AND s.a_psu = ? AND s.a_dwelling = ?
			AND s.team = ? AND s.status NOT IN ('superseded', 'duplicate')`,
			[]string{"idx_submissions_key (a_psu=? AND a_dwelling=? AND form_id=?)"}},
		{"enrich: a PSU's first point", `SELECT lat, lon, a_urban FROM submissions INDEXED BY idx_submissions_key
			WHERE form_id = ? AND a_psu = ? AND (lat != 0 OR lon != 0) ORDER BY created, rowid LIMIT 1`,
			[]string{"idx_submissions_key (a_psu=?)"}},
	}
}

// fullScan is a plan that reads a whole table, or sorts what it read of a whole table or of
// a whole survey (a sort of one PSU's or one uuid's rows is fine).
var fullScan = regexp.MustCompile(`SCAN (s|submissions|members)(;|$)|(SCAN |\(form_id=\?\)).*USE TEMP B-TREE FOR ORDER BY`)

// TestIngestIndexPlans: the reads above keep an index after the ingest path's indexes were
// narrowed (pb_migrations 1764234220: the facts indexes hold approved rows only; 1764234230:
// idx_submissions_key starts with the PSU, idx_submissions_psu is gone), with the
// statistics of a fresh data dir, of the 1M-household one, and with none.
func TestIngestIndexPlans(t *testing.T) {
	ctx := context.Background()
	conn := writerConn(t, ctx)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, sc := range []struct {
		name  string
		stats [][3]string // nil: none for submissions and members
		fresh bool
	}{{name: "fresh", fresh: true}, {name: "1M", stats: stats1M}, {name: "no statistics"}} {
		if !sc.fresh {
			exec("ANALYZE sqlite_schema") // makes sqlite_stat1 if there is none
			exec("DELETE FROM sqlite_stat1 WHERE tbl IN ('submissions', 'members')")
			for _, s := range sc.stats {
				exec("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", s[0], s[1], s[2])
			}
			exec("ANALYZE sqlite_schema") // loads them
		}
		for _, q := range hotQueries() {
			plan := explain(t, ctx, conn, q.sql)
			for _, w := range q.want {
				if !strings.Contains(plan, w) {
					t.Errorf("%s, %s: want %q in the plan, got: %s", sc.name, q.what, w, plan)
				}
			}
			if fullScan.MatchString(plan) {
				t.Errorf("%s, %s: a full scan or sort: %s", sc.name, q.what, plan)
			}
			// Every push's lookups by id and by content, without a sorter set up for each.
			if (q.sql == store.PlanSQL["byContent"] || q.sql == store.PlanSQL["byUUID"]) && strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("%s, %s: a sort: %s", sc.name, q.what, plan)
			}
		}
	}
}

// TestPushLookupsOpenNoEphemeral: the lookups every push makes build no ephemeral table
// each time they run. `status NOT IN ('rejected','duplicate','superseded')` did: SQLite makes
// a list of three or more values a b-tree of its own (OpenEphemeral under Once), a pager and
// page cache set up and torn down for every household, ~6 µs of the writer's serial time.
// EXPLAIN QUERY PLAN does not show it; the bytecode does.
func TestPushLookupsOpenNoEphemeral(t *testing.T) {
	ctx := context.Background()
	conn := writerConn(t, ctx)
	for _, name := range []string{"inPSU", "byContent", "byUUID"} {
		q := store.PlanSQL[name]
		rows, err := conn.QueryContext(ctx, "EXPLAIN "+q, make([]any, strings.Count(q, "?"))...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cols, _ := rows.Columns()
		ops := 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			ops++
			if op := fmt.Sprint(vals[1]); op == "OpenEphemeral" {
				t.Errorf("%s opens an ephemeral table at instruction %v: %s", name, vals[0], q)
			}
		}
		rows.Close()
		if ops == 0 {
			t.Fatalf("%s: EXPLAIN gave no instructions", name)
		}
	}
}

// writerConn is the writer connection of a new test app (its migrations run), closed with the test.
func writerConn(t *testing.T, ctx context.Context) *sql.Conn {
	t.Helper()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	conn, err := app.NonconcurrentDB().(interface{ DB() *sql.DB }).DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func explain(t *testing.T, ctx context.Context, conn *sql.Conn, q string) string {
	t.Helper()
	args := make([]any, strings.Count(q, "?")) // unbound: NULL
	rows, err := conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		details = append(details, detail)
	}
	return strings.Join(details, "; ")
}

// TestIngestIndexMigrationsDown: both migrations undo to the indexes they replaced, and
// apply again.
func TestIngestIndexMigrationsDown(t *testing.T) {
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	index := func(name string) string {
		var q string
		app.DB().NewQuery("SELECT COALESCE(MAX(sql), '') FROM sqlite_master WHERE type = 'index' AND name = {:n}").
			Bind(map[string]any{"n": name}).Row(&q)
		return strings.Join(strings.Fields(strings.ReplaceAll(q, "`", "")), " ")
	}
	now := map[string]string{
		"idx_submissions_psu":   "",
		"idx_submissions_key":   "ON submissions ( a_psu, a_dwelling, form_id, status, lat, lon )",
		"idx_submissions_facts": "ON submissions ( form_id, status, facts ) WHERE status = 'approved'",
		"idx_members_facts":     "ON members ( form_id, status, facts ) WHERE status = 'approved'",
	}
	before := map[string]string{
		"idx_submissions_psu":   "ON submissions ( a_psu, a_dwelling )",
		"idx_submissions_key":   "ON submissions ( form_id, a_psu, a_dwelling, status, lat, lon )",
		"idx_submissions_facts": "ON submissions ( form_id, status, facts )",
		"idx_members_facts":     "ON members ( form_id, status, facts )",
	}
	check := func(when string, want map[string]string) {
		t.Helper()
		for name, w := range want {
			got := index(name)
			if w == "" && got != "" || w != "" && !strings.HasSuffix(got, w) {
				t.Errorf("%s: %s is %q, want it to end in %q", when, name, got, w)
			}
		}
	}
	check("migrated", now)
	var ours []*core.Migration
	for _, m := range core.AppMigrations.Items() {
		if m.File == "1764234230_psu_key_index.go" || m.File == "1764234220_facts_approved_index.go" {
			ours = append(ours, m)
		}
	}
	if len(ours) != 2 {
		t.Fatalf("found %d of the 2 migrations", len(ours))
	}
	for i := len(ours) - 1; i >= 0; i-- {
		if err := ours[i].Down(app); err != nil {
			t.Fatalf("down %s: %v", ours[i].File, err)
		}
	}
	check("undone", before)
	for _, m := range ours {
		if err := m.Up(app); err != nil {
			t.Fatalf("up %s: %v", m.File, err)
		}
	}
	check("applied again", now)
}
