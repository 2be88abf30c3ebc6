package hooks_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"

	"fieldbase/hooks"
)

// indicatorsGet sends GET /api/indicators?query as the named fixture account.
func indicatorsGet(t *testing.T, s *server, who, query string) (int, http.Header, []byte) {
	t.Helper()
	return s.get(t, "/api/indicators?"+query, who)
}

type indicatorCell struct {
	Indicator   string            `json:"indicator"`
	Dims        map[string]string `json:"dims"`
	Estimate    *float64          `json:"estimate"`
	SE          *float64          `json:"se"`
	CILow       *float64          `json:"ci_low"`
	CIHigh      *float64          `json:"ci_high"`
	NUnweighted int               `json:"n_unweighted"`
	NWeighted   float64           `json:"n_weighted"`
	Flag        *string           `json:"flag"`
}

// approvedHouseholds pushes n synthetic households as enumA1, approves all but the last
// `pending` of them as supA, and returns how many were approved and the pending ids.
func approvedHouseholds(t *testing.T, s *server, n, pending int) (int, []string) {
	t.Helper()
	hh := households(t, n, 4242)
	items := make([]any, len(hh))
	for i, h := range hh {
		items[i] = h
	}
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(items...))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	var ids []string
	for _, r := range results(t, body) {
		ids = append(ids, r["record"].(string))
	}
	return approve(t, s, ids[:n-pending]), ids[n-pending:]
}

func approve(t *testing.T, s *server, ids []string) int {
	t.Helper()
	code, body := s.do("POST", "/api/review/bulk", "supA", map[string]any{"action": "approve", "ids": ids})
	if code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	return int(body["done"].(float64))
}

// hh1N is the number of households in HH1's population, as the route answers.
func hh1N(t *testing.T, s *server) int {
	t.Helper()
	code, _, body := indicatorsGet(t, s, "analyst", "survey=mhs&indicator=HH1")
	var doc struct {
		Cells []indicatorCell `json:"cells"`
	}
	if err := json.Unmarshal(body, &doc); code != 200 || err != nil || len(doc.Cells) != 1 {
		t.Fatalf("HH1: %d %v %.200s", code, err, body)
	}
	return doc.Cells[0].NUnweighted
}

