package hooks_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"

	"fieldbase/hooks"
)

// pullAll pages through the feed from cursor and returns the last cursor and every page.
func pullAll(t *testing.T, s *server, who, cursor string, limit int) (string, []map[string]any) {
	t.Helper()
	var pages []map[string]any
	for i := 0; i < 10000; i++ {
		code, body := s.do("GET", fmt.Sprintf("/api/sync/pull?cursor=%s&limit=%d", cursor, limit), who, nil)
		if code != 200 {
			t.Fatalf("pull: %d %v", code, body)
		}
		pages = append(pages, body)
		cursor = body["cursor"].(string)
		if body["has_more"] != true {
			return cursor, pages
		}
	}
	t.Fatal("pull never ended")
	return "", nil
}

func items(pages []map[string]any, key string) []map[string]any {
	var out []map[string]any
	for _, p := range pages {
		for _, it := range p[key].([]any) {
			out = append(out, it.(map[string]any))
		}
	}
	return out
}

func TestPullSurveysAndCursor(t *testing.T) {
	s := newServer(t)
	code, body := s.do("GET", "/api/sync/pull", "enumA1", nil)
	if code != 200 {
		t.Fatalf("pull: %d %v", code, body)
	}
	surveys := body["surveys"].([]any)
	// mhs v1 and v2 are installed: a new device gets the newest active version only.
	if len(surveys) != 1 || surveys[0].(map[string]any)["form_id"] != "mhs" || surveys[0].(map[string]any)["version"] != 2.0 {
		t.Fatalf("first pull surveys (want mhs v2 only): %.300v", surveys)
	}
	if code, _ := s.do("GET", "/api/sync/pull?cursor=abc", "enumA1", nil); code != 400 {
		t.Errorf("bad cursor: %d", code)
	}
	if code, body := s.do("GET", "/api/sync/pull?cursor=999999", "enumA1", nil); code != 409 || !strings.Contains(fmt.Sprint(body["message"]), "without a cursor") {
		t.Errorf("cursor ahead of the feed (a restore): %d %v", code, body)
	}
	if code, _ := s.do("GET", "/api/sync/pull?limit=0", "enumA1", nil); code != 400 {
		t.Errorf("bad limit: %d", code)
	}
	if code, _ := s.do("GET", "/api/sync/pull", "supA", nil); code != 403 {
		t.Errorf("supervisor pull: %d", code)
	}
	if code, _ := s.do("GET", "/api/sync/pull", "", nil); code != 401 {
		t.Errorf("anonymous pull: %d", code)
	}
}

func TestAssignmentRevocationReachesOldDevice(t *testing.T) {
	s := newServer(t)
	survey, _ := s.App.FindFirstRecordByFilter("surveys", "form_id = 'mhs'")
	code, body := s.do("POST", "/api/collections/assignments/records", "supA", map[string]any{
		"survey": survey.Id, "enumerator": fx.enumA1, "team": fx.teamA, "a_psu": 77, "a_dwelling": 3,
		"a_stratum": "R1U", "a_region": "R1", "a_urban": "U", "a_weight": 210.5,
	})
	if code != 200 {
		t.Fatalf("create assignment: %d %v", code, body)
	}
	id := body["id"].(string)
	// another team's supervisor cannot assign in team A
	if code, _ := s.do("POST", "/api/collections/assignments/records", "supB", map[string]any{
		"survey": survey.Id, "enumerator": fx.enumA1, "team": fx.teamA, "a_psu": 1, "a_dwelling": 1,
	}); code != 400 && code != 403 {
		t.Errorf("supB assigning in team A: %d", code)
	}
	cursor, pages := pullAll(t, s, "enumA1", "0", 50)
	got := items(pages, "assignments")
	if len(got) != 1 || got[0]["id"] != id || got[0]["revoked"] != false || got[0]["a_psu"] != 77.0 {
		t.Fatalf("enumA1 assignments: %v", got)
	}
	// moved to enumA2: enumA1's next pull revokes it, enumA2 gets it
	if code, body := s.do("PATCH", "/api/collections/assignments/records/"+id, "supA", map[string]any{"enumerator": fx.enumA2}); code != 200 {
		t.Fatalf("move: %d %v", code, body)
	}
	_, pages = pullAll(t, s, "enumA1", cursor, 50)
	got = items(pages, "assignments")
	if len(got) != 1 || got[0]["id"] != id || got[0]["revoked"] != true {
		t.Fatalf("enumA1 after move: %v", got)
	}
	_, pages = pullAll(t, s, "enumA2", "0", 50)
	got = items(pages, "assignments")
	if len(got) != 1 || got[0]["revoked"] != false {
		t.Fatalf("enumA2 after move: %v", got)
	}
	// a push for the assignment preloads the cover; another enumerator's push is refused
	hh := households(t, 1, 5)
	for _, k := range []string{"a_psu", "a_dwelling", "a_stratum", "a_region", "a_urban", "a_weight"} {
		delete(data(hh[0]), k)
	}
	hh[0]["assignment"] = id
	_, body = s.do("POST", "/api/sync/push", "enumA1", push(hh[0]))
	if r := results(t, body)[0]; r["outcome"] != "refused" {
		t.Fatalf("push on a moved assignment: %v", r)
	}
	_, body = s.do("POST", "/api/sync/push", "enumA2", push(hh[0]))
	r := results(t, body)[0]
	if r["outcome"] != "created" {
		t.Fatalf("push on own assignment: %v", r)
	}
	rec, err := s.App.FindRecordById("submissions", r["record"].(string))
	if err != nil || rec.GetInt("a_psu") != 77 || rec.GetFloat("a_weight") != 210.5 || rec.GetString("assignment") != id {
		t.Fatalf("cover not preloaded: %v %v", rec, err)
	}
}

