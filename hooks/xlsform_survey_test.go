package hooks_test

import (
	"encoding/json"
	"testing"

	"fieldbase/hooks"
)

// TestInstallXLSFormSurvey: a survey installed from an XLSForm workbook with a form_id
// pyxform accepts but the old [a-z0-9_] rule refused (RHoMIS_Core-style: capitals and '-')
// is stored, loads again from the stored definition with pyxform's rules, and takes pushes;
// a form_id the loader refuses ("a/b") is refused by the collection too.
func TestInstallXLSFormSurvey(t *testing.T) {
	s := newServer(t)
	def := mhsXLSFormDefinition(t)
	def["settings"].(map[string]any)["form_id"] = "RHoMIS_Core-2026"
	b, _ := json.Marshal(def)
	if _, err := hooks.InstallSurvey(s.App, b); err != nil {
		t.Fatalf("install: %v", err)
	}
	hh := households(t, 1, 5)[0]
	hh["survey"] = "RHoMIS_Core-2026"
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(hh))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	if r := results(t, body)[0]; r["outcome"] != "created" || (r["status"] != "received" && r["status"] != "flagged") {
		t.Fatalf("push to the XLSForm survey: %v", r)
	}
	def["settings"].(map[string]any)["form_id"] = "a/b"
	b, _ = json.Marshal(def)
	if _, err := hooks.InstallSurvey(s.App, b); err == nil {
		t.Fatal("form_id a/b installed")
	}
}
