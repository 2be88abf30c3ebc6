package hooks_test

import (
	"testing"
	"time"
)

// TestReviewSummary checks the supervisor's figures against households with known
// interview times, statuses and devices.
func TestReviewSummary(t *testing.T) {
	s := newServer(t)
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hh := households(t, 4, 51)
	for i, minutes := range []int{20, 40, 60} { // enumA1: median 40 min
		hh[i]["started_at"] = start.Format(time.RFC3339)
		hh[i]["completed_at"] = start.Add(time.Duration(minutes) * time.Minute).Format(time.RFC3339)
	}
	body := push(hh[0], hh[1], hh[2])
	body["device_id"] = "tab-A1"
	if code, res := s.do("POST", "/api/sync/push", "enumA1", body); code != 200 {
		t.Fatal(res)
	}
	hh[3]["started_at"] = start.Format(time.RFC3339)
	hh[3]["completed_at"] = start.Add(100 * time.Minute).Format(time.RFC3339)
	b2 := push(hh[3])
	b2["device_id"] = "tab-A2"
	s.do("POST", "/api/sync/push", "enumA2", b2)
	// one approved, one rejected
	recs, _ := s.App.FindRecordsByFilter("submissions", "enumerator = {:e}", "created", 0, 0, map[string]any{"e": fx.enumA1})
	reviewAs(s, "supA", recs[0].Id, map[string]any{"action": "approve"})
	reviewAs(s, "supA", recs[1].Id, map[string]any{"action": "reject", "note": "redo"})

	code, sum := s.do("GET", "/api/review/summary?team="+fx.teamA, "supA", nil)
	if code != 200 {
		t.Fatalf("summary: %d %v", code, sum)
	}
	if sum["total"] != 4.0 {
		t.Errorf("total %v, want 4", sum["total"])
	}
	by := sum["by_status"].(map[string]any)
	if by["approved"] != 1.0 || by["rejected"] != 1.0 {
		t.Errorf("by_status %v", by)
	}
	// durations 20, 40, 60, 100 min: median 50 min
	if sum["median_duration_s"] != 3000.0 {
		t.Errorf("median_duration_s %v, want 3000", sum["median_duration_s"])
	}
	flagged, _ := by["flagged"].(float64)
	if got := sum["share_flagged"].(float64); got != flagged/4 {
		t.Errorf("share_flagged %v, want %v", got, flagged/4)
	}
	enums := sum["by_enumerator"].([]any)
	totals := map[string]float64{}
	for _, e := range enums {
		m := e.(map[string]any)
		totals[m["enumerator"].(string)] = m["total"].(float64)
	}
	if totals[fx.enumA1] != 3 || totals[fx.enumA2] != 1 {
		t.Errorf("by_enumerator %v", totals)
	}
	devices := map[string]bool{}
	for _, d := range sum["devices"].([]any) {
		m := d.(map[string]any)
		if m["last_push"] == "" {
			t.Errorf("device without last push: %v", m)
		}
		devices[m["device_id"].(string)] = true
	}
	if !devices["tab-A1"] || !devices["tab-A2"] || len(devices) != 2 {
		t.Errorf("devices %v", devices)
	}
	if code, _ := s.do("GET", "/api/review/summary?team="+fx.teamA, "supB", nil); code != 404 {
		t.Errorf("supB on team A's summary: %d", code)
	}
}
