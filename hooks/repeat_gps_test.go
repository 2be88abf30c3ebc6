package hooks_test

import (
	"net/url"
	"strconv"
	"testing"

	"fieldbase/dedup"
)

// TestRepeatGPSDisplaced: a GPS answer inside a repeat (here a member's workplace) is, like
// the household's, the PSU's displaced point for every reader who may not see the recorded
// GPS (an analyst without personal-data access), on every door: the submission's answers
// in the record API, the member row's, and the microdata export's members.csv. Readers who
// may see it get it as recorded.
func TestRepeatGPSDisplaced(t *testing.T) {
	s := newServer(t)
	installMHSWith(t, s, "mhsgeo",
		[]any{map[string]any{"type": "geopoint", "name": "b_work_gps", "label": "Where the member works"}}, nil)
	var h map[string]any
	for _, c := range households(t, 20, 4545) {
		if _, ok := data(c)["a_gps"].(map[string]any); ok && len(asList(data(c)["members"])) > 0 {
			h = c
			break
		}
	}
	if h == nil {
		t.Fatal("no synthetic household with GPS and members")
	}
	h["survey"] = "mhsgeo"
	work := map[string]any{"lat": 27.123456, "lon": 85.654321, "accuracy": 4.0}
	data(h)["members"].([]any)[0].(map[string]any)["b_work_gps"] = work
	id, _ := pushOne(t, s, "enumA1", h)
	if code, body := reviewAs(s, "supA", id, map[string]any{"action": "approve"}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	recorded := func(v any) bool {
		m, _ := v.(map[string]any)
		return m != nil && m["lat"] == work["lat"] && m["lon"] == work["lon"]
	}
	for who, may := range map[string]bool{"analyst": false, "analystPII": true, "supA": true, "superuser": true} {
		code, rec := s.do("GET", "/api/collections/submissions/records/"+id, who, nil)
		if code != 200 {
			t.Fatalf("%s: %d %v", who, code, rec)
		}
		got := asList(rec["data"].(map[string]any)["members"])[0].(map[string]any)["b_work_gps"]
		if recorded(got) != may {
			t.Errorf("%s reads the submission's member GPS as %v (may see the recorded one: %v)", who, got, may)
		}
		if !may {
			// the PSU's point, the one the household's own GPS became
			m, _ := got.(map[string]any)
			if m == nil || m["lat"] != rec["lat"] || m["lon"] != rec["lon"] {
				t.Errorf("%s: member GPS %v, the household's displaced point %v %v", who, got, rec["lat"], rec["lon"])
			}
		}
		code, body := s.do("GET", "/api/collections/members/records?sort=pos&filter="+url.QueryEscape("submission = '"+id+"'"), who, nil)
		if code != 200 || len(asList(body["items"])) == 0 {
			t.Fatalf("%s members: %d %v", who, code, body)
		}
		row := asList(body["items"])[0].(map[string]any)["data"].(map[string]any)
		if recorded(row["b_work_gps"]) != may {
			t.Errorf("%s reads the member row's GPS as %v (may see the recorded one: %v)", who, row["b_work_gps"], may)
		}
	}
	x, _ := exportOK(t, s, "analyst", "survey=mhsgeo")
	rows := x.rows["members.csv"]
	if len(rows) == 0 {
		t.Fatal("no members.csv rows")
	}
	found := false
	for _, r := range rows {
		if r["b_work_gps_lat"] == "" {
			continue
		}
		found = true
		lat, _ := strconv.ParseFloat(r["b_work_gps_lat"], 64)
		lon, _ := strconv.ParseFloat(r["b_work_gps_lon"], 64)
		if dedup.Distance(lat, lon, work["lat"].(float64), work["lon"].(float64)) < 1 || r["b_work_gps_accuracy"] != "" {
			t.Errorf("the analyst's export has the member GPS %s %s (accuracy %q), recorded %v", r["b_work_gps_lat"], r["b_work_gps_lon"], r["b_work_gps_accuracy"], work)
		}
	}
	if !found {
		t.Error("the analyst's members.csv has no b_work_gps at all: the check proves nothing")
	}
	x, _ = exportOK(t, s, "analystPII", "survey=mhsgeo&pii=1")
	if r := x.rows["members.csv"][0]; r["b_work_gps_lat"] != strconv.FormatFloat(work["lat"].(float64), 'f', -1, 64) {
		t.Errorf("analystPII's export: member GPS %q, recorded %v", r["b_work_gps_lat"], work["lat"])
	}
}
