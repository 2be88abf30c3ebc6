package hooks_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fieldbase/hooks"
)

// sse is a realtime subscription of one fixture account.
type sse struct {
	msgs   chan map[string]any
	cancel func()
}

// subscribe opens PocketBase's realtime stream as who and subscribes to topic.
func subscribe(t *testing.T, s *server, who, topic string) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/api/realtime", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := &sse{msgs: make(chan map[string]any, 100), cancel: func() { cancel(); res.Body.Close() }}
	t.Cleanup(out.cancel)
	clientID := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				var m map[string]any
				json.Unmarshal([]byte(strings.TrimSpace(strings.TrimPrefix(line, "data:"))), &m)
				if event == "PB_CONNECT" {
					id, _ := m["clientId"].(string)
					clientID <- id
				} else if event == topic {
					out.msgs <- m
				}
			}
		}
	}()
	var id string
	select {
	case id = <-clientID:
	case <-time.After(5 * time.Second):
		t.Fatal("no PB_CONNECT from /api/realtime")
	}
	if code, body := s.do("POST", "/api/realtime", who, map[string]any{"clientId": id, "subscriptions": []string{topic}}); code != 204 {
		t.Fatalf("subscribe %s: %d %v", who, code, body)
	}
	return out
}

// next waits for the next message, or returns nil after d.
func (c *sse) next(d time.Duration) map[string]any {
	select {
	case m := <-c.msgs:
		return m
	case <-time.After(d):
		return nil
	}
}

// A pushed household fires PocketBase's record hooks and realtime messages like a record
// saved through the API: to the team's supervisor, not to another team's.
func TestPushFiresRecordEventsAndRealtime(t *testing.T) {
	s := newServer(t)
	var created atomic.Int32
	s.App.OnRecordAfterCreateSuccess("submissions").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("uuid") == "" {
			t.Errorf("event record without its fields: %v", e.Record)
		}
		created.Add(1)
		return e.Next()
	})
	supA := subscribe(t, s, "supA", "submissions")
	supB := subscribe(t, s, "supB", "submissions")

	hh := households(t, 3, 21)
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(hh[0], hh[1], hh[2]))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	if n := created.Load(); n != 3 {
		t.Fatalf("OnRecordAfterCreateSuccess fired %d times for 3 households", n)
	}
	got := map[string]bool{}
	for range 3 {
		m := supA.next(5 * time.Second)
		if m == nil {
			t.Fatalf("team A's supervisor got %d of 3 realtime messages", len(got))
		}
		rec, _ := m["record"].(map[string]any)
		if m["action"] != "create" || rec == nil {
			t.Fatalf("message: %v", m)
		}
		got[rec["uuid"].(string)] = true
	}
	for _, h := range hh {
		if !got[h["id"].(string)] {
			t.Fatalf("no message for %s", h["id"])
		}
	}
	if m := supB.next(500 * time.Millisecond); m != nil {
		t.Fatalf("team B's supervisor was told of team A's household: %v", m)
	}
	// A resend stores nothing and announces nothing.
	s.do("POST", "/api/sync/push", "enumA1", push(hh[0]))
	if m := supA.next(300 * time.Millisecond); m != nil || created.Load() != 3 {
		t.Fatalf("a resend fired events: %v (%d creates)", m, created.Load())
	}
}

// serverCountingCreates is a server with a create hook on submissions bound before
// fieldbase's own (as main.go could bind one), and the count of the times it ran.
func serverCountingCreates(t *testing.T) (*server, *atomic.Int32) {
	t.Helper()
	created := new(atomic.Int32)
	s := newServerBound(t, fixtureDir, func(app core.App) {
		app.OnRecordAfterCreateSuccess("submissions").BindFunc(func(e *core.RecordEvent) error {
			created.Add(1)
			return e.Next()
		})
	})
	return s, created
}

