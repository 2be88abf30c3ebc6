package hooks_test

import (
	"fmt"
	"strings"
	"testing"
)

// A push request is one durable commit: every household in a 2xx answer is on disk, and the
// disk sync is paid once per request, not once per household.
func TestPushIsOneDurableCommitPerRequest(t *testing.T) {
	s := newServer(t)
	store, err := s.Srv.Store()
	if err != nil {
		t.Fatal(err)
	}
	hh := households(t, 30, 7)
	items := make([]any, len(hh))
	for i := range hh {
		items[i] = hh[i]
	}
	before := store.DB.Syncs()
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(items...))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	for _, r := range results(t, body) {
		if r["outcome"] != "created" {
			t.Fatalf("not created: %v", r)
		}
	}
	if n := store.DB.Syncs() - before; n != 1 {
		t.Fatalf("a push of 30 households made %d durable commits, want 1", n)
	}
	// A resend of the same bytes writes nothing and syncs nothing.
	before = store.DB.Syncs()
	s.do("POST", "/api/sync/push", "enumA1", push(items...))
	if n := store.DB.Syncs() - before; n != 0 {
		t.Fatalf("a byte-identical resend made %d commits", n)
	}
	// The writer connection is back at PocketBase's level for PocketBase's own writes.
	var level int
	if err := s.App.NonconcurrentDB().NewQuery("PRAGMA synchronous").Row(&level); err != nil {
		t.Fatal(err)
	}
	if level != 1 {
		t.Fatalf("synchronous after a push = %d, want PocketBase's NORMAL (1)", level)
	}
}

// Each household of a request is all-or-nothing and independent: a database failure in the
// middle of one (here forced by a trigger on its members) leaves no trace of it, the others
// are stored, and the device is told to send the failed one again.
func TestPushSavepointPerHousehold(t *testing.T) {
	s := newServer(t)
	hh := households(t, 3, 11)
	bad := hh[1]["id"].(string)
	_, err := s.App.NonconcurrentDB().NewQuery(fmt.Sprintf(`CREATE TRIGGER fail_one BEFORE INSERT ON members
		WHEN NEW.submission IN (SELECT id FROM submissions WHERE uuid = '%s')
		BEGIN SELECT RAISE(ABORT, 'forced failure'); END`, bad)).Execute()
	if err != nil {
		t.Fatal(err)
	}
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(hh[0], hh[1], hh[2]))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	rs := results(t, body)
	if rs[0]["outcome"] != "created" || rs[2]["outcome"] != "created" {
		t.Fatalf("the other households: %v / %v", rs[0], rs[2])
	}
	if rs[1]["outcome"] != "refused" || !strings.Contains(fmt.Sprint(rs[1]["errors"]), "send it again") {
		t.Fatalf("failed household: %v", rs[1])
	}
	if n := count(t, s, "submissions", fmt.Sprintf("uuid = '%s'", bad)); n != 0 {
		t.Fatalf("failed household left %d submission rows", n)
	}
	if n := count(t, s, "submissions", fmt.Sprintf("uuid IN ('%s','%s')", hh[0]["id"], hh[2]["id"])); n != 2 {
		t.Fatalf("stored %d of the 2 good households", n)
	}
	// Once the fault is gone, the same item is stored.
	s.App.NonconcurrentDB().NewQuery("DROP TRIGGER fail_one").Execute()
	_, body = s.do("POST", "/api/sync/push", "enumA1", push(hh[1]))
	if r := results(t, body)[0]; r["outcome"] != "created" {
		t.Fatalf("resent after the fault: %v", r)
	}
}

// A database fault while looking up the survey is the server's, not the device's: the item
// is refused with "send it again", never "unknown survey".
func TestPushDatabaseFaultIsNotUnknownSurvey(t *testing.T) {
	s := newServer(t)
	hh := households(t, 1, 13)
	if _, err := s.App.NonconcurrentDB().NewQuery("ALTER TABLE surveys RENAME TO surveys_away").Execute(); err != nil {
		t.Fatal(err)
	}
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(hh[0]))
	s.App.NonconcurrentDB().NewQuery("ALTER TABLE surveys_away RENAME TO surveys").Execute()
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	r := results(t, body)[0]
	msg := fmt.Sprint(r["errors"])
	if r["outcome"] != "refused" || strings.Contains(msg, "unknown survey") || !strings.Contains(msg, "send it again") {
		t.Fatalf("database fault reads as: %v", r)
	}
}

// A commit that fails is the server's fault for the whole request: 503, nothing of it
// stored (here a deferred foreign key, checked only at COMMIT, makes the commit fail).
func TestPushCommitFailureIs503AndStoresNothing(t *testing.T) {
	s := newServer(t)
	hh := households(t, 3, 17)
	db := s.App.NonconcurrentDB()
	for _, q := range []string{
		`CREATE TABLE commit_guard (x TEXT REFERENCES no_such_parent(id) DEFERRABLE INITIALLY DEFERRED)`,
		`CREATE TABLE no_such_parent (id TEXT PRIMARY KEY)`,
		`CREATE TRIGGER guard AFTER INSERT ON submissions BEGIN INSERT INTO commit_guard VALUES ('missing'); END`,
	} {
		if _, err := db.NewQuery(q).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	before := count(t, s, "submissions", "")
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(hh[0], hh[1], hh[2]))
	if code != 503 || !strings.Contains(fmt.Sprint(body["message"]), "send it again") {
		t.Fatalf("failed commit: %d %v", code, body)
	}
	if n := count(t, s, "submissions", ""); n != before {
		t.Fatalf("a failed commit stored %d submissions", n-before)
	}
	db.NewQuery("DROP TRIGGER guard").Execute()
	code, body = s.do("POST", "/api/sync/push", "enumA1", push(hh[0], hh[1], hh[2]))
	if code != 200 || body["counts"].(map[string]any)["created"] != 3.0 {
		t.Fatalf("after the fault: %d %v", code, body)
	}
}
