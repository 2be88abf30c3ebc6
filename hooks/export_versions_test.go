package hooks_test

import (
	"encoding/json"
	"testing"

	"fieldbase/hooks"
)

// TestExportRoundsOfTextVersions: an older version written as text keeps its installed
// number in the export's layout, so the codebook labels version 1 with version 1's round
// (it loaded as number 0 and the label went to a version no household has).
func TestExportRoundsOfTextVersions(t *testing.T) {
	s := newServer(t)
	for _, v := range []struct{ version, round string }{{"v1", "R1"}, {"v2", "R2"}} {
		var def map[string]any
		if err := json.Unmarshal(mhsWithVersion(t, v.version), &def); err != nil {
			t.Fatal(err)
		}
		def["settings"].(map[string]any)["round"] = v.round
		b, _ := json.Marshal(def)
		if _, err := hooks.InstallSurvey(s.App, b); err != nil {
			t.Fatalf("install %s: %v", v.version, err)
		}
	}
	x, _ := exportOK(t, s, "analyst", "survey=mhs_x")
	labels := map[string]string{}
	for _, r := range x.rows["codebook.csv"] {
		if r["file"] == "households.csv" && r["variable"] == "version" && r["list"] == "round" {
			labels[r["value"]] = r["value_label"]
		}
	}
	if labels["1"] != "round R1" || labels["2"] != "round R2" {
		t.Errorf("codebook round labels of the version column: %v, want 1 → round R1 and 2 → round R2", labels)
	}
}
