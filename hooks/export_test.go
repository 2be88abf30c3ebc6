package hooks_test

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fieldbase/dedup"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"fieldbase/form"
	"fieldbase/synth"
)

// exportGet downloads GET /api/export/microdata?query as the named fixture account.
func exportGet(t testing.TB, s *server, who, query string) (int, http.Header, []byte) {
	t.Helper()
	return s.get(t, "/api/export/microdata?"+query, who)
}

// exportOK downloads an export that must succeed and reads it back.
func exportOK(t testing.TB, s *server, who, query string) (*exported, int64) {
	t.Helper()
	code, h, body := exportGet(t, s, who, query)
	if code != http.StatusOK || h.Get("Content-Type") != "application/zip" {
		t.Fatalf("export %s as %s: %d %s %.300s", query, who, code, h.Get("Content-Type"), body)
	}
	cursor, err := strconv.ParseInt(h.Get("X-Export-Cursor"), 10, 64)
	if err != nil {
		t.Fatalf("X-Export-Cursor %q: %v", h.Get("X-Export-Cursor"), err)
	}
	return readExport(t, body), cursor
}

// exported is a downloaded export: raw files and parsed CSVs (rows as maps by column).
type exported struct {
	raw    map[string][]byte
	header map[string][]string
	rows   map[string][]map[string]string
	man    struct {
		Cursor int64            `json:"cursor"`
		Counts map[string]int64 `json:"counts"`
		Filter map[string]any   `json:"filter"`
	}
}

func readExport(t testing.TB, b []byte) *exported {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	x := &exported{raw: map[string][]byte{}, header: map[string][]string{}, rows: map[string][]map[string]string{}}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		x.raw[f.Name] = data
		if !strings.HasSuffix(f.Name, ".csv") {
			continue
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF")))).ReadAll()
		if err != nil || len(recs) == 0 {
			t.Fatalf("%s: not CSV with a header: %v", f.Name, err)
		}
		x.header[f.Name] = recs[0]
		for _, r := range recs[1:] {
			m := map[string]string{}
			for i, h := range recs[0] {
				m[h] = r[i]
			}
			x.rows[f.Name] = append(x.rows[f.Name], m)
		}
	}
	if err := json.Unmarshal(x.raw["manifest.json"], &x.man); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	return x
}

func (x *exported) keys(file string) []string {
	var out []string
	for _, r := range x.rows[file] {
		out = append(out, r["key"])
	}
	return out
}

// exHouseholds returns n valid synthetic envelopes.
func exHouseholds(t testing.TB, n int, seed int64) []map[string]any {
	t.Helper()
	var out []map[string]any
	err := synth.Generate(synth.Options{Households: n * 3, Seed: seed, Today: time.Now()}, func(it synth.Item) error {
		if it.Label == "valid" && len(out) < n {
			var env map[string]any
			b, _ := json.Marshal(it.Envelope)
			if err := json.Unmarshal(b, &env); err != nil {
				return err
			}
			out = append(out, env)
		}
		return nil
	})
	if err != nil || len(out) < n {
		t.Fatalf("synth: %d households, %v", len(out), err)
	}
	return out
}

// exPush pushes households as an enumerator and returns their record ids.
func exPush(t testing.TB, s *server, who string, envs []map[string]any) []string {
	t.Helper()
	items := make([]any, len(envs))
	for i, e := range envs {
		items[i] = e
	}
	code, body := s.do("POST", "/api/sync/push", who, map[string]any{"device_id": "tab-" + who, "app_version": "1", "submissions": items})
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	var ids []string
	for _, r := range body["results"].([]any) {
		rec, _ := r.(map[string]any)["record"].(string)
		if rec == "" {
			t.Fatalf("not stored: %v", r)
		}
		ids = append(ids, rec)
	}
	return ids
}

func exReview(t testing.TB, s *server, who, action string, ids []string) {
	t.Helper()
	code, body := s.do("POST", "/api/review/bulk", who, map[string]any{"action": action, "note": "checked", "ids": ids})
	if code != 200 || body["failed"].(float64) != 0 {
		t.Fatalf("review %s: %d %v", action, code, body)
	}
}

