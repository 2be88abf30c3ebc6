package hooks_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"fieldbase/dedup"
)

// TestRepeatGPSDisplaced: a GPS answer inside a repeat (here a member's workplace) is, like
// the household's, the PSU's displaced point for every reader who may not see the recorded
// GPS (an analyst without personal-data access), and routes and plots (geotrace, geoshape,
// at household level and in a repeat) are left out for them, on every door: the
// submission's answers in the record API, the member row's, and the microdata export's
// households.csv and members.csv. Readers who may see them get them as recorded.
func TestRepeatGPSDisplaced(t *testing.T) {
	s := newServer(t)
	installMHSWith(t, s, "mhsgeo",
		[]any{map[string]any{"type": "geopoint", "name": "b_work_gps", "label": "Where the member works"},
			map[string]any{"type": "geoshape", "name": "b_plot", "label": "The member's plot"}},
		[]any{map[string]any{"type": "geotrace", "name": "route", "label": "The way to the dwelling"}})
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
	plot := "27.1 85.1 0 5; 27.1001 85.1 0 5; 27.1001 85.1001 0 5; 27.1 85.1 0 5"
	data(h)["members"].([]any)[0].(map[string]any)["b_plot"] = plot
	route := "27.2 85.2 0 5; 27.2002 85.2003 0 5"
	data(h)["route"] = route
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
		// Routes and plots: all of it or none (no shape can be moved to the PSU's point).
		if r := rec["data"].(map[string]any)["route"]; (r == route) != may {
			t.Errorf("%s reads the route as %v (may: %v)", who, r, may)
		}
		if p := asList(rec["data"].(map[string]any)["members"])[0].(map[string]any)["b_plot"]; (p == plot) != may {
			t.Errorf("%s reads the submission's member plot as %v (may: %v)", who, p, may)
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
		if (row["b_plot"] == plot) != may {
			t.Errorf("%s reads the member row's plot as %v (may: %v)", who, row["b_plot"], may)
		}
	}
	// The console's household screen: an analyst's shows no place at all (hidden answers).
	for who, may := range map[string]bool{"analyst": false, "supA": true} {
		code, raw := s.doRaw("GET", "/api/console/submissions/"+id, who, nil)
		if code != 200 {
			t.Fatalf("%s console: %d %s", who, code, raw)
		}
		for _, place := range []string{route, plot, "27.123456"} {
			if strings.Contains(string(raw), place) != may {
				t.Errorf("%s's console screen shows %q: %v (may: %v)", who, place, !may, may)
			}
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
	for _, r := range rows {
		if r["b_plot"] != "" {
			t.Errorf("the analyst's members.csv has the plot %q", r["b_plot"])
		}
	}
	if r := x.rows["households.csv"][0]; r["route"] != "" {
		t.Errorf("the analyst's households.csv has the route %q", r["route"])
	}
	x, _ = exportOK(t, s, "analystPII", "survey=mhsgeo&pii=1")
	if r := x.rows["members.csv"][0]; r["b_work_gps_lat"] != strconv.FormatFloat(work["lat"].(float64), 'f', -1, 64) || r["b_plot"] != plot {
		t.Errorf("analystPII's export: member GPS %q and plot %q, recorded %v and %q", r["b_work_gps_lat"], r["b_plot"], work["lat"], plot)
	}
	if r := x.rows["households.csv"][0]; r["route"] != route {
		t.Errorf("analystPII's export: route %q, recorded %q", r["route"], route)
	}
}
