package hooks_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pocketbase/dbx"

	"fieldbase/form"
	"fieldbase/hooks"
	"fieldbase/schemas"
	"fieldbase/xform"
	"fieldbase/xlsform"
)

// reintHouseholds makes n valid households of the reint survey (schemas/reint.xlsx): cluster
// c = i/4+1, household i%4+1, the zone of the cluster, 1 to 3 returnees each.
func reintHouseholds(n int, seed uint64) []map[string]any {
	r := rand.New(rand.NewPCG(seed, 7))
	zones := []string{"MTN", "HILL", "TERAI"}
	day := time.Now().UTC().AddDate(0, 0, -3)
	out := make([]map[string]any, n)
	for i := range out {
		cluster := i/4 + 1
		k := 1 + r.IntN(3)
		var rows []any
		for j := 0; j < k; j++ {
			rows = append(rows, map[string]any{"rt_name": fmt.Sprintf("Returnee %d-%d", i, j), "rt_sex": []string{"1", "2"}[r.IntN(2)],
				"rt_age": 18 + r.IntN(50), "rt_months": r.IntN(36), "rt_work": []string{"yes", "no"}[r.IntN(2)],
				"rt_support": []string{"yes", "no"}[r.IntN(2)], "rt_again": []string{"yes", "no"}[r.IntN(2)]})
		}
		data := map[string]any{"r_cluster": cluster, "r_hh": i%4 + 1, "r_zone": zones[cluster%3],
			"r_wt": 100 + float64(cluster%5)*40, "r_day": day.Format("2006-01-02"), "r_agree": "yes",
			"r_point":      map[string]any{"lat": 27.5 + float64(cluster)*0.01 + float64(i%4)*0.001, "lon": 85.1 + float64(cluster)*0.01, "accuracy": 5},
			"r_respondent": fmt.Sprintf("Respondent %d", i), "r_count": k, "returnees": rows,
			"r_debt": []string{"yes", "no", "no"}[r.IntN(3)]}
		out[i] = map[string]any{"id": uuid.NewString(), "survey": "reint", "version": 1,
			"started_at": day.Add(9 * time.Hour).Format(time.RFC3339), "completed_at": day.Add(9*time.Hour + 20*time.Minute).Format(time.RFC3339),
			"device_id": "tab-reint", "data": data}
	}
	return out
}

