package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func consoleItems(t *testing.T, body map[string]any) []map[string]any {
	t.Helper()
	raw, ok := body["items"].([]any)
	if !ok {
		t.Fatalf("no items: %v", body)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

// The app is served at /, an unknown API path stays a JSON 404.
func TestConsoleServesApp(t *testing.T) {
	s := newServer(t)
	code, _, body := s.get(t, "/", "")
	if code != 200 || !strings.Contains(string(body), `<script type="module" src="/app/main.js">`) {
		t.Fatalf("GET /: %d %.200s", code, body)
	}
	code, _, body = s.get(t, "/app/main.js", "")
	if code != 200 || !strings.Contains(string(body), "render(") {
		t.Fatalf("GET /app/main.js: %d", code)
	}
	code, raw := s.doRaw("GET", "/api/no/such/route", "", nil)
	if code != 404 || !strings.Contains(string(raw), `"status":404`) {
		t.Fatalf("GET /api/no/such/route: %d %.200s", code, raw)
	}
}

// Each role sees its own households: a supervisor their team's, an analyst approved ones
// without personal answers, an enumerator none; another team's household reads as absent.
func TestConsoleScope(t *testing.T) {
	s := newServer(t)
	idA := submissionIn(t, s, "received", 11)
	hhB := households(t, 1, 12)[0]
	idB, _ := pushOne(t, s, "enumB1", hhB)
	code, body := s.do("GET", "/api/console/submissions", "supA", nil)
	if code != 200 {
		t.Fatalf("list: %d %v", code, body)
	}
	for _, r := range consoleItems(t, body) {
		if r["team"] != fx.teamA {
			t.Errorf("supA's list holds a household of team %v", r["team"])
		}
	}
	code, other := s.do("GET", "/api/console/submissions/"+idB, "supA", nil)
	code2, none := s.do("GET", "/api/console/submissions/nosuchrecord00", "supA", nil)
	if code != 404 || code2 != 404 || strings.ReplaceAll(fmt.Sprint(other["message"]), idB, "X") != strings.ReplaceAll(fmt.Sprint(none["message"]), "nosuchrecord00", "X") {
		t.Fatalf("another team's household: %d %v; a missing one: %d %v", code, other, code2, none)
	}
	if code, _ := s.do("GET", "/api/console/compare?a="+idA+"&b="+idB, "supA", nil); code != 404 {
		t.Errorf("compare with another team's household: %d, want 404", code)
	}
	if code, _ := s.do("GET", "/api/console/submissions", "enumA1", nil); code != 403 {
		t.Errorf("an enumerator lists the console: %d, want 403", code)
	}
	// The analyst: not before approval, then without names or GPS.
	if code, _ := s.do("GET", "/api/console/submissions/"+idA, "analyst", nil); code != 404 {
		t.Errorf("an analyst opens a household not approved: %d", code)
	}
	if code, body := reviewAs(s, "supA", idA, map[string]any{"action": "approve"}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	code, raw := s.doRaw("GET", "/api/console/submissions/"+idA, "analyst", nil)
	if code != 200 {
		t.Fatalf("analyst view: %d %s", code, raw)
	}
	rec, _ := s.App.FindRecordById("submissions", idA)
	var pii map[string]any
	json.Unmarshal([]byte(rec.GetString("pii")), &pii)
	head, _ := pii["a_head_name"].(string)
	if head == "" || strings.Contains(string(raw), head) {
		t.Errorf("the analyst's household view holds the head's name %q", head)
	}
	if lat := fmt.Sprint(rec.GetFloat("lat")); strings.Contains(string(raw), lat) {
		t.Errorf("the analyst's household view holds the latitude %s", lat)
	}
	code, raw = s.doRaw("GET", "/api/console/submissions/"+idA, "supA", nil)
	if code != 200 || !strings.Contains(string(raw), head) {
		t.Errorf("the supervisor's view lacks the head's name: %d", code)
	}
	// Labels, not codes: the first member's sex is "Male" or "Female".
	var view struct {
		Repeats []struct {
			Name string
			Rows [][]struct{ Name, Display string }
		}
	}
	json.Unmarshal(raw, &view)
	found := false
	for _, r := range view.Repeats {
		for _, row := range r.Rows {
			for _, c := range row {
				if c.Name == "b_sex" {
					found = true
					if c.Display != "Male" && c.Display != "Female" {
						t.Errorf("b_sex shows %q", c.Display)
					}
				}
			}
		}
	}
	if !found {
		t.Error("no b_sex in the roster view")
	}
}

// Bad filters are a 400 naming the value.
func TestConsoleFilterErrors(t *testing.T) {
	s := newServer(t)
	for q, want := range map[string]string{
		"status=done": `status "done"`, "sort=name": `sort "name"`, "psu=abc": `psu "abc"`,
		"from=2026-13": `from "2026-13"`, "per=1000": "per must be", "flag=odd": `flag "odd"`, "problems=x": `problems "x"`,
	} {
		code, body := s.do("GET", "/api/console/submissions?"+q, "supA", nil)
		if code != 400 || !strings.Contains(strings.ToLower(fmt.Sprint(body["message"])), want) {
			t.Errorf("%s: %d %v (want 400 naming %s)", q, code, body["message"], want)
		}
	}
	// Filters that narrow: by key, by problems, and counts per status beside them.
	env := households(t, 1, 21)[0]
	d := data(env)
	d["a_psu"], d["a_dwelling"] = 777, 5
	id, _ := pushOne(t, s, "enumA1", env)
	code, body := s.do("GET", "/api/console/submissions?q="+url.QueryEscape("777/5"), "supA", nil)
	items := consoleItems(t, body)
	if code != 200 || len(items) != 1 || items[0]["id"] != id {
		t.Fatalf("search 777/5: %d %v", code, body)
	}
}

// A rejection with question comments: a comment on something that is not a question is
// refused and nothing changes; then the pull carries the note and the comments with their paths.
func TestConsoleRejectComments(t *testing.T) {
	s := newServer(t)
	id := submissionIn(t, s, "received", 31)
	code, body := s.do("POST", "/api/console/submissions/"+id+"/reject", "supA", map[string]any{"note": "Check ages",
		"comments": []any{map[string]any{"path": "members[0].b_age", "text": "too young"}, map[string]any{"path": "nope", "text": "x"}}})
	if code != 400 || !strings.Contains(fmt.Sprint(body["message"]), `"nope" is not a question`) {
		t.Fatalf("bad path: %d %v", code, body)
	}
	if st := count(t, s, "submissions", "id = '"+id+"' AND status = 'received'"); st != 1 || count(t, s, "question_comments", "") != 0 {
		t.Fatal("a refused rejection changed something")
	}
	if code, _ := s.do("POST", "/api/console/submissions/"+id+"/reject", "supB", map[string]any{"note": "x"}); code != 404 {
		t.Errorf("another team's supervisor rejects: %d", code)
	}
	if code, body := s.do("POST", "/api/console/submissions/"+id+"/reject", "supA", map[string]any{"comments": []any{}}); code != 400 {
		t.Errorf("rejection without a note: %d %v", code, body)
	}
	code, body = s.do("POST", "/api/console/submissions/"+id+"/reject", "supA", map[string]any{"note": "Check ages",
		"comments": []any{map[string]any{"path": "members[0].b_age", "text": "too young for the head"}, map[string]any{"path": "a_date", "text": "date?"}}})
	if code != 200 || body["status"] != "rejected" {
		t.Fatalf("reject: %d %v", code, body)
	}
	code, pull := s.do("GET", "/api/sync/pull?limit=1000", "enumA1", nil)
	if code != 200 {
		t.Fatal(code)
	}
	var got map[string]any
	for _, d := range pull["decisions"].([]any) {
		if dm := d.(map[string]any); dm["record"] == id {
			got = dm
		}
	}
	b, _ := json.Marshal(got["comments"])
	if got == nil || got["note"] != "Check ages" || !strings.Contains(string(b), `"path":"members[0].b_age"`) ||
		!strings.Contains(string(b), `"label":"Household members 1 · Age in completed years"`) || !strings.Contains(string(b), `"path":"a_date"`) {
		t.Fatalf("pulled decision: %v comments %s", got, b)
	}
	// The household view lists them, and the audit has the decision.
	_, view := s.do("GET", "/api/console/submissions/"+id, "supA", nil)
	if c, _ := view["comments"].([]any); len(c) != 2 {
		t.Errorf("household view comments: %v", view["comments"])
	}
}

// The assignment CSV: every bad row named, the good ones created (and pulled by the device).
func TestConsoleImportAssignments(t *testing.T) {
	s := newServer(t)
	csv := "psu,dwelling,enumerator,weight\n" +
		"301,1,enumA1@example.org,10\n" + // ok
		"301,2,enumB1@example.org,10\n" + // other team
		"abc,3,enumA1,10\n" + // bad psu
		"301,1,enumA2,10\n" + // twice in the file
		"101,1,enumA2,10\n" + // already assigned in the fixture
		"301,4,supA,10\n" + // not an enumerator
		"301,5,enumA2,-1\n" + // bad weight
		"301,6,enumA2,\n" // ok
	req := map[string]any{"survey": "mhs", "csv": csv}
	code, prev := s.do("POST", "/api/console/assignments/import", "supA", req)
	if code != 200 || prev["valid"] != 2.0 || prev["invalid"] != 6.0 || count(t, s, "assignments", "a_psu = 301") != 0 {
		t.Fatalf("preview: %d valid %v invalid %v rows %v", code, prev["valid"], prev["invalid"], prev["rows"])
	}
	wantErr := map[float64]string{3: `"enumB1@example.org" is not an enumerator of your team`, 4: `psu "abc"`, 5: "also on line 2",
		6: "already assigned", 7: `"supA" is not an enumerator of your team`, 8: `weight "-1"`}
	for _, r := range prev["rows"].([]any) {
		row := r.(map[string]any)
		line := row["line"].(float64)
		if w, bad := wantErr[line]; bad != (row["ok"] == false) || bad && !strings.Contains(fmt.Sprint(row["error"]), w) {
			t.Errorf("line %v: ok %v error %v (want %q)", line, row["ok"], row["error"], w)
		}
	}
	req["commit"] = true
	code, done := s.do("POST", "/api/console/assignments/import", "supA", req)
	if code != 200 || done["created"] != 2.0 || count(t, s, "assignments", "a_psu = 301") != 2 {
		t.Fatalf("commit: %d %v", code, done["created"])
	}
	_, pull := s.do("GET", "/api/sync/pull?limit=1000", "enumA1", nil)
	if !strings.Contains(fmt.Sprint(pull["assignments"]), "a_psu:301") {
		t.Errorf("the enumerator's pull lacks the imported assignment: %v", pull["assignments"])
	}
	if code, body := s.do("POST", "/api/console/assignments/import", "supA", map[string]any{"csv": "psu,house\n1,2\n"}); code != 400 || !strings.Contains(fmt.Sprint(body["message"]), `"house"`) {
		t.Errorf("unknown column: %d %v", code, body)
	}
}

// Progress counts an assignment's household once received, approved once approved.
func TestConsoleProgress(t *testing.T) {
	s := newServer(t)
	get := func() map[string]any {
		code, body := s.do("GET", "/api/console/progress", "supA", nil)
		if code != 200 {
			t.Fatalf("progress: %d %v", code, body)
		}
		for _, r := range body["by_psu"].([]any) {
			if m := r.(map[string]any); m["key"] == "101" {
				return m
			}
		}
		t.Fatalf("no PSU 101: %v", body)
		return nil
	}
	if p := get(); p["assigned"] != 1.0 || p["received"] != 0.0 || p["outstanding"] != 1.0 {
		t.Fatalf("before: %v", p)
	}
	env := households(t, 1, 41)[0]
	d := data(env)
	d["a_psu"], d["a_dwelling"] = 101, 1
	id, _ := pushOne(t, s, "enumA1", env)
	if p := get(); p["received"] != 1.0 || p["outstanding"] != 0.0 || p["approved"] != 0.0 {
		t.Fatalf("after the push: %v", p)
	}
	if code, body := reviewAs(s, "supA", id, map[string]any{"action": "approve"}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	if p := get(); p["approved"] != 1.0 {
		t.Fatalf("after approval: %v", p)
	}
	if code, _ := s.do("GET", "/api/console/progress?team="+fx.teamB, "supA", nil); code != 404 {
		t.Errorf("another team's progress: %d", code)
	}
}

// Approving a filter decides every household it shows that can be approved, and only those.
func TestConsoleApproveFilter(t *testing.T) {
	s := newServer(t)
	a := submissionIn(t, s, "received", 51)
	b := submissionIn(t, s, "received", 52)
	other, _ := pushOne(t, s, "enumB1", households(t, 1, 53)[0])
	code, body := s.do("POST", "/api/console/review/filter", "supA", map[string]any{"action": "approve", "filter": map[string]any{"status": "received"}})
	if code != 200 || body["done"].(float64) < 2 || body["failed"] != 0.0 {
		t.Fatalf("approve filter: %d %v", code, body)
	}
	if count(t, s, "submissions", fmt.Sprintf("id IN ('%s', '%s') AND status = 'approved'", a, b)) != 2 ||
		count(t, s, "submissions", "id = '"+other+"' AND status = 'approved'") != 0 {
		t.Fatal("the filter approved the wrong households")
	}
	if code, _ := s.do("POST", "/api/console/review/filter", "analyst", map[string]any{"action": "approve"}); code != 403 {
		t.Errorf("an analyst approves a filter: %d", code)
	}
}
