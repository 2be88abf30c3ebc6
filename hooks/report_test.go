package hooks_test

import (
	"bytes"
	"strings"
	"testing"
)

// TestReportRoute: GET /api/report answers the migration profile as HTML, and as a PDF
// printed by Chromium; it refuses enumerators and unknown formats.
func TestReportRoute(t *testing.T) {
	s := newServer(t)
	approvedHouseholds(t, s, 60, 0)
	code, h, body := s.get(t, "/api/report?survey=mhs", "analyst")
	if code != 200 || h.Get("Content-Type") != "text/html; charset=utf-8" ||
		h.Get("Content-Disposition") != `attachment; filename="mhs-migration-profile.html"` {
		t.Fatalf("html: %d %v %.200s", code, h, body)
	}
	if !bytes.Contains(body, []byte(`data-cell="FIN1|_T|_T"`)) || !bytes.Contains(body, []byte("Recruitment costs")) {
		t.Errorf("the profile lacks its cells or areas: %.300s", body)
	}
	code, h, body = s.get(t, "/api/report?survey=mhs&format=pdf", "supA")
	if code != 200 || h.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Fatalf("pdf (needs chromium: run `bash .ci/run`): %d %s %.200s", code, h.Get("Content-Type"), body)
	}
	for _, tc := range []struct {
		who, query string
		code       int
		says       string
	}{
		{"", "survey=mhs", 401, ""},
		{"enumA1", "survey=mhs", 403, ""},
		{"analyst", "", 400, "survey"},
		{"analyst", "survey=lfs", 404, "lfs"},
		{"analyst", "survey=mhs&format=docx", 400, "docx"},
	} {
		code, _, body := s.get(t, "/api/report?"+tc.query, tc.who)
		if code != tc.code || !strings.Contains(string(body), tc.says) {
			t.Errorf("%s as %q: %d %.200s; want %d saying %q", tc.query, tc.who, code, body, tc.code, tc.says)
		}
	}
}