// exportFixture: team A pushes 10 households (6 approved, 1 rejected, 3 left as pushed),
// team B pushes 6 (4 approved).
func exportFixture(t testing.TB, s *server) (teamA, teamB []string) {
	t.Helper()
	teamA = exPush(t, s, "enumA1", exHouseholds(t, 10, 801))
	teamB = exPush(t, s, "enumB1", exHouseholds(t, 6, 802))
	exReview(t, s, "supA", "approve", teamA[:6])
	exReview(t, s, "supA", "reject", teamA[6:7])
	exReview(t, s, "supB", "approve", teamB[:4])
	return teamA, teamB
}

func (s *server) column(t testing.TB, sql string) []string {
	t.Helper()
	var out []string
	if err := s.App.DB().NewQuery(sql).Column(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func (s *server) number(t testing.TB, sql string) int64 {
	t.Helper()
	var n int64
	if err := s.App.DB().NewQuery(sql).Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mhsForm(t testing.TB, s *server) *form.Survey {
	t.Helper()
	sv, ok := s.Srv.Surveys.Latest("mhs")
	if !ok {
		t.Fatal("no mhs survey")
	}
	return sv.Form
}

// wantHeader is a file's header by the rules of the export: record columns, then each
// answer field in questionnaire order (select_multiple + one column per choice, geopoint as
// three), sensitive fields only with personal data.
func wantHeader(sv *form.Survey, repeat string, pii bool) []string {
	h := []string{"key", "line"}
	if repeat == "" {
		h = []string{"key", "uuid", "form_id", "version", "status", "enumerator", "team", "device_id",
			"started_at", "completed_at", "duration_s", "seq", "created", "updated"}
	}
	for _, f := range sv.Fields() {
		if f.Repeat != repeat || (f.Sensitive && !pii) {
			continue
		}
		switch f.Type {
		case "geopoint":
			h = append(h, f.Name+"_lat", f.Name+"_lon", f.Name+"_accuracy")
		case "select_multiple":
			h = append(h, f.Name)
			for _, c := range sv.Choices(f.List) {
				h = append(h, f.Name+"_"+c.Name)
			}
		default:
			h = append(h, f.Name)
		}
	}
	return h
}

func TestExportMicrodata(t *testing.T) {
	s := newServer(t)
	exportFixture(t, s)
	x, cursor := exportOK(t, s, "analyst", "survey=mhs")
	sv := mhsForm(t, s)

	// Every file, and each header by the questionnaire.
	for _, f := range []string{"households.csv", "members.csv", "emigrants.csv", "reviews.csv", "codebook.csv", "labels.do", "manifest.json"} {
		if _, ok := x.raw[f]; !ok {
			t.Fatalf("%s missing from the ZIP", f)
		}
	}
	for file, rep := range map[string]string{"households.csv": "", "members.csv": "members", "emigrants.csv": "emigrants"} {
		if w := wantHeader(sv, rep, false); !slices.Equal(x.header[file], w) {
			t.Fatalf("%s header\n got %v\nwant %v", file, x.header[file], w)
		}
	}
	if w := []string{"key", "review_id", "created", "actor", "role", "from", "to", "action", "note", "duplicate_of"}; !slices.Equal(x.header["reviews.csv"], w) {
		t.Fatalf("reviews header %v", x.header["reviews.csv"])
	}

	// Rows: exactly the approved households, in change order, and their rows.
	approved := s.column(t, "SELECT id FROM submissions WHERE status = 'approved' ORDER BY seq, id")
	if len(approved) != 10 || !slices.Equal(x.keys("households.csv"), approved) {
		t.Fatalf("households %v, want the approved %v", x.keys("households.csv"), approved)
	}
	in := "(SELECT id FROM submissions WHERE status = 'approved')"
	for file, sql := range map[string]string{
		"members.csv":   "SELECT COUNT(*) FROM members WHERE submission IN " + in,
		"emigrants.csv": "SELECT COUNT(*) FROM emigrants WHERE submission IN " + in,
		"reviews.csv":   "SELECT COUNT(*) FROM reviews WHERE submission IN " + in,
	} {
		n := s.number(t, sql)
		if int64(len(x.rows[file])) != n || x.man.Counts[file] != n || n == 0 {
			t.Fatalf("%s: %d rows (manifest %d), the database has %d", file, len(x.rows[file]), x.man.Counts[file], n)
		}
	}
	// Joins: each repeat row names an exported household and its line; lines run 1..n.
	for _, file := range []string{"members.csv", "emigrants.csv", "reviews.csv"} {
		last := map[string]int{}
		for _, r := range x.rows[file] {
			if !slices.Contains(approved, r["key"]) {
				t.Fatalf("%s: row of household %q, which is not exported", file, r["key"])
			}
			if file != "reviews.csv" {
				if l, _ := strconv.Atoi(r["line"]); l != last[r["key"]]+1 {
					t.Fatalf("%s: household %s line %s after %d", file, r["key"], r["line"], last[r["key"]])
				}
				last[r["key"]]++
			}
		}
	}
	for _, r := range x.rows["members.csv"] {
		if r["b_line"] != r["line"] {
			t.Fatalf("member line %s has b_line %s", r["line"], r["b_line"])
		}
	}

	// Values against the stored answers: select-multiple, geopoint, dates, a number.
	psuPoints := map[string]string{}
	for _, r := range x.rows["households.csv"] {
		var raw string
		s.App.DB().NewQuery("SELECT data FROM submissions WHERE id = {:id}").Bind(map[string]any{"id": r["key"]}).Row(&raw)
		var d map[string]any
		json.Unmarshal([]byte(raw), &d)
		if r["a_date"] != d["a_date"] || r["a_psu"] != fmt.Sprint(d["a_psu"]) || r["status"] != "approved" {
			t.Fatalf("household %s: %v vs %v", r["key"], r, d)
		}
		if _, err := time.Parse(time.RFC3339, r["completed_at"]); err != nil {
			t.Fatalf("completed_at %q is not ISO 8601", r["completed_at"])
		}
		exCheckMulti(t, sv, r, "e_channel", d["e_channel"])
		exCheckMulti(t, sv, r, "l_12m", d["l_12m"])
		if g, ok := d["a_gps"].(map[string]any); ok {
			// An analyst without personal-data access gets the PSU's displaced point (one per
			// PSU, no accuracy), never the recorded GPS (distances: disclosure's tests).
			lat, _ := strconv.ParseFloat(r["a_gps_lat"], 64)
			lon, _ := strconv.ParseFloat(r["a_gps_lon"], 64)
			if dedup.Distance(lat, lon, g["lat"].(float64), g["lon"].(float64)) < 1 || r["a_gps_accuracy"] != "" {
				t.Fatalf("a_gps %s %s (accuracy %q) for the recorded %v", r["a_gps_lat"], r["a_gps_lon"], r["a_gps_accuracy"], g)
			}
			pt := r["a_gps_lat"] + "," + r["a_gps_lon"]
			if prev, ok := psuPoints[r["a_psu"]]; ok && prev != pt {
				t.Fatalf("PSU %s exported at %s and at %s", r["a_psu"], prev, pt)
			}
			psuPoints[r["a_psu"]] = pt
		} else if r["a_gps_lat"] != "" {
			t.Fatalf("no GPS but a_gps_lat %q", r["a_gps_lat"])
		}
	}
	// A second export reads the points the first one made in one query (storedPSUPoints)
	// instead of one per PSU: the same households.csv, byte for byte.
	if len(psuPoints) == 0 || s.number(t, "SELECT COUNT(*) FROM _fieldbase_psu_points") < int64(len(psuPoints)) {
		t.Fatalf("%d PSUs with points exported, %d kept", len(psuPoints), s.number(t, "SELECT COUNT(*) FROM _fieldbase_psu_points"))
	}
	if again, _ := exportOK(t, s, "analyst", "survey=mhs"); !bytes.Equal(again.raw["households.csv"], x.raw["households.csv"]) {
		t.Fatal("the second export's households.csv differs from the first's")
	}

	// No personal data: no sensitive column and no stored name anywhere in the ZIP.
	names := s.column(t, "SELECT json_extract(pii, '$.a_head_name') FROM submissions WHERE status = 'approved' AND json_extract(pii, '$.a_head_name') IS NOT NULL")
	names = append(names, s.column(t, "SELECT json_extract(s.pii, '$.members[' || m.pos || '].b_name') FROM members m JOIN submissions s ON s.id = m.submission WHERE m.status = 'approved'")...)
	if len(names) < 20 {
		t.Fatalf("only %d names to look for", len(names))
	}
	for f, raw := range x.raw {
		for _, n := range names {
			if bytes.Contains(raw, []byte(n)) {
				t.Fatalf("%s holds the name %q", f, n)
			}
		}
	}

	// Cursor: the header, the manifest and the last change agree.
	if maxSeq := s.number(t, "SELECT MAX(seq) FROM submissions"); cursor != maxSeq || x.man.Cursor != maxSeq {
		t.Fatalf("cursor %d, manifest %d, max seq %d", cursor, x.man.Cursor, maxSeq)
	}
	// The codebook describes every household column; labels.do reads every file.
	cb := 0
	for _, r := range x.rows["codebook.csv"] {
		if r["file"] == "households.csv" && r["type"] != "choice" {
			cb++
		}
	}
	if cb != len(x.header["households.csv"]) || !bytes.Contains(x.raw["labels.do"], []byte(`import delimited using "emigrants.csv"`)) {
		t.Fatalf("codebook has %d household variables for %d columns", cb, len(x.header["households.csv"]))
	}

	// The audit record.
	var audit struct {
		Actor  string `db:"actor"`
		Role   string `db:"role"`
		Kind   string `db:"kind"`
		Filter string `db:"filter"`
		Rows   int    `db:"rows"`
	}
	if err := s.App.DB().NewQuery("SELECT actor, role, kind, filter, rows FROM exports ORDER BY created DESC LIMIT 1").One(&audit); err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	json.Unmarshal([]byte(audit.Filter), &f)
	if audit.Actor != fx.analyst || audit.Role != "analyst" || audit.Kind != "microdata" || audit.Rows != 10 ||
		f["complete"] != true || f["pii"] != false || fmt.Sprint(f["status"]) != "[approved]" || f["cursor"].(float64) != float64(cursor) {
		t.Fatalf("audit record %+v", audit)
	}
}

func exCheckMulti(t *testing.T, sv *form.Survey, r map[string]string, name string, v any) {
	t.Helper()
	items, answered := v.([]any)
	var names []string
	for _, it := range items {
		names = append(names, it.(string))
	}
	if r[name] != strings.Join(names, " ") {
		t.Fatalf("%s = %q, want %q", name, r[name], strings.Join(names, " "))
	}
	for _, c := range sv.Choices(sv.Field(name).List) {
		want := ""
		if answered {
			want = "0"
			if slices.Contains(names, c.Name) {
				want = "1"
			}
		}
		if r[name+"_"+c.Name] != want {
			t.Fatalf("%s_%s = %q, want %q (answer %v)", name, c.Name, r[name+"_"+c.Name], want, v)
		}
	}
}

func TestExportPermissions(t *testing.T) {
	s := newServer(t)
	for _, c := range []struct {
		who, query string
		code       int
		msg        string
	}{
		{"", "survey=mhs", 401, "auth"},
		{"enumA1", "survey=mhs", 403, "enumerator"},
		{"analyst", "survey=mhs&pii=1", 403, "granted personal-data access only"},
		{"analyst", "survey=mhs&pii=1", 403, "granted personal-data access only"},
		{"supA", "survey=mhs&pii=1", 403, "granted personal-data access only"},
		{"analyst", "survey=mhs&status=received", 403, "approved submissions only"},
		{"analyst", "survey=mhs&status=all", 403, "approved submissions only"},
		{"analyst", "", 400, "survey parameter is required"},
		{"analyst", "survey=mhs&since=-1", 400, "since"},
		{"analyst", "survey=mhs&since=abc", 400, "since"},
		{"analyst", "survey=mhs&pii=yes", 400, "pii parameter must be 0 or 1"},
		{"supA", "survey=mhs&status=approved,bogus", 400, "unknown status"},
		{"analyst", "survey=nosuch", 404, "no survey"},
		{"analyst", "survey=mhs&status=approved", 200, ""},
		{"supA", "survey=mhs&status=all", 200, ""},
		{"superuser", "survey=mhs&pii=1&status=all", 200, ""},
	} {
		code, _, body := exportGet(t, s, c.who, c.query)
		if code != c.code || !strings.Contains(strings.ToLower(string(body)), strings.ToLower(c.msg)) {
			t.Errorf("%s %q: %d %.200s, want %d with %q", c.who, c.query, code, body, c.code, c.msg)
		}
	}
	// Refused requests leave no audit record; each export leaves one.
	if n := s.number(t, "SELECT COUNT(*) FROM exports"); n != 3 {
		t.Fatalf("%d export audit records, want 3", n)
	}
}

func TestExportSupervisorTeamsAndPII(t *testing.T) {
	s := newServer(t)
	teamA, teamB := exportFixture(t, s)

	// A supervisor exports any status of their own teams only.
	x, _ := exportOK(t, s, "supA", "survey=mhs&status=all")
	if got := x.keys("households.csv"); len(got) != len(teamA) || !sameSet(got, teamA) {
		t.Fatalf("supA all: %v, want team A %v", got, teamA)
	}
	x, _ = exportOK(t, s, "supB", "survey=mhs&status=received,flagged,invalid")
	if got := x.keys("households.csv"); !sameSet(got, teamB[4:]) {
		t.Fatalf("supB unreviewed: %v, want %v", got, teamB[4:])
	}
	x, _ = exportOK(t, s, "supA", "survey=mhs&status=rejected")
	if got := x.keys("households.csv"); !slices.Equal(got, teamA[6:7]) || len(x.rows["reviews.csv"]) != 1 || x.rows["reviews.csv"][0]["action"] != "reject" {
		t.Fatalf("supA rejected: %v, reviews %v", got, x.rows["reviews.csv"])
	}

	// A superuser may add the personal data: names in their columns, staff names in reviews.
	x, _ = exportOK(t, s, "superuser", "survey=mhs&pii=1&bom=1")
	sv := mhsForm(t, s)
	if !bytes.HasPrefix(x.raw["households.csv"], []byte("\uFEFF")) {
		t.Fatal("bom=1 but no BOM")
	}
	if w := wantHeader(sv, "", true); !slices.Equal(x.header["households.csv"], w) {
		t.Fatalf("header with PII %v", x.header["households.csv"])
	}
	for _, r := range x.rows["members.csv"] {
		var want string
		s.App.DB().NewQuery("SELECT json_extract(s.pii, '$.members[' || m.pos || '].b_name') FROM members m JOIN submissions s ON s.id = m.submission WHERE m.submission = {:k} AND m.line = {:l}").
			Bind(map[string]any{"k": r["key"], "l": r["line"]}).Row(&want)
		if want == "" || r["b_name"] != want {
			t.Fatalf("member %s/%s b_name %q, want %q", r["key"], r["line"], r["b_name"], want)
		}
	}
	if !slices.Contains(x.header["reviews.csv"], "actor_name") || x.rows["reviews.csv"][0]["actor_name"] == "" {
		t.Fatalf("reviews with PII: %v", x.header["reviews.csv"])
	}
	var f string
	s.App.DB().NewQuery("SELECT filter FROM exports WHERE role = 'superuser'").Row(&f)
	if !strings.Contains(f, `"pii":true`) {
		t.Fatalf("audit of the PII export: %s", f)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestExportIncremental(t *testing.T) {
	s := newServer(t)
	teamA, teamB := exportFixture(t, s)
	x, c1 := exportOK(t, s, "analyst", "survey=mhs")
	if len(x.rows["households.csv"]) != 10 {
		t.Fatalf("first export: %d households", len(x.rows["households.csv"]))
	}

	// Nothing changed: an empty increment, same cursor; labels.do reads no file.
	x, c := exportOK(t, s, "analyst", fmt.Sprintf("survey=mhs&since=%d", c1))
	if c != c1 || len(x.rows["households.csv"]) != 0 || len(x.rows["members.csv"]) != 0 || len(x.header["members.csv"]) < 10 ||
		bytes.Contains(x.raw["labels.do"], []byte("import delimited")) {
		t.Fatalf("empty increment: cursor %d (was %d), %d rows", c, c1, len(x.rows["households.csv"]))
	}

	// New approvals, a new household, and a pushed but unreviewed one.
	exReview(t, s, "supA", "approve", teamA[7:9])
	fresh := exPush(t, s, "enumB1", exHouseholds(t, 2, 803))
	exReview(t, s, "supB", "approve", fresh[:1])
	x, c2 := exportOK(t, s, "analyst", fmt.Sprintf("survey=mhs&since=%d", c1))
	want := append(slices.Clone(teamA[7:9]), fresh[0])
	if c2 <= c1 || !slices.Equal(x.keys("households.csv"), want) {
		t.Fatalf("increment: %v (cursor %d), want %v (after %d)", x.keys("households.csv"), c2, want, c1)
	}
	for _, r := range x.rows["members.csv"] {
		if !slices.Contains(want, r["key"]) {
			t.Fatalf("increment member of %s", r["key"])
		}
	}
	if x.man.Filter["since"].(float64) != float64(c1) {
		t.Fatalf("manifest filter %v", x.man.Filter)
	}
	if _, ok := x.raw["withdrawn.csv"]; !ok || len(x.rows["withdrawn.csv"]) != 0 {
		t.Fatalf("withdrawn.csv: %v", x.rows["withdrawn.csv"])
	}

	// An older household approved now is in the next increment; a reopened one leaves the
	// approved data and is listed in withdrawn.csv for the kept copy to drop.
	exReview(t, s, "supB", "approve", teamB[4:5])
	if code, body := s.do("POST", "/api/submissions/"+teamA[0]+"/review", "supA", map[string]any{"action": "reopen", "note": "recheck ages"}); code != 200 {
		t.Fatalf("reopen: %d %v", code, body)
	}
	x, c3 := exportOK(t, s, "analyst", fmt.Sprintf("survey=mhs&since=%d", c2))
	if !slices.Equal(x.keys("households.csv"), teamB[4:5]) || !slices.Equal(x.keys("withdrawn.csv"), teamA[:1]) {
		t.Fatalf("second increment %v, withdrawn %v", x.keys("households.csv"), x.keys("withdrawn.csv"))
	}
	if seq := s.number(t, "SELECT seq FROM submissions WHERE id = '"+teamA[0]+"'"); x.rows["withdrawn.csv"][0]["seq"] != strconv.FormatInt(seq, 10) || seq != c3 {
		t.Fatalf("withdrawn seq %v, household seq %d, cursor %d", x.rows["withdrawn.csv"][0], seq, c3)
	}
	// A full export has no withdrawn.csv: it is the whole approved data.
	if x, _ := exportOK(t, s, "analyst", "survey=mhs"); x.raw["withdrawn.csv"] != nil || slices.Contains(x.keys("households.csv"), teamA[0]) {
		t.Fatal("full export after a reopen")
	}
}

// TestExportBench fills FIELDBASE_EXPORT_BENCH households (e.g. 100000) by direct inserts,
// exports them through the route into io.Discard and reports the time and the process's
// peak RSS during the export (VmHWM, reset after the fill). Skipped unless the variable is set.
//
//	FIELDBASE_EXPORT_BENCH=100000 go test ./hooks -run TestExportBench -v -timeout 30m
func TestExportBench(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("FIELDBASE_EXPORT_BENCH"))
	if n <= 0 || testing.Short() {
		t.Skip("set FIELDBASE_EXPORT_BENCH=<households> to run the export benchmark")
	}
	s := newServer(t)
	start := time.Now()
	rows := benchFill(t, s, n)
	t.Logf("filled %d households (%d members, %d emigrants) in %s; peak RSS while filling %d MB",
		n, rows["members"], rows["emigrants"], time.Since(start).Round(time.Second), vmHWM(t)>>20)

	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset the peak RSS (%v): the figure includes the fill", err)
	}
	base := vmHWM(t)
	start = time.Now()
	req, _ := http.NewRequest("GET", s.URL+"/api/export/microdata?survey=mhs", nil)
	req.Header.Set("Authorization", fx.tok["analyst"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	size, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("export: %d %v", res.StatusCode, err)
	}
	secs := time.Since(start).Seconds()
	peak := vmHWM(t)
	var audit int64
	s.App.DB().NewQuery("SELECT rows FROM exports ORDER BY created DESC LIMIT 1").Row(&audit)
	t.Logf("exported %d households (ZIP %.1f MB) in %.1f s (%.0f households/s); RSS before %d MB, peak during export %d MB",
		audit, float64(size)/(1<<20), secs, float64(n)/secs, base>>20, peak>>20)
	if audit != int64(n) {
		t.Fatalf("exported %d households, want %d", audit, n)
	}
	if peak > 150<<20 {
		t.Errorf("peak RSS %d MB is over the 150 MB goal", peak>>20)
	}
}

// vmHWM is the process's peak resident set size in bytes (Linux).
func vmHWM(t testing.TB) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status: peak RSS is read on Linux only")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchFill inserts n synthetic approved households the way ingest stores them (sensitive
// answers split off, one row per member and emigrant, one review each), in transactions of
// 1000 with prepared statements.
func benchFill(t testing.TB, s *server, n int) map[string]int {
	sv := mhsForm(t, s)
	db := s.App.NonconcurrentDB().(*dbx.DB).DB()
	counts := map[string]int{}
	var tx *sql.Tx
	var stmts map[string]*sql.Stmt
	begin := func() {
		var err error
		if tx, err = db.Begin(); err != nil {
			t.Fatal(err)
		}
		stmts = map[string]*sql.Stmt{}
		for name, q := range map[string]string{
			"sub": `INSERT INTO submissions (id, uuid, form_id, version, a_psu, a_dwelling, a_stratum, a_region, a_urban, a_weight,
				a_date, status, enumerator, team, device_id, started_at, completed_at, duration_s, hh_size, data, pii, seq, created, updated)
				VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			"mem": `INSERT INTO members (id, submission, form_id, status, line, data, pii) VALUES (?,?,?,?,?,?,?)`,
			"emi": `INSERT INTO emigrants (id, submission, form_id, status, line, data) VALUES (?,?,?,?,?,?)`,
			"rev": `INSERT INTO reviews (id, submission, actor, actor_name, role, "from", "to", action, note, created, updated)
				VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		} {
			if stmts[name], err = tx.Prepare(q); err != nil {
				t.Fatal(err)
			}
		}
	}
	commit := func() {
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	exec := func(name string, args ...any) {
		if _, err := stmts[name].Exec(args...); err != nil {
			t.Fatalf("insert %s: %v", name, err)
		}
	}
	id := func(prefix string, i int) string { return fmt.Sprintf("%s%014d", prefix, i) }
	ts := "2026-11-01 10:00:00.000Z"
	i, m, e := 0, 0, 0
	begin()
	err := synth.Generate(synth.Options{Households: n, Seed: 42, Enumerators: 20, Today: time.Now()}, func(it synth.Item) error {
		env := it.Envelope
		raw, _ := json.Marshal(env["data"])
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil {
			return err
		}
		pii := benchSplit(sv, d)
		i++
		key := id("h", i)
		num := func(k string) any { return d[k] }
		members, _ := d["members"].([]any)
		exec("sub", key, env["id"], "mhs", 1, num("a_psu"), num("a_dwelling"), d["a_stratum"], d["a_region"], d["a_urban"],
			num("a_weight"), d["a_date"], "approved", fx.enumA1, fx.teamA, env["device_id"], ts, ts, 1800, len(members),
			jsonText(d), jsonText(pii), i, ts, ts)
		mpii, _ := pii["members"].([]any)
		for l, row := range members {
			m++
			var p any
			if l < len(mpii) {
				p = jsonText(mpii[l])
			}
			exec("mem", id("m", m), key, "mhs", "approved", l+1, jsonText(row), p)
		}
		emigrants, _ := d["emigrants"].([]any)
		for l, row := range emigrants {
			e++
			exec("emi", id("e", e), key, "mhs", "approved", l+1, jsonText(row))
		}
		exec("rev", id("r", i), key, fx.supA, "supA", "supervisor", "received", "approved", "approve", "", ts, ts)
		if i%1000 == 0 {
			commit()
			begin()
		}
		return nil
	})
	commit()
	if err != nil {
		t.Fatal(err)
	}
	counts["members"], counts["emigrants"] = m, e
	return counts
}

func benchSplit(sv *form.Survey, d map[string]any) map[string]any {
	pii := map[string]any{}
	for _, f := range sv.Fields() {
		if !f.Sensitive {
			continue
		}
		if f.Repeat == "" {
			if v, ok := d[f.Name]; ok {
				pii[f.Name] = v
				delete(d, f.Name)
			}
			continue
		}
		rows, _ := d[f.Repeat].([]any)
		prow, _ := pii[f.Repeat].([]any)
		for len(prow) < len(rows) {
			prow = append(prow, map[string]any{})
		}
		for i, r := range rows {
			if row, ok := r.(map[string]any); ok {
				if v, ok := row[f.Name]; ok {
					prow[i].(map[string]any)[f.Name] = v
					delete(row, f.Name)
				}
			}
		}
		pii[f.Repeat] = prow
	}
	return pii
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}