// TestSecondSurveyThroughThePipeline: the reint survey, a returnee follow-up with its own
// fields, design and catalog, is installed from its XLSForm and goes through every door with
// no code that knows it: its typed columns and member rows come from the roles its settings
// declare, dedup finds a resend, the same answers under a new id and a second interview of
// the same household, supervisors approve, the indicators are the weighted proportions of the
// approved answers (by version, by round, SDMX TIME_PERIOD the round's year), the export has
// its repeat and no personal data or recorded GPS for an analyst, and ODK Collect lists the
// form and submits to it.
func TestSecondSurveyThroughThePipeline(t *testing.T) {
	s := newServer(t)
	def, err := xlsform.ToJSONFile(schemas.ReintWorkbook, "reint.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hooks.InstallSurvey(s.App, def); err != nil {
		t.Fatalf("install reint: %v", err)
	}

	// Push.
	hh := reintHouseholds(120, 18)
	ids := exPush(t, s, "enumA1", hh)
	if n := s.number(t, "SELECT COUNT(*) FROM submissions WHERE form_id = 'reint' AND version = 1 AND status = 'received'"); n != 120 {
		t.Fatalf("%d of the 120 valid households stored as received", n)
	}
	// Typed columns from the declared roles.
	var row struct {
		PSU      int     `db:"a_psu"`
		Dwelling int     `db:"a_dwelling"`
		Stratum  string  `db:"a_stratum"`
		Weight   float64 `db:"a_weight"`
		Date     string  `db:"a_date"`
		Lat      float64 `db:"lat"`
		HeadKey  string  `db:"head_key"`
		Size     int     `db:"hh_size"`
		Roster   string  `db:"roster_sig"`
		Facts    string  `db:"facts"`
	}
	first := hh[5]["data"].(map[string]any)
	if err := s.App.DB().NewQuery("SELECT a_psu, a_dwelling, a_stratum, a_weight, a_date, lat, head_key, hh_size, roster_sig, facts FROM submissions WHERE id = {:id}").
		Bind(dbx.Params{"id": ids[5]}).One(&row); err != nil {
		t.Fatal(err)
	}
	if row.PSU != first["r_cluster"] || row.Dwelling != first["r_hh"] || row.Stratum != first["r_zone"] || row.Weight != first["r_wt"] ||
		row.Date != first["r_day"] || row.Lat != first["r_point"].(map[string]any)["lat"] || row.HeadKey == "" ||
		row.Size != first["r_count"] || strings.Count(row.Roster, ":") != first["r_count"] || !strings.Contains(row.Facts, "|2027|") {
		t.Fatalf("typed columns %+v from %v", row, first)
	}
	var members []struct {
		Line int     `db:"line"`
		Sex  string  `db:"sex"`
		Age  float64 `db:"age"`
	}
	if err := s.App.DB().NewQuery("SELECT line, b_sex AS sex, b_age AS age FROM members WHERE submission = {:id} ORDER BY line").
		Bind(dbx.Params{"id": ids[5]}).All(&members); err != nil {
		t.Fatal(err)
	}
	rows := first["returnees"].([]any)
	if len(members) != len(rows) {
		t.Fatalf("%d member rows for %d returnees", len(members), len(rows))
	}
	for i, m := range members {
		want := rows[i].(map[string]any)
		if m.Line != i+1 || m.Sex != want["rt_sex"] || m.Age != float64(want["rt_age"].(int)) {
			t.Errorf("member row %d: %+v, answers %v", i, m, want)
		}
	}

	// Dedup: a resend, the same answers under a new id, another interview of household 1/1.
	again := clone(t, hh[0])
	again["id"] = uuid.NewString()
	other := reintHouseholds(1, 99)[0]
	other["data"].(map[string]any)["r_cluster"], other["data"].(map[string]any)["r_hh"] = 1, 1
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(hh[1], again))
	res := results(t, body)
	if code != 200 || res[0]["outcome"] != "exists" || res[1]["status"] != "duplicate" || res[1]["duplicate_of"] != hh[0]["id"] {
		t.Fatalf("resend and same content: %d %v", code, res)
	}
	code, body = s.do("POST", "/api/sync/push", "enumA2", push(other))
	res = results(t, body)
	var flags string
	s.App.DB().NewQuery("SELECT flags FROM submissions WHERE id = {:id}").Bind(dbx.Params{"id": res[0]["record"]}).Row(&flags)
	if code != 200 || res[0]["status"] != "flagged" || !strings.Contains(flags, "same household key (psu 1, dwelling 1)") || !strings.Contains(flags, ids[0]) {
		t.Fatalf("a second interview of cluster 1 household 1: %d %v, stored flags %s", code, res, flags)
	}

	// Review: the supervisor approves the first 100; the flagged one is rejected.
	exReview(t, s, "supA", "approve", ids[:100])
	exReview(t, s, "supA", "reject", []string{res[0]["record"].(string)})

	// Indicators: the weighted proportions over the approved households, by hand.
	var w, wy, wm, wmy [3]float64 // RI2 overall; RI1 overall, M, F
	for _, h := range hh[:100] {
		d := h["data"].(map[string]any)
		wt := d["r_wt"].(float64)
		w[0] += wt
		if d["r_debt"] == "yes" {
			wy[0] += wt
		}
		for _, r := range d["returnees"].([]any) {
			p := r.(map[string]any)
			sex, _ := strconv.Atoi(p["rt_sex"].(string))
			for _, k := range []int{0, sex} {
				wm[k] += wt
				if p["rt_work"] == "yes" {
					wmy[k] += wt
				}
			}
		}
	}
	cells := reintCells(t, s, "survey=reint&by=SEX&precision=full")
	near := func(what string, got any, want float64) {
		t.Helper()
		if g, ok := got.(float64); !ok || math.Abs(g-want) > 1e-9 {
			t.Errorf("%s: %v, want %.10f", what, got, want)
		}
	}
	near("RI2 _T", cells["RI2/_T"]["estimate"], 100*wy[0]/w[0])
	near("RI1 _T", cells["RI1/_T"]["estimate"], 100*wmy[0]/wm[0])
	near("RI1 M", cells["RI1/M"]["estimate"], 100*wmy[1]/wm[1])
	near("RI1 F", cells["RI1/F"]["estimate"], 100*wmy[2]/wm[2])
	if cells["RI2/_T"]["n_unweighted"] != 100.0 {
		t.Errorf("RI2 counts %v households, want the 100 approved", cells["RI2/_T"]["n_unweighted"])
	}
	// One version, one round: the same households here.
	for _, q := range []string{"version=1", "round=2027", "version=all"} {
		if c := reintCells(t, s, "survey=reint&by=SEX&precision=full&"+q); c["RI2/_T"]["estimate"] != cells["RI2/_T"]["estimate"] {
			t.Errorf("%s: RI2 %v, want %v", q, c["RI2/_T"]["estimate"], cells["RI2/_T"]["estimate"])
		}
	}
	for q, want := range map[string]string{"version=2": `reint has no version \"2\" (versions: 1; or version=all)`,
		"round=2026": `reint has no round \"2026\" (rounds: 2027)`} {
		if c, _, b := s.get(t, "/api/indicators?survey=reint&"+q, "analyst"); c != 404 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %s", q, c, b)
		}
	}
	c, _, sdmx := s.get(t, "/api/indicators?survey=reint&by=REGION&format=sdmx&round=2027", "analyst")
	recs, err := csv.NewReader(bytes.NewReader(sdmx)).ReadAll()
	if c != 200 || err != nil || len(recs) < 2 {
		t.Fatalf("SDMX: %d %v %s", c, err, sdmx)
	}
	for _, r := range recs[1:] {
		if r[14] != "2027" || r[6] != "NPL" || (r[5] != "RI1" && r[5] != "RI2") {
			t.Fatalf("SDMX row %v (want TIME_PERIOD 2027, REF_AREA NPL)", r)
		}
	}
	if c, _, b := s.get(t, "/api/indicators/gaps?survey=reint&by=SEX&round=2027", "analyst"); c != 200 || !bytes.Contains(b, []byte(`"RI1"`)) {
		t.Errorf("gaps by round: %d %.300s", c, b)
	}

	// Export: one households file and one returnees file, with the version column; no names
	// and no recorded point for an analyst without personal-data access.
	x, _ := exportOK(t, s, "analyst", "survey=reint")
	if len(x.rows["households.csv"]) != 100 || x.rows["households.csv"][0]["version"] != "1" {
		t.Fatalf("households.csv: %d rows, %v", len(x.rows["households.csv"]), x.rows["households.csv"][0])
	}
	round := false
	for _, r := range x.rows["codebook.csv"] {
		round = round || (r["file"] == "households.csv" && r["variable"] == "version" && r["type"] == "choice" && r["list"] == "round" && r["value"] == "1" && r["value_label"] == "round 2027")
	}
	if !round {
		t.Error("the codebook does not say that version 1 is round 2027")
	}
	returnees := 0
	for _, h := range hh[:100] {
		returnees += len(h["data"].(map[string]any)["returnees"].([]any))
	}
	if len(x.rows["returnees.csv"]) != returnees {
		t.Fatalf("returnees.csv: %d rows, want %d", len(x.rows["returnees.csv"]), returnees)
	}
	for _, hdr := range [][]string{x.header["households.csv"], x.header["returnees.csv"]} {
		for _, col := range hdr {
			if col == "r_respondent" || col == "rt_name" {
				t.Errorf("an analyst's export has the personal column %s", col)
			}
		}
	}
	recorded := map[string]bool{}
	for _, h := range hh {
		pt := h["data"].(map[string]any)["r_point"].(map[string]any)
		recorded[fmt.Sprint(pt["lat"], pt["lon"])] = true
	}
	for _, r := range x.rows["households.csv"] {
		if recorded[r["r_point_lat"]+" "+r["r_point_lon"]] || r["r_point_accuracy"] != "" {
			t.Fatalf("an analyst's export has a recorded GPS point: %v", r)
		}
	}

	// OpenRosa: Collect lists reint and submits a household to it.
	tok := appToken(t, s, fx.enumA1)
	base := s.URL + "/openrosa/key/" + tok
	a := orRequest(t, "GET", base+"/formList?formID=reint", nil, "", nil)
	var fl formList
	if err := xml.Unmarshal(a.body, &fl); err != nil || len(fl.Forms) != 1 || fl.Forms[0].FormID != "reint" {
		t.Fatalf("formList: %d %v %s", a.status, err, a.body)
	}
	if d := orRequest(t, "GET", fl.Forms[0].DownloadURL, nil, "", nil); d.status != 200 || !bytes.Contains(d.body, []byte("rt_sex")) {
		t.Fatalf("form download: %d %.200s", d.status, d.body)
	}
	sv, err := form.Load(def)
	if err != nil {
		t.Fatal(err)
	}
	env := reintHouseholds(1, 5)[0]
	env["data"].(map[string]any)["r_cluster"] = 77
	var envJSON map[string]any
	b, _ := json.Marshal(env)
	json.Unmarshal(b, &envJSON)
	mp, ct := multipartBody(t, xform.InstanceXML(sv, envJSON), nil, false)
	if a := orRequest(t, "POST", base+"/submission?deviceID=collect%3Areint", mp, ct, nil); a.status != http.StatusCreated {
		t.Fatalf("OpenRosa submission: %d %s", a.status, a.body)
	}
	var n, m int
	s.App.DB().NewQuery("SELECT COUNT(*) FROM submissions WHERE form_id = 'reint' AND a_psu = 77 AND status = 'received'").Row(&n)
	s.App.DB().NewQuery("SELECT COUNT(*) FROM members r JOIN submissions s ON s.id = r.submission WHERE s.a_psu = 77 AND s.form_id = 'reint'").Row(&m)
	if n != 1 || m != len(env["data"].(map[string]any)["returnees"].([]any)) {
		t.Fatalf("the OpenRosa submission: %d households with cluster 77, %d member rows", n, m)
	}
}

// reintCells gets indicators as an analyst, by "ID/code" of the first dimension (or _T).
func reintCells(t *testing.T, s *server, query string) map[string]map[string]any {
	t.Helper()
	c, _, b := s.get(t, "/api/indicators?"+query, "analyst")
	var out struct {
		Cells []map[string]any `json:"cells"`
	}
	if c != 200 || json.Unmarshal(b, &out) != nil || len(out.Cells) == 0 {
		t.Fatalf("indicators %s: %d %.300s", query, c, b)
	}
	cells := map[string]map[string]any{}
	for _, cell := range out.Cells {
		code := "_T"
		for _, v := range cell["dims"].(map[string]any) {
			code = v.(string)
		}
		cells[cell["indicator"].(string)+"/"+code] = cell
	}
	return cells
}