// A push's record events are made only when something can take them. A hook bound before
// fieldbase's own (as main.go could bind one) is part of the baseline, so with no realtime
// client subscribed to submissions nothing is fired, not even for a client subscribed to
// something else; once a supervisor subscribes, JSON pushes and OpenRosa submissions reach
// them and the hook; when they leave, nothing is fired again.
func TestPushEventsOnlyWhenHeard(t *testing.T) {
	s, created := serverCountingCreates(t)
	hh := households(t, 4, 31)
	pushOne(t, s, "enumA1", hh[0])
	if n := created.Load(); n != 0 {
		t.Fatalf("%d create events with nobody to hear them", n)
	}
	subscribe(t, s, "supA", "fieldbase/console")
	pushOne(t, s, "enumA1", hh[1])
	if n := created.Load(); n != 0 {
		t.Fatalf("%d create events for a client subscribed to the console topic only", n)
	}

	sup := subscribe(t, s, "supA", "submissions/*")
	pushOne(t, s, "enumA1", hh[2])
	if m := sup.next(5 * time.Second); m == nil || m["action"] != "create" {
		t.Fatalf("the subscribed supervisor got %v for a JSON push", m)
	} else if rec, _ := m["record"].(map[string]any); rec["uuid"] != hh[2]["id"] {
		t.Fatalf("message for %v, pushed %v", rec["uuid"], hh[2]["id"])
	}
	c := &orClient{t: t, s: s, base: s.URL + "/openrosa/key/" + appToken(t, s, fx.enumA1)}
	doc, instance := engineInstance(t)
	if a := c.submit(doc, nil, nil); a.status != 201 {
		t.Fatalf("OpenRosa submission: %d %s", a.status, a.body)
	}
	if m := sup.next(5 * time.Second); m == nil {
		t.Fatal("the subscribed supervisor got nothing for an OpenRosa submission")
	} else if rec, _ := m["record"].(map[string]any); rec["uuid"] != instance {
		t.Fatalf("message for %v, sent %v", rec["uuid"], instance)
	}
	if n := created.Load(); n != 2 {
		t.Fatalf("%d create events for 2 households with a subscriber", n)
	}

	sup.cancel()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.App.SubscriptionsBroker().Clients()) > 1 {
		if time.Now().After(deadline) {
			t.Fatal("the realtime client that left is still registered")
		}
		time.Sleep(20 * time.Millisecond)
	}
	pushOne(t, s, "enumA1", hh[3])
	if n := created.Load(); n != 2 {
		t.Fatalf("%d create events: the push after the subscriber left fired one", n-2)
	}
}

// The console is told of every push, by either protocol, on its own topic: the team's
// supervisor gets {"team", "what"} and nothing more, another team's supervisor nothing, and
// no household's record is built for it. An identical resend tells nobody.
func TestConsoleToldOfEveryPush(t *testing.T) {
	s, created := serverCountingCreates(t)
	supA := subscribe(t, s, "supA", hooks.ConsoleTopic)
	supB := subscribe(t, s, "supB", hooks.ConsoleTopic)
	told := func(how string) {
		t.Helper()
		m := supA.next(5 * time.Second)
		if m == nil || m["team"] != fx.teamA || m["what"] != "push" || len(m) != 2 {
			t.Fatalf("%s: team A's supervisor got %v", how, m)
		}
	}
	pushed, _ := pushOne(t, s, "enumA1", households(t, 1, 41)[0])
	told("a JSON push")
	c := &orClient{t: t, s: s, base: s.URL + "/openrosa/key/" + appToken(t, s, fx.enumA1)}
	doc, _ := engineInstance(t)
	if a := c.submit(doc, nil, nil); a.status != 201 {
		t.Fatalf("OpenRosa submission: %d %s", a.status, a.body)
	}
	told("an OpenRosa submission")
	if a := c.submit(doc, nil, nil); a.status != 201 {
		t.Fatalf("OpenRosa resend: %d %s", a.status, a.body)
	}
	if m := supA.next(500 * time.Millisecond); m != nil {
		t.Fatalf("an identical resend told the console: %v", m)
	}
	if m := supB.next(300 * time.Millisecond); m != nil {
		t.Fatalf("team B's supervisor was told of team A's households: %v", m)
	}
	if n := created.Load(); n != 0 {
		t.Fatalf("%d records built for console subscribers", n)
	}
	// The record API (a superuser in the admin UI) tells it too, once, when it succeeds.
	if code, body := s.do("DELETE", "/api/collections/submissions/records/"+pushed, "superuser", nil); code != 204 {
		t.Fatalf("delete through the record API: %d %v", code, body)
	}
	if m := supA.next(5 * time.Second); m == nil || m["team"] != fx.teamA || m["what"] != "record" {
		t.Fatalf("a record API delete: team A's supervisor got %v", m)
	}
	if m := supA.next(300 * time.Millisecond); m != nil {
		t.Fatalf("a second message for one delete: %v", m)
	}
}

