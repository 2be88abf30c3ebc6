package hooks_test

import (
	"encoding/json"
	"testing"
)

// TestStoredMHSDeclaresItsDesign: mhs v1 and v2 were installed before surveys declared their
// design; the design migration adds it to their stored settings, so storage and dedup read
// the same roles as from the shipped files, and leaves the questions as they were.
func TestStoredMHSDeclaresItsDesign(t *testing.T) {
	s := newServer(t)
	for _, v := range []int{1, 2} {
		sv, ok, err := s.Srv.Surveys.Find("mhs", v)
		if err != nil || !ok {
			t.Fatalf("mhs v%d: %v %v", v, ok, err)
		}
		d := sv.Design
		if d.PSU != "a_psu" || d.Dwelling != "a_dwelling" || d.Weight != "a_weight" || d.Roster != "members" ||
			d.RosterSex != "b_sex" || d.Emigrants != "emigrants" || d.HeadName != "a_head_name" || d.RoundYear != "2026" {
			t.Fatalf("mhs v%d stored design: %+v", v, *d)
		}
		var def string
		if err := s.App.DB().NewQuery("SELECT definition FROM surveys WHERE form_id = 'mhs' AND version = {:v}").
			Bind(map[string]any{"v": v}).Row(&def); err != nil {
			t.Fatal(err)
		}
		var parsed struct {
			Settings map[string]any   `json:"settings"`
			Survey   []map[string]any `json:"survey"`
		}
		if err := json.Unmarshal([]byte(def), &parsed); err != nil {
			t.Fatal(err)
		}
		if parsed.Settings["form_id"] != "mhs" || parsed.Settings["roster_age"] != "b_age" || len(parsed.Survey) < 80 {
			t.Fatalf("mhs v%d stored definition: settings %v, %d rows", v, parsed.Settings, len(parsed.Survey))
		}
	}
}
