package hooks_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
)

// piiFixture pushes approved households for team A and returns the names in them.
func piiFixture(t *testing.T, s *server, n int, seed int64) (heads, members []string) {
	t.Helper()
	for _, h := range households(t, n, seed) {
		if name, ok := data(h)["a_head_name"].(string); ok {
			heads = append(heads, name)
		}
		rows, _ := data(h)["members"].([]any) // none when consent was refused
		for _, m := range rows {
			if name, ok := m.(map[string]any)["b_name"].(string); ok {
				members = append(members, name)
			}
		}
		id, _ := pushOne(t, s, "enumA1", h)
		if code, body := reviewAs(s, "supA", id, map[string]any{"action": "approve"}); code != 200 {
			t.Fatalf("approve: %d %v", code, body)
		}
	}
	if len(heads) == 0 || len(members) == 0 {
		t.Fatal("no names in the synthetic households")
	}
	return heads, members
}

// leaks returns the names found in text.
func leaks(text string, names ...[]string) []string {
	var out []string
	for _, list := range names {
		for _, n := range list {
			if n != "" && strings.Contains(text, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// TestPIINotSearchable: a caller who may not read the sensitive answers cannot learn them by
// filtering or sorting on them either (the count of a filter on a name is an oracle). pii is
// a hidden field, so only superusers filter or sort by it, whoever else may read it.
func TestPIINotSearchable(t *testing.T) {
	s := newServer(t)
	heads, members := piiFixture(t, s, 2, 931)
	head, member := heads[0], members[0]
	probes := []struct{ col, expr string }{
		{"submissions", "pii.a_head_name = '%s'"},
		{"submissions", "pii ~ '%s'"},
		{"submissions", "pii.members.b_name ?= '%s'"},
		{"members", "pii.b_name = '%s'"},
		{"members", "pii ~ '%s'"},
		{"members", "submission.pii.a_head_name = '%s'"},
		{"emigrants", "submission.pii.a_head_name = '%s'"},
		{"reviews", "submission.pii.a_head_name = '%s'"},
	}
	for _, who := range []string{"analyst", "analystPII", "enumA2", "enumB1", "supB", ""} {
		for _, p := range probes {
			name := head
			if strings.Contains(p.expr, "b_name") {
				name = member
			}
			total := func(v string) string {
				code, body := s.do("GET", "/api/collections/"+p.col+"/records?filter="+url.QueryEscape(fmt.Sprintf(p.expr, v)), who, nil)
				if code != 200 {
					return fmt.Sprint("HTTP ", code)
				}
				return fmt.Sprint(body["totalItems"])
			}
			hit, miss := total(name), total("Nobody Atall")
			if hit != miss || (hit != "HTTP 400" && hit != "HTTP 403" && hit != "0") {
				t.Errorf("%q filters %s by %q: %s for the real name, %s for another", who, p.col, p.expr, hit, miss)
			}
		}
		// sorting by a name orders the rows by it: also an oracle
		if code, _ := s.do("GET", "/api/collections/submissions/records?sort=pii.a_head_name", who, nil); code == 200 && who != "" {
			t.Errorf("%q sorts submissions by the head's name", who)
		}
	}
	// superusers (the admin UI) still can
	code, body := s.do("GET", "/api/collections/submissions/records?filter="+url.QueryEscape(fmt.Sprintf("pii.a_head_name = '%s'", head)), "superuser", nil)
	if code != 200 || body["totalItems"] != 1.0 {
		t.Errorf("superuser search by name: %d %v", code, body["totalItems"])
	}
}

// TestPIIReadersAndNonReaders checks who reads the sensitive answers on every read path of
// the record API: list, view, expand from members and emigrants, and fields=.
func TestPIIReadersAndNonReaders(t *testing.T) {
	s := newServer(t)
	heads, members := piiFixture(t, s, 3, 932)
	paths := []string{
		"/api/collections/submissions/records?perPage=500",
		"/api/collections/submissions/records?perPage=500&fields=id,pii,data",
		"/api/collections/members/records?perPage=500",
		"/api/collections/members/records?perPage=500&expand=submission",
		"/api/collections/emigrants/records?perPage=500&expand=submission",
		"/api/collections/reviews/records?perPage=500&expand=submission",
	}
	for who, may := range map[string]bool{"analyst": false, "analystPII": true, "supA": true, "enumA1": true, "superuser": true, "supB": false, "enumA2": false} {
		seen := ""
		for _, p := range paths {
			code, raw := s.doRaw("GET", p, who, nil)
			if code != 200 {
				t.Errorf("%s %s: %d", who, p, code)
			}
			if l := leaks(string(raw), heads, members); len(l) > 0 && !may {
				t.Errorf("%s reads names through %s: %v", who, p, l)
			}
			seen += string(raw)
		}
		if may && len(leaks(seen, heads)) != len(heads) {
			t.Errorf("%s may read the names but does not get them", who)
		}
		// A member's pii is read from its submission (hooks/roster.go): the members list
		// itself shows every name to those who may read them.
		if _, raw := s.doRaw("GET", paths[2], who, nil); may && len(leaks(string(raw), members)) != len(members) {
			t.Errorf("%s may read the members' names but the members list shows %d of %d", who, len(leaks(string(raw), members)), len(members))
		}
	}
}

// TestPIINotInIndicatorsOrExports: indicator output and microdata exports carry no
// sensitive answer unless pii=1 is asked by someone allowed to.
func TestPIINotInIndicatorsOrExports(t *testing.T) {
	s := newServer(t)
	heads, members := piiFixture(t, s, 4, 933)
	if !routed(s, "GET", "/api/indicators") {
		t.Log("GET /api/indicators is not routed yet: indicator output not checked")
	} else {
		for _, who := range []string{"analyst", "analystPII", "supA", "superuser"} {
			for _, q := range []string{"", "?survey=mhs", "?survey=mhs&format=csv", "?survey=mhs&format=sdmx", "?survey=mhs&format=json"} {
				code, raw := s.doRaw("GET", "/api/indicators"+q, who, nil)
				if code == 200 && len(raw) == 0 {
					t.Errorf("%s /api/indicators%s: empty answer", who, q)
				}
				if l := leaks(string(raw), heads, members); len(l) > 0 {
					t.Errorf("%s: /api/indicators%s shows names: %v", who, q, l)
				}
			}
		}
	}
	if !routed(s, "GET", "/api/export/microdata") {
		t.Skip("GET /api/export/microdata is not routed yet")
	}
	for _, c := range []struct {
		who, query string
		names      bool
	}{
		{"analyst", "survey=mhs", false},
		{"analystPII", "survey=mhs", false},
		{"analystPII", "survey=mhs&pii=1", true}, // granted: may export names, audited (below)
		{"supA", "survey=mhs&status=all", false},
		{"superuser", "survey=mhs&status=all", false},
		{"superuser", "survey=mhs&status=all&pii=0", false},
		{"superuser", "survey=mhs&status=all&pii=1", true},
	} {
		code, raw := s.doRaw("GET", "/api/export/microdata?"+c.query, c.who, nil)
		if code != 200 {
			t.Errorf("%s export %s: %d %.200s", c.who, c.query, code, raw)
			continue
		}
		text, err := unzipAll(raw)
		if err != nil {
			t.Errorf("%s export %s: %v", c.who, c.query, err)
			continue
		}
		l := leaks(text, heads, members)
		if c.names && len(leaks(text, heads)) != len(heads) {
			t.Errorf("%s export %s: the names asked for are missing", c.who, c.query)
		}
		if !c.names && len(l) > 0 {
			t.Errorf("%s export %s shows names: %v", c.who, c.query, l)
		}
	}
	var audited int
	if err := s.App.DB().NewQuery("SELECT COUNT(*) FROM exports WHERE actor = {:a} AND json_extract(filter, '$.pii') = 1").
		Bind(map[string]any{"a": fx.analystPII}).Row(&audited); err != nil || audited != 1 {
		t.Errorf("the granted analyst's pii=1 export: %d audit records (%v), want 1", audited, err)
	}
	for _, who := range []string{"analyst", "supA"} {
		if code, _ := s.doRaw("GET", "/api/export/microdata?survey=mhs&pii=1", who, nil); code != 403 {
			t.Errorf("%s exports with pii=1: %d, want 403", who, code)
		}
	}
}

// routed says whether a custom route exists (PocketBase answers 404 with its own message
// for a path no route matches; the routes answer 401 to an anonymous caller).
func routed(s *server, method, path string) bool {
	code, _ := s.doRaw(method, path, "", nil)
	return code != 404
}

// unzipAll concatenates every file of a ZIP archive.
func unzipAll(raw []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return "", fmt.Errorf("not a ZIP: %w", err)
	}
	var b strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		if _, err := io.Copy(&b, rc); err != nil {
			return "", err
		}
		rc.Close()
	}
	return b.String(), nil
}