// A superuser's edit of the answers in the admin UI moves the change seq (so the indicator
// cache and incremental exports see it) and recomputes the indicator facts.
func TestAdminEditOfAnswersBumpsSeqAndFacts(t *testing.T) {
	s := newServer(t)
	hh := households(t, 20, 23)
	pick := -1 // a household that received remittances: its facts hold the fee
	for i, h := range hh {
		if _, ok := data(h)["e_last_fee"].(float64); ok && pick < 0 {
			pick = i
		}
	}
	if pick < 0 {
		t.Fatal("no synthetic household with a remittance fee")
	}
	rec, _ := pushOne(t, s, "enumA1", hh[pick])
	pushOne(t, s, "enumA1", hh[(pick+1)%len(hh)])
	before, err := s.App.FindRecordById("submissions", rec)
	if err != nil {
		t.Fatal(err)
	}
	var maxSeq int64
	s.App.DB().NewQuery("SELECT MAX(seq) FROM submissions").Row(&maxSeq)

	var d map[string]any
	json.Unmarshal([]byte(before.GetString("data")), &d)
	members := d["members"].([]any)
	m0 := members[0].(map[string]any)
	age, _ := m0["b_age"].(float64)
	m0["b_age"] = 70.0 // another age group
	if age >= 55 {
		m0["b_age"] = 30.0
	}
	d["e_last_fee"] = d["e_last_fee"].(float64) + 11
	var memberFacts string
	s.App.DB().NewQuery("SELECT facts FROM members WHERE submission = {:s} ORDER BY line LIMIT 1").
		Bind(map[string]any{"s": rec}).Row(&memberFacts)

	code, body := s.do("PATCH", "/api/collections/submissions/records/"+rec, "superuser", map[string]any{"data": d})
	if code != 200 {
		t.Fatalf("edit: %d %v", code, body)
	}
	after, _ := s.App.FindRecordById("submissions", rec)
	if after.GetInt("seq") <= int(maxSeq) {
		t.Fatalf("seq after the edit %d, want above the last one %d", after.GetInt("seq"), maxSeq)
	}
	if after.GetString("facts") == before.GetString("facts") {
		t.Fatalf("household facts unchanged by a fee change: %s", after.GetString("facts"))
	}
	var memberAfter string
	s.App.DB().NewQuery("SELECT facts FROM members WHERE submission = {:s} ORDER BY line LIMIT 1").
		Bind(map[string]any{"s": rec}).Row(&memberAfter)
	if memberAfter == memberFacts {
		t.Fatalf("member facts unchanged by an age change: %s", memberAfter)
	}
	// An edit that leaves the answers alone (a note) does not move seq.
	code, _ = s.do("PATCH", "/api/collections/submissions/records/"+rec, "superuser", map[string]any{"review_note": "checked"})
	again, _ := s.App.FindRecordById("submissions", rec)
	if code != 200 || again.GetInt("seq") != after.GetInt("seq") {
		t.Fatalf("a note moved seq: %d -> %d (%d)", after.GetInt("seq"), again.GetInt("seq"), code)
	}
}

// A correction pushed for a rejected submission fires a create for the correction and an
// update for the superseded one, as a Save of each would.
func TestCorrectionFiresUpdateOfTheSuperseded(t *testing.T) {
	s := newServer(t)
	rejected := submissionIn(t, s, "rejected", 61)
	var updated []string
	s.App.OnRecordAfterUpdateSuccess("submissions").BindFunc(func(e *core.RecordEvent) error {
		updated = append(updated, e.Record.Id+":"+e.Record.GetString("status"))
		return e.Next()
	})
	old, _ := s.App.FindRecordById("submissions", rejected)
	var d map[string]any
	json.Unmarshal([]byte(old.GetString("data")), &d)
	fix := map[string]any{"id": newID(), "survey": "mhs", "version": 1, "supersedes": old.GetString("uuid"),
		"started_at": "2026-10-05T09:30:00+05:45", "completed_at": "2026-10-05T10:30:00+05:45", "device_id": "tab", "data": d}
	if _, st := pushOne(t, s, "enumA1", fix); st == "invalid" {
		t.Logf("the correction is invalid (synthetic data); the supersede still counts")
	}
	if len(updated) != 1 || updated[0] != rejected+":superseded" {
		t.Fatalf("update events after a correction: %v (want %s:superseded)", updated, rejected)
	}
}