func TestIndicatorsRoute(t *testing.T) {
	s := newServer(t)
	approved, pending := approvedHouseholds(t, s, 60, 5)
	if approved < 50 {
		t.Fatalf("only %d households approved", approved)
	}
	if n := count(t, s, "submissions", "facts LIKE '1.%'"); n != 60 {
		t.Fatalf("%d of 60 pushed households have indicator facts: plug the facts into ingest (s.Facts = s.IndicatorFacts() in Register)", n)
	}

	// HH1 over all approved households, checked against SQL on the stored answers.
	code, h, body := indicatorsGet(t, s, "analyst", "survey=mhs")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("json: %d %s %.300s", code, h.Get("Content-Type"), body)
	}
	var doc struct {
		Survey      string          `json:"survey"`
		GeneratedAt string          `json:"generated_at"`
		Cells       []indicatorCell `json:"cells"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Survey != "mhs" || doc.GeneratedAt == "" || len(doc.Cells) == 0 {
		t.Fatalf("answer %.300s", body)
	}
	var want struct {
		N  int     `db:"n"`
		WY float64 `db:"wy"`
		WX float64 `db:"wx"`
	}
	err := s.App.DB().NewQuery(`SELECT COUNT(*) AS n,
		SUM(a_weight * (json_extract(data, '$.d_any') = 'yes')) AS wy, SUM(a_weight) AS wx
		FROM submissions WHERE status = 'approved' AND json_extract(data, '$.a_consent') = 'yes'`).One(&want)
	if err != nil {
		t.Fatal(err)
	}
	var hh1 *indicatorCell
	for i, c := range doc.Cells {
		if c.Dims == nil || len(c.Dims) != 0 || c.Flag == nil {
			t.Errorf("cell %+v: dims must be {} and flag a string", c)
		}
		if c.Indicator == "HH1" {
			hh1 = &doc.Cells[i]
		}
	}
	if hh1 == nil || hh1.NUnweighted != want.N || math.Abs(hh1.NWeighted-want.WX) > 1e-6*want.WX ||
		hh1.Estimate == nil || math.Abs(*hh1.Estimate-100*want.WY/want.WX) > 1e-9 {
		t.Errorf("HH1 %+v, SQL gives n %d, share %v of %v", hh1, want.N, 100*want.WY/want.WX, want.WX)
	}

	// Two dimensions: a household indicator is not broken down by age.
	code, _, body = indicatorsGet(t, s, "supA", "survey=mhs&by=SEX,AGE&indicator=HH1,FIN1")
	if code != 200 {
		t.Fatalf("by SEX,AGE: %d %.300s", code, body)
	}
	doc.Cells = nil
	json.Unmarshal(body, &doc)
	seen := map[string]bool{}
	for _, c := range doc.Cells {
		seen[c.Indicator] = true
		if len(c.Dims) != 2 || c.Dims["SEX"] == "" || c.Dims["AGE"] == "" {
			t.Errorf("cell dims %v", c.Dims)
		}
		if c.Indicator == "HH1" && c.Dims["AGE"] != "_T" {
			t.Errorf("HH1 broken down by age: %v", c.Dims)
		}
	}
	if !seen["HH1"] || !seen["FIN1"] || len(seen) != 2 {
		t.Errorf("indicators in the answer: %v", seen)
	}

	code, h, body = indicatorsGet(t, s, "superuser", "survey=mhs&by=URBANISATION&format=csv")
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if code != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || err != nil ||
		strings.Join(recs[0], ",") != "indicator,name,sdg,unit,URBANISATION,URBANISATION_label,estimate,se,ci_low,ci_high,n_unweighted,n_weighted,flag" {
		t.Errorf("csv: %d %s %v %.200s", code, h.Get("Content-Type"), err, body)
	}

	code, h, body = indicatorsGet(t, s, "analyst", "survey=mhs&by=REGION&indicator=REM1&format=sdmx")
	recs, err = csv.NewReader(bytes.NewReader(body)).ReadAll()
	if code != 200 || h.Get("Content-Type") != "application/vnd.sdmx.data+csv; version=2.0.0" || err != nil || len(recs) < 2 {
		t.Fatalf("sdmx: %d %s %v %.200s", code, h.Get("Content-Type"), err, body)
	}
	if strings.Join(recs[0], ",") != "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REPORTING_TYPE,SERIES,REF_AREA,SEX,AGE,URBANISATION,DISABILITY_STATUS,MIGRATORY_STATUS,HH_MIG_STATUS,REGION,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,CONF_STATUS,SE,CI_LOWER,CI_UPPER,N_UNWTD" {
		t.Errorf("sdmx header %v", recs[0])
	}
	if r := recs[1]; strings.Join(r[:7], ",") != "dataflow,NSO:DF_MIGSDG(1.0),I,A,N,REM1,NPL" || r[7] != "_T" || len(r[14]) != 4 || r[16] != "PT" {
		t.Errorf("sdmx row %v", r)
	}

	// Answers follow the data: approving and reopening change the population.
	before := hh1N(t, s)
	if approve(t, s, pending) != len(pending) {
		t.Fatal("could not approve the pending households")
	}
	var consenting int
	s.App.DB().NewQuery("SELECT COUNT(*) FROM submissions WHERE id IN ('" + strings.Join(pending, "','") +
		"') AND json_extract(data, '$.a_consent') = 'yes'").Row(&consenting)
	if after := hh1N(t, s); after != before+consenting {
		t.Errorf("HH1 n %d after approving %d more consenting households, was %d", after, consenting, before)
	}
	var one string
	s.App.DB().NewQuery("SELECT id FROM submissions WHERE status = 'approved' AND json_extract(data, '$.a_consent') = 'yes' LIMIT 1").Row(&one)
	if code, body := reviewAs(s, "supA", one, map[string]any{"action": "reopen", "note": "recheck the roster"}); code != 200 {
		t.Fatalf("reopen an approved household: %d %v", code, body)
	}
	if after := hh1N(t, s); after != before+consenting-1 {
		t.Errorf("HH1 n %d after reopening one, want %d", after, before+consenting-1)
	}
}

func TestIndicatorsRefusals(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct {
		who, query string
		code       int
		says       string
	}{
		{"", "survey=mhs", 401, ""},
		{"enumA1", "survey=mhs", 403, ""},
		{"analyst", "", 400, "survey"},
		{"analyst", "survey=lfs", 404, "lfs"},
		{"analyst", "survey=mhs&indicator=HH1,NOPE", 400, "NOPE"},
		{"analyst", "survey=mhs&by=COLOUR", 400, "COLOUR"},
		{"analyst", "survey=mhs&by=SEX,AGE,REGION", 400, "at most 2"},
		{"analyst", "survey=mhs&format=xml", 400, "xml"},
	} {
		code, _, body := indicatorsGet(t, s, tc.who, tc.query)
		if code != tc.code || !strings.Contains(strings.ToLower(string(body)), strings.ToLower(tc.says)) {
			t.Errorf("%s as %q: %d %.200s; want %d saying %q", tc.query, tc.who, code, body, tc.code, tc.says)
		}
	}
	// No approved household yet: an answer without cells, not an error.
	code, _, body := indicatorsGet(t, s, "analyst", "survey=mhs")
	if code != 200 || !strings.Contains(string(body), `"cells":[]`) {
		t.Errorf("empty survey: %d %.200s", code, body)
	}
}

func TestIndicatorsStaleFacts(t *testing.T) {
	s := newServer(t)
	approvedHouseholds(t, s, 30, 0)
	var before []string
	if err := s.App.DB().NewQuery("SELECT facts FROM members ORDER BY rowid").Column(&before); err != nil {
		t.Fatal(err)
	}
	// As after a change of the catalog: facts of another catalog, and a row without facts.
	if _, err := s.App.DB().NewQuery("UPDATE members SET facts = '1.00000000' || substr(facts, 11) WHERE rowid % 7 = 0").Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.DB().NewQuery("UPDATE submissions SET facts = '' WHERE rowid = (SELECT MIN(rowid) FROM submissions)").Execute(); err != nil {
		t.Fatal(err)
	}
	code, _, body := indicatorsGet(t, s, "analyst", "survey=mhs")
	if code != 409 || !strings.Contains(string(body), "rebuild") {
		t.Fatalf("stale facts: %d %.300s", code, body)
	}
	n, err := s.Srv.RebuildIndicatorFacts(context.Background(), "mhs", false)
	if err != nil || n == 0 || n == 30 {
		t.Fatalf("rebuilt %d households (%v): want the stale ones only", n, err)
	}
	var after []string
	if err := s.App.DB().NewQuery("SELECT facts FROM members ORDER BY rowid").Column(&after); err != nil {
		t.Fatal(err)
	}
	if strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Error("rebuilt member facts differ from those computed at ingest")
	}
	if code, _, body := indicatorsGet(t, s, "analyst", "survey=mhs"); code != 200 {
		t.Errorf("after the rebuild: %d %.300s", code, body)
	}
	if all, err := s.Srv.RebuildIndicatorFacts(context.Background(), "mhs", true); err != nil || all != 30 {
		t.Errorf("rebuild all: %d %v", all, err)
	}
}

func TestIndicatorCatalogShipped(t *testing.T) {
	s := newServer(t)
	sv, ok := s.Srv.Surveys.Latest("mhs")
	if !ok {
		t.Fatal("mhs not installed")
	}
	c, err := hooks.IndicatorCatalog(sv.Form)
	if err != nil || c == nil || len(c.Indicators) != 21 {
		t.Fatalf("catalog %v, %v", c, err)
	}
	if again, _ := hooks.IndicatorCatalog(sv.Form); again != c {
		t.Error("the catalog is compiled again for the same survey")
	}
}
