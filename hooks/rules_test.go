package hooks_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestRecordAPIRules checks the API rules of pb_migrations against sync.md's role table,
// through PocketBase's own record API.
func TestRecordAPIRules(t *testing.T) {
	s := newServer(t)
	a1 := households(t, 1, 21)[0]
	a2 := households(t, 1, 22)[0]
	b1 := households(t, 1, 23)[0]
	idA1, _ := pushOne(t, s, "enumA1", a1)
	idA2, _ := pushOne(t, s, "enumA2", a2)
	idB1, _ := pushOne(t, s, "enumB1", b1)
	if code, body := reviewAs(s, "supA", idA2, map[string]any{"action": "approve"}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}

	list := func(who, col string) map[string]bool {
		t.Helper()
		code, body := s.do("GET", "/api/collections/"+col+"/records?perPage=500", who, nil)
		got := map[string]bool{}
		if code != 200 {
			got[fmt.Sprintf("HTTP %d", code)] = true
			return got
		}
		for _, it := range body["items"].([]any) {
			m := it.(map[string]any)
			if sub, ok := m["submission"].(string); ok && col != "submissions" {
				got[sub] = true
			} else {
				got[m["id"].(string)] = true
			}
		}
		return got
	}
	same := func(got map[string]bool, want ...string) bool {
		if len(got) != len(want) {
			return false
		}
		for _, w := range want {
			if !got[w] {
				return false
			}
		}
		return true
	}
	cases := []struct {
		who, col string
		want     []string
	}{
		{"enumA1", "submissions", []string{idA1}},
		{"enumA2", "submissions", []string{idA2}},
		{"supA", "submissions", []string{idA1, idA2}},
		{"supB", "submissions", []string{idB1}},
		{"analyst", "submissions", []string{idA2}},
		{"", "submissions", nil},
		{"enumA1", "members", []string{idA1}},
		{"supB", "members", []string{idB1}},
		{"analyst", "members", []string{idA2}},
		{"", "members", nil},
	}
	for _, c := range cases {
		if got := list(c.who, c.col); !same(got, c.want...) {
			t.Errorf("%s lists %s: got %v, want %v", c.who, c.col, got, c.want)
		}
	}
	// view of another's record is a 404
	if code, _ := s.do("GET", "/api/collections/submissions/records/"+idA2, "enumA1", nil); code != 404 {
		t.Errorf("enumA1 views enumA2's submission: %d", code)
	}
	if code, _ := s.do("GET", "/api/collections/submissions/records/"+idA1, "supB", nil); code != 404 {
		t.Errorf("supB views team A's submission: %d", code)
	}
	// sensitive answers: hidden from an analyst, shown to one granted, to supervisors and superusers
	name := data(a2)["a_head_name"].(string)
	for who, want := range map[string]bool{"analyst": false, "analystPII": true, "supA": true, "superuser": true} {
		code, raw := s.doRaw("GET", "/api/collections/submissions/records/"+idA2, who, nil)
		if code != 200 {
			t.Errorf("%s view: %d", who, code)
			continue
		}
		if got := strings.Contains(string(raw), name); got != want {
			t.Errorf("%s sees the head's name: %v, want %v", who, got, want)
		}
		code, raw = s.doRaw("GET", "/api/collections/members/records?filter=submission='"+idA2+"'", who, nil)
		member := data(a2)["members"].([]any)[0].(map[string]any)["b_name"].(string)
		if got := strings.Contains(string(raw), member); code != 200 || got != want {
			t.Errorf("%s sees member names: %v (HTTP %d), want %v", who, got, code, want)
		}
	}
	// writes: nobody but a superuser creates or deletes submissions through the record API
	for _, who := range []string{"enumA1", "supA", "analyst", ""} {
		if code, _ := s.do("POST", "/api/collections/submissions/records", who, map[string]any{"uuid": newID(), "form_id": "mhs", "status": "received"}); code != 403 && code != 400 {
			t.Errorf("%s creates a submission: %d", who, code)
		}
		if code, _ := s.do("DELETE", "/api/collections/submissions/records/"+idA1, who, nil); code != 403 && code != 404 {
			t.Errorf("%s deletes a submission: %d", who, code)
		}
	}
	// anonymous gets nothing anywhere
	for _, col := range []string{"teams", "users", "surveys", "assignments", "reviews", "devices", "changes", "exports"} {
		code, body := s.do("GET", "/api/collections/"+col+"/records", "", nil)
		if code == 200 && body["totalItems"] != 0.0 {
			t.Errorf("anonymous lists %s: %v", col, body["totalItems"])
		}
	}
	// an enumerator cannot make themself a supervisor
	if code, _ := s.do("PATCH", "/api/collections/users/records/"+fx.enumA1, "enumA1", map[string]any{"role": "supervisor"}); code != 404 && code != 400 && code != 403 {
		t.Errorf("enumerator changes own role: %d", code)
	}
	if u, _ := s.App.FindRecordById("users", fx.enumA1); u.GetString("role") != "enumerator" {
		t.Errorf("role changed to %s", u.GetString("role"))
	}
}

func TestMigrationsAndSurveyInstalledOnce(t *testing.T) {
	s := newServer(t)
	if n := count(t, s, "surveys", "form_id = 'mhs' AND version = 1"); n != 1 {
		t.Fatalf("mhs installed %d times", n)
	}
	// a restart runs the migrations again: nothing new is applied, the survey stays single
	if err := s.App.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "surveys", "form_id = 'mhs'"); n != 2 {
		t.Fatalf("after a second migration run: %d mhs surveys, want v1 and v2", n)
	}
	code, _ := s.do("GET", "/api/health", "", nil)
	if code != 200 {
		t.Errorf("health: %d", code)
	}
}