// TestPullNeverSkipsConcurrentChanges pulls in a loop while other goroutines commit changes
// (assignments and review decisions); the union of all pulls must hold every change.
func TestPullNeverSkipsConcurrentChanges(t *testing.T) {
	s := newServer(t)
	survey, _ := s.App.FindFirstRecordByFilter("surveys", "form_id = 'mhs'")
	const writers, perWriter = 4, 25
	var wg sync.WaitGroup
	created := make(chan string, writers*perWriter)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				code, body := s.do("POST", "/api/collections/assignments/records", "supA", map[string]any{
					"survey": survey.Id, "enumerator": fx.enumA1, "team": fx.teamA,
					"a_psu": 1000 + w, "a_dwelling": i + 1, "a_weight": 10,
				})
				if code != 200 {
					t.Errorf("assign: %d %v", code, body)
					return
				}
				created <- body["id"].(string)
			}
		}(w)
	}
	seen := map[string]bool{}
	cursor := "0"
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	finished := false
	for !finished {
		select {
		case <-done:
			finished = true
		default:
		}
		var pages []map[string]any
		cursor, pages = pullAll(t, s, "enumA1", cursor, 7)
		for _, a := range items(pages, "assignments") {
			seen[a["id"].(string)] = true
		}
	}
	// one last pull after every writer returned
	_, pages := pullAll(t, s, "enumA1", cursor, 7)
	for _, a := range items(pages, "assignments") {
		seen[a["id"].(string)] = true
	}
	close(created)
	n := 0
	for id := range created {
		n++
		if !seen[id] {
			t.Errorf("assignment %s never reached the device", id)
		}
	}
	if n != writers*perWriter {
		t.Fatalf("created %d assignments, want %d", n, writers*perWriter)
	}
	// the cursor is a number the device can send back; it only grows
	if _, err := strconv.Atoi(cursor); err != nil {
		t.Errorf("cursor %q", cursor)
	}
}

// TestPullDecisionsReadTheIndex: a pull's decisions are read from idx_submissions_decision
// alone (the rows, with ~2 KB of answers before the decision's columns, only for rejected
// ones): a column added to the query and not to the index would make SQLite read every row.
func TestPullDecisionsReadTheIndex(t *testing.T) {
	s := newServer(t)
	var plan []struct {
		Detail string `db:"detail"`
	}
	sql := "EXPLAIN QUERY PLAN " + fmt.Sprintf(hooks.DecisionsSQL, "'a', 'b'")
	if err := s.App.DB().NewQuery(sql).Bind(dbx.Params{"me": fx.enumA1}).All(&plan); err != nil {
		t.Fatal(err)
	}
	covered := 0
	for _, p := range plan {
		if strings.Contains(p.Detail, "USING COVERING INDEX idx_submissions_decision") {
			covered++
		}
	}
	if covered != 2 {
		t.Fatalf("plan (want both submissions read through the covering index): %+v", plan)
	}
}
