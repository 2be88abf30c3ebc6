package hooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
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
	before, retries := store.DB.Syncs(), store.DB.Retries()
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
	if n := store.DB.Retries() - retries; n != 0 {
		t.Fatalf("a push where nothing fails was run again with savepoints %d times", n)
	}
	// A resend of the same bytes writes nothing and syncs nothing: what it is answered from
	// was synced before the first answer.
	before, barrier := store.DB.Syncs(), store.DB.BarrierSyncs()
	s.do("POST", "/api/sync/push", "enumA1", push(items...))
	if n := store.DB.Syncs() - before; n != 0 {
		t.Fatalf("a byte-identical resend made %d commits", n)
	}
	if n := store.DB.BarrierSyncs() - barrier; n != 0 {
		t.Fatalf("a resend of what was synced before made %d more syncs", n)
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

// A constraint that fails in the middle of a household's members (the 4th row of one
// multi-row INSERT, here a unique index made for the test) undoes the whole household: the
// rows the statement wrote before the failing one go too (the INSERTs are OR FAIL, which
// keeps them until the household's savepoint is rolled back), and the other households of
// the request are stored with all their members.
func TestPushConstraintMidRosterLeavesNoRows(t *testing.T) {
	s := newServer(t)
	var small, big []map[string]any
	for _, h := range households(t, 40, 17) {
		rows, _ := h["data"].(map[string]any)["members"].([]any)
		switch n := len(rows); {
		case n >= 1 && n <= 3 && len(small) < 2:
			small = append(small, h)
		case n >= 5 && len(big) < 1:
			big = append(big, h)
		}
	}
	if len(small) < 2 || len(big) < 1 {
		t.Fatalf("synth gave %d households of <= 3 members and %d of >= 5", len(small), len(big))
	}
	if _, err := s.App.NonconcurrentDB().NewQuery("CREATE UNIQUE INDEX test_at_most_3 ON members (submission, MIN(line, 3))").Execute(); err != nil {
		t.Fatal(err)
	}
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(small[0], big[0], small[1]))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	rs := results(t, body)
	if rs[0]["outcome"] != "created" || rs[2]["outcome"] != "created" || rs[1]["outcome"] != "refused" {
		t.Fatalf("outcomes: %v / %v / %v", rs[0], rs[1], rs[2])
	}
	bad := big[0]["id"].(string)
	if n := count(t, s, "submissions", fmt.Sprintf("uuid = '%s'", bad)); n != 0 {
		t.Fatalf("failed household left %d submission rows", n)
	}
	if n := count(t, s, "members", "submission NOT IN (SELECT id FROM submissions)"); n != 0 {
		t.Fatalf("failed household left %d member rows", n)
	}
	for _, h := range small {
		want := len(h["data"].(map[string]any)["members"].([]any))
		if n := count(t, s, "members", fmt.Sprintf("submission = (SELECT id FROM submissions WHERE uuid = '%s')", h["id"])); n != want {
			t.Errorf("%s: %d members stored, want %d", h["id"], n, want)
		}
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

// Concurrent write requests share one durable commit (store's group commit): while the
// writer connection is busy, JSON pushes and OpenRosa submissions of several enumerators
// queue up; they are then stored in ONE transaction with ONE WAL sync, none is answered
// before that sync, and each household stays independent (a forced failure in one request
// is that request's alone).
func TestConcurrentWritesShareOneDurableCommit(t *testing.T) {
	s := newServer(t)
	store, err := s.Srv.Store()
	if err != nil {
		t.Fatal(err)
	}
	base := s.URL + "/openrosa/key/" + appToken(t, s, fx.enumA2)
	xml, _ := engineInstance(t)
	// One submission first: the token lookup and the survey's status are cached, so the
	// requests below need the writer connection for nothing but their households.
	body, ct := multipartBody(t, xml, nil, false)
	if a := orRequest(t, "POST", base+"/submission", body, ct, nil); a.status != 201 {
		t.Fatalf("first submission: %d %s", a.status, a.body)
	}
	hh := households(t, 6, 29)
	bad := hh[5]["id"].(string)
	if _, err := s.App.NonconcurrentDB().NewQuery(fmt.Sprintf(`CREATE TRIGGER fail_one BEFORE INSERT ON members
		WHEN NEW.submission IN (SELECT id FROM submissions WHERE uuid = '%s')
		BEGIN SELECT RAISE(ABORT, 'forced failure'); END`, bad)).Execute(); err != nil {
		t.Fatal(err)
	}
	type request struct {
		what, url, auth, contentType string
		body                         []byte
	}
	var reqs []request
	for i, h := range hh {
		who := []string{"enumA1", "enumB1"}[i%2]
		b, _ := json.Marshal(push(h))
		reqs = append(reqs, request{"push " + h["id"].(string), s.URL + "/api/sync/push", fx.tok[who], "application/json", b})
	}
	var ids []string
	for i := 0; i < 6; i++ {
		doc, id := engineInstance(t)
		ids = append(ids, id)
		b, ct := multipartBody(t, doc, nil, false)
		reqs = append(reqs, request{"openrosa " + id, base + "/submission", "", ct, b.Bytes()})
	}

	// Hold the writer connection as a long review would, and send every request meanwhile.
	held, release, finished := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		finished <- s.App.RunInTransaction(func(core.App) error { close(held); <-release; return nil })
	}()
	<-held
	syncs, retries := store.DB.Syncs(), store.DB.Retries()
	type answer struct {
		req    request
		status int
		body   []byte
		err    error
		syncs  int64 // durable commits done when the answer arrived
	}
	answers := make(chan answer, len(reqs))
	for _, r := range reqs {
		go func(r request) {
			hr, _ := http.NewRequest("POST", r.url, bytes.NewReader(r.body))
			hr.Header.Set("Content-Type", r.contentType)
			hr.Header.Set("X-OpenRosa-Version", "1.0")
			if r.auth != "" {
				hr.Header.Set("Authorization", r.auth)
			}
			res, err := http.DefaultClient.Do(hr)
			a := answer{req: r, err: err}
			if err == nil {
				a.status = res.StatusCode
				a.body, _ = io.ReadAll(res.Body)
				res.Body.Close()
			}
			a.syncs = store.DB.Syncs()
			answers <- a
		}(r)
	}
	deadline := time.Now().Add(60 * time.Second)
	for store.DB.Waiting() < len(reqs) {
		select {
		case a := <-answers:
			close(release)
			t.Fatalf("%s answered while the writer was held (nothing can be on disk): %d %s %v", a.req.what, a.status, a.body, a.err)
		default:
		}
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("only %d of %d requests reached the store within a minute", store.DB.Waiting(), len(reqs))
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	if err := <-finished; err != nil {
		t.Fatal(err)
	}
	for range reqs {
		a := <-answers
		if a.err != nil {
			t.Fatalf("%s: %v", a.req.what, a.err)
		}
		if a.syncs <= syncs {
			t.Errorf("%s was answered before any durable commit", a.req.what)
		}
		switch {
		case strings.HasSuffix(a.req.what, bad):
			if a.status != 200 || !strings.Contains(string(a.body), `"refused"`) || !strings.Contains(string(a.body), "send it again") {
				t.Errorf("the failing household: %d %s", a.status, a.body)
			}
		case strings.HasPrefix(a.req.what, "push"):
			if a.status != 200 || !strings.Contains(string(a.body), `"outcome":"created"`) {
				t.Errorf("%s: %d %s", a.req.what, a.status, a.body)
			}
		default:
			if a.status != 201 {
				t.Errorf("%s: %d %s", a.req.what, a.status, a.body)
			}
		}
	}
	if n := store.DB.Syncs() - syncs; n != 1 {
		t.Fatalf("%d concurrent write requests made %d durable commits, want 1 (one group)", len(reqs), n)
	}
	// The group ran fast (no savepoints), met the failure, and ran again with savepoints.
	if n := store.DB.Retries() - retries; n != 1 {
		t.Fatalf("the group was run again %d times, want 1", n)
	}
	// Everything answered created is there (read from the read pool, as every reader does).
	stored := map[string]bool{}
	for _, h := range hh[:5] {
		stored[h["id"].(string)] = true
	}
	for _, id := range ids {
		stored[id] = true
	}
	for id := range stored {
		if n := count(t, s, "submissions", fmt.Sprintf("uuid = '%s'", id)); n != 1 {
			t.Errorf("%s: %d stored, want 1", id, n)
		}
	}
	if n := count(t, s, "submissions", fmt.Sprintf("uuid = '%s'", bad)); n != 0 {
		t.Errorf("the failing household left %d rows", n)
	}
}
