package form

import (
	"testing"

	"fieldbase/schemas"
)

func loadMHS(t testing.TB) *Survey {
	t.Helper()
	s, err := Load(schemas.MHS)
	if err != nil {
		t.Fatalf("load mhs.json: %v", err)
	}
	return s
}

func TestLoadMHS(t *testing.T) {
	s := loadMHS(t)
	if s.FormID != "mhs" || s.Version != 1 || s.Settings.FieldworkStart != "2026-10-01" || s.Settings.Country != "NPL" {
		t.Errorf("settings: %+v", s.Settings)
	}
}
