package bench

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"fieldbase/hooks"
)

func TestMovePSU(t *testing.T) {
	for in, want := range map[string]string{
		"1.2f873049|R1R|100105|563.25|2026|F,,,H_EMIG,R,R1,|HH1=1": "1.2f873049|R1R|300105|563.25|2026|F,,,H_EMIG,R,R1,|HH1=1",
		"":             "",
		"no fields":    "no fields",
		"v|S|7|":       "v|S|200007|",
		"v|S|7|w|9|9|": "v|S|200007|w|9|9|",
	} {
		if got, err := movePSU(in, 200000); err != nil || got != want {
			t.Errorf("movePSU(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"v|S", "v|S|7", "v|S|x|1"} {
		if got, err := movePSU(bad, 1); err == nil {
			t.Errorf("movePSU(%q) = %q, want an error", bad, got)
		}
	}
}

// The copies of the fill read back as approved households do: pushed through the route
// and approved, 120 households are copied to 360 directly in the stopped server's data.db;
// a server started on it counts 360 approved households in 3× the PSUs, its indicators
// give the same estimates from 3× the units (each household is there three times with its
// weight), and its export lists every one of them with its own PSU.
func TestCloneFillReadsLikeApproved(t *testing.T) {
	ctx := context.Background()
	rs := newRouteServer(t, 2)
	st, err := pushPrepared(ctx, newClient(rs.url), rs.tokens, batches(envelopes(t, 21, 120), 60), false)
	if err != nil || st.outcomes["created"] != 120 {
		t.Fatalf("push: %v %v", st.outcomes, err)
	}
	// Approved as the bench approves them (readSide).
	for _, tb := range []string{"submissions", "members", "emigrants"} {
		if _, err := rs.app.DB().NewQuery("UPDATE " + tb + " SET status = 'approved' WHERE status IN ('received', 'flagged')").Execute(); err != nil {
			t.Fatal(err)
		}
	}
	analyst := addAnalyst(t, rs.app)
	before := readSide(t, rs.url, analyst)
	if before.households != 120 || len(before.cells) == 0 {
		t.Fatalf("before the fill: %d households exported, %d indicator cells", before.households, len(before.cells))
	}

	// The bench's path: the server stopped, the copies written, a server started again.
	dir := rs.app.DataDir()
	rs.app.ResetBootstrapState()
	db, err := openWritable(dir)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cloneInto(ctx, db, 360, t.Logf)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if err := closeWritable(db); err != nil {
		t.Fatal(err)
	}
	if cs.copied != 240 || cs.indexes == 0 {
		t.Fatalf("copied %d households, %d indexes made again; want 240 and some", cs.copied, cs.indexes)
	}
	app, err := tests.NewTestApp(dir) // a copy of the filled data dir, as a new server would open it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	app.Settings().RateLimits.Enabled = false
	hooks.Register(app)
	url := serveApp(t, app).URL

	var n struct{ Households, Distinct, PSUs, Members, Orphans, Log int }
	q := `SELECT (SELECT count(*) FROM submissions WHERE form_id = 'mhs' AND status = 'approved') AS households,
		(SELECT count(DISTINCT id) + count(DISTINCT uuid) + count(DISTINCT seq) FROM submissions) AS ndistinct,
		(SELECT count(DISTINCT a_psu) FROM submissions) AS psus,
		(SELECT count(*) FROM members WHERE status = 'approved') AS members,
		(SELECT count(*) FROM members WHERE submission NOT IN (SELECT id FROM submissions)) AS orphans,
		(SELECT count(*) FROM facts_log WHERE old_status IS NULL) AS log`
	if err := app.DB().NewQuery(q).Row(&n.Households, &n.Distinct, &n.PSUs, &n.Members, &n.Orphans, &n.Log); err != nil {
		t.Fatal(err)
	}
	psus0, members0 := before.psus, before.members
	if n.Households != 360 || n.Distinct != 3*360 || n.PSUs != 3*psus0 || n.Members != 3*members0 || n.Orphans != 0 || n.Log != 240 {
		t.Errorf("after the fill: %+v; want 360 households, distinct ids, uuids and change numbers, %d PSUs, %d members, no orphans, 240 facts_log inserts",
			n, 3*psus0, 3*members0)
	}
	var bad int
	if err := app.DB().NewQuery("SELECT count(*) FROM submissions WHERE json_extract(data, '$.a_psu') <> a_psu").Row(&bad); err != nil || bad != 0 {
		t.Errorf("%d households whose answer a_psu is not their PSU (%v)", bad, err)
	}
	var ix int
	if err := app.DB().NewQuery("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'idx_members_facts'").Row(&ix); err != nil || ix != 1 {
		t.Errorf("idx_members_facts: %d (%v)", ix, err)
	}

	after := readSide(t, url, addAnalyst(t, app))
	if after.households != 360 || after.psus != 3*before.psus || after.members != 3*before.members {
		t.Errorf("export after the fill: %d households in %d PSUs, %d members; want 360 in %d, %d",
			after.households, after.psus, after.members, 3*before.psus, 3*before.members)
	}
	compared := 0
	for k, c0 := range before.cells {
		c1, ok := after.cells[k]
		if !ok || c0.Estimate == nil || c1.Estimate == nil {
			continue
		}
		compared++
		if math.Abs(*c1.Estimate-*c0.Estimate) > 1e-9*math.Max(1, math.Abs(*c0.Estimate)) || c1.N != 3*c0.N {
			t.Errorf("%s: estimate %v from %d units after the fill, %v from %d before (want the same from 3×)", k, *c1.Estimate, c1.N, *c0.Estimate, c0.N)
		}
	}
	if compared < 5 {
		t.Errorf("only %d published cells to compare", compared)
	}
}

func addAnalyst(t *testing.T, app core.App) string {
	t.Helper()
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	u := core.NewRecord(users)
	u.SetEmail(fmt.Sprintf("analyst%d@example.org", time.Now().UnixNano()))
	u.Set("role", "analyst")
	u.SetPassword("password123")
	if err := app.Save(u); err != nil {
		t.Fatal(err)
	}
	tok, err := u.NewStaticAuthToken(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type readCell struct {
	Estimate *float64
	N        int
}

type readResult struct {
	households, psus, members int
	cells                     map[string]readCell
}

// readSide is what an analyst gets: the indicators (no breakdown) and the export's
// households (with their distinct PSUs) and members.
func readSide(t *testing.T, url, token string) readResult {
	t.Helper()
	ctx := context.Background()
	c := newClient(url)
	status, body, err := c.raw(ctx, "GET", "/api/indicators?survey=mhs", token, nil)
	if err != nil || status != 200 {
		t.Fatalf("indicators: HTTP %d %v: %.300s", status, err, body)
	}
	var doc struct {
		Cells []struct {
			Indicator string            `json:"indicator"`
			Dims      map[string]string `json:"dims"`
			Estimate  *float64          `json:"estimate"`
			N         int               `json:"n_unweighted"`
			Flag      string            `json:"flag"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	r := readResult{cells: map[string]readCell{}}
	for _, cl := range doc.Cells {
		if cl.Flag == "suppressed" {
			continue
		}
		r.cells[fmt.Sprint(cl.Indicator, cl.Dims)] = readCell{cl.Estimate, cl.N}
	}
	status, zipBody, err := c.raw(ctx, "GET", "/api/export/microdata?survey=mhs", token, nil)
	if err != nil || status != 200 {
		t.Fatalf("export: HTTP %d %v", status, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipBody), int64(len(zipBody)))
	if err != nil {
		t.Fatal(err)
	}
	rows := func(name string) [][]string {
		f, err := zr.Open(name)
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(recs) == 0 {
			t.Fatalf("export %s: %v", name, err)
		}
		return recs
	}
	hh := rows("households.csv")
	col := -1
	for i, h := range hh[0] {
		if h == "a_psu" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("households.csv has no a_psu column: %v", hh[0])
	}
	seen := map[string]bool{}
	for _, rec := range hh[1:] {
		seen[rec[col]] = true
	}
	r.households, r.psus, r.members = len(hh)-1, len(seen), len(rows("members.csv"))-1
	return r
}
