package hooks_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestPushOutcomeTable(t *testing.T) {
	s := newServer(t)
	hh := households(t, 6, 1)

	// new id, valid -> created / received (or flagged if synth gave it a warning)
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(hh[0]))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	r := results(t, body)[0]
	if r["outcome"] != "created" || (r["status"] != "received" && r["status"] != "flagged") {
		t.Fatalf("valid household: %v", r)
	}
	firstStatus := r["status"]

	// same id, same content -> exists, the stored status, nothing written
	before := count(t, s, "submissions", "")
	_, body = s.do("POST", "/api/sync/push", "enumA1", push(hh[0]))
	r = results(t, body)[0]
	if r["outcome"] != "exists" || r["status"] != firstStatus || r["record"] == "" {
		t.Fatalf("resend: %v", r)
	}
	if n := count(t, s, "submissions", ""); n != before {
		t.Fatalf("resend wrote: %d -> %d", before, n)
	}

	// same id, different content -> conflict, the new copy kept, linked and flagged
	changed := clone(t, hh[0])
	data(changed)["a_dwelling"] = 9999
	_, body = s.do("POST", "/api/sync/push", "enumA1", push(changed))
	r = results(t, body)[0]
	if r["outcome"] != "conflict" || r["status"] != "flagged" {
		t.Fatalf("conflict: %v", r)
	}
	if n := count(t, s, "submissions", fmt.Sprintf("uuid = '%s' AND conflict_of != ''", hh[0]["id"])); n != 1 {
		t.Fatalf("conflict copy linked: %d", n)
	}

	// same content, new id -> created as duplicate of the first
	dup := clone(t, hh[1])
	_, body = s.do("POST", "/api/sync/push", "enumA1", push(hh[1]))
	dup["id"] = newID()
	_, body = s.do("POST", "/api/sync/push", "enumA1", push(dup))
	r = results(t, body)[0]
	if r["outcome"] != "created" || r["status"] != "duplicate" || r["duplicate_of"] != hh[1]["id"] {
		t.Fatalf("content duplicate: %v", r)
	}

	// same household key as a live submission -> flagged possible_duplicate naming it
	again := clone(t, hh[2])
	again["id"] = newID()
	data(again)["a_psu"] = data(hh[3])["a_psu"]
	data(again)["a_dwelling"] = data(hh[3])["a_dwelling"]
	data(again)["a_stratum"] = data(hh[3])["a_stratum"]
	data(again)["a_region"] = data(hh[3])["a_region"]
	data(again)["a_urban"] = data(hh[3])["a_urban"]
	_, body = s.do("POST", "/api/sync/push", "enumA1", push(hh[3], again))
	rs := results(t, body)
	if rs[1]["status"] != "flagged" || !strings.Contains(fmt.Sprint(rs[1]["flags"]), "possible_duplicate") ||
		!strings.Contains(fmt.Sprint(rs[1]["flags"]), hh[3]["id"].(string)) {
		t.Fatalf("household key: %v", rs[1])
	}

	// breaks a hard rule -> created / invalid with the errors
	bad := clone(t, hh[4])
	members := data(bad)["members"].([]any)
	members[0].(map[string]any)["b_age"] = 130
	_, body = s.do("POST", "/api/sync/push", "enumA1", push(bad))
	r = results(t, body)[0]
	if r["outcome"] != "created" || r["status"] != "invalid" || !strings.Contains(fmt.Sprint(r["errors"]), "members[0].b_age") {
		t.Fatalf("invalid: %v", r)
	}
}

func TestPushRefused(t *testing.T) {
	s := newServer(t)
	hh := households(t, 1, 2)
	noID := clone(t, hh[0])
	delete(noID, "id")
	badID := clone(t, hh[0])
	badID["id"] = "1; DROP TABLE submissions"
	unknown := clone(t, hh[0])
	unknown["survey"] = "nope"
	oldVersion := clone(t, hh[0])
	oldVersion["version"] = 7
	notMine := clone(t, hh[0])
	notMine["id"] = newID()
	notMine["assignment"] = fx.assignB1
	cases := []struct {
		item any
		want string
	}{
		{"just a string", "not a JSON object"},
		{[]int{1, 2}, "not a JSON object"},
		{noID, "id is missing"},
		{badID, "not a UUID"},
		{unknown, `unknown survey "nope"`},
		{oldVersion, "version 7"},
		{notMine, "no assignment of yours"},
	}
	items := make([]any, len(cases))
	for i, c := range cases {
		items[i] = c.item
	}
	before := count(t, s, "submissions", "")
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(items...))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	for i, r := range results(t, body) {
		if r["outcome"] != "refused" || !strings.Contains(fmt.Sprint(r["errors"]), cases[i].want) {
			t.Errorf("item %d: want refused %q, got %v", i, cases[i].want, r)
		}
	}
	if n := count(t, s, "submissions", ""); n != before {
		t.Errorf("refused items were stored: %d -> %d", before, n)
	}
}

func TestPushMixedBatchAndResend(t *testing.T) {
	s := newServer(t)
	hh := households(t, 4, 3)
	invalid := clone(t, hh[1])
	data(invalid)["a_hh_size"] = 41
	dup := clone(t, hh[0])
	dup["id"] = newID()
	conflict := clone(t, hh[2])
	data(conflict)["a_dwelling"] = 9999
	batch := push(hh[0], invalid, dup, hh[2], conflict, map[string]any{"id": "x"}, hh[3])
	_, body := s.do("POST", "/api/sync/push", "enumA1", batch)
	want := []struct{ outcome, status string }{
		{"created", ""}, {"created", "invalid"}, {"created", "duplicate"}, {"created", ""},
		{"conflict", "flagged"}, {"refused", ""}, {"created", ""},
	}
	first := results(t, body)
	for i, r := range first {
		if r["outcome"] != want[i].outcome || (want[i].status != "" && r["status"] != want[i].status) {
			t.Errorf("item %d: got %v %v, want %v", i, r["outcome"], r["status"], want[i])
		}
	}
	stored := count(t, s, "submissions", "")
	if stored != 6 {
		t.Fatalf("stored %d submissions, want 6 (7 items, 1 refused)", stored)
	}
	members := count(t, s, "members", "")
	// The response was lost: the device sends the whole batch again.
	_, body = s.do("POST", "/api/sync/push", "enumA1", batch)
	for i, r := range results(t, body) {
		if i == 5 {
			continue // refused again
		}
		if r["outcome"] != "exists" || r["status"] != first[i]["status"] || r["record"] != first[i]["record"] {
			t.Errorf("resend item %d: got %v, first time %v", i, r, first[i])
		}
	}
	if n := count(t, s, "submissions", ""); n != stored {
		t.Errorf("resend wrote submissions: %d -> %d", stored, n)
	}
	if n := count(t, s, "members", ""); n != members {
		t.Errorf("resend wrote members: %d -> %d", members, n)
	}
	// every stored household has all its roster rows
	if n := count(t, s, "submissions s", "s.hh_size != (SELECT COUNT(*) FROM members m WHERE m.submission = s.id)"); n != 0 {
		t.Errorf("%d submissions without all their roster rows", n)
	}
}

func TestPushWholeRequestErrors(t *testing.T) {
	s := newServer(t)
	hh := households(t, 1, 4)
	many := make([]any, 501)
	for i := range many {
		many[i] = hh[0]
	}
	cases := []struct {
		name, who string
		body      any
		code      int
		want      string
	}{
		{"no token", "", push(hh[0]), 401, "auth token"},
		{"supervisor", "supA", push(hh[0]), 403, "supervisor role"},
		{"analyst", "analyst", push(hh[0]), 403, "analyst role"},
		{"not json", "enumA1", "{not json", 400, "not JSON"},
		{"array body", "enumA1", "[1,2]", 400, "JSON object"},
		{"wrong type", "enumA1", `{"submissions": "many"}`, 400, "wrong type"},
		{"no submissions", "enumA1", `{"device_id": "x"}`, 400, `submissions`},
		{"invalid utf8", "enumA1", []byte("{\"device_id\": \"\xff\xfe\", \"submissions\": []}"), 400, "UTF-8"},
		{"too many", "enumA1", push(many...), 413, "at most 500"},
		{"too big", "enumA1", `{"submissions": ["` + strings.Repeat("a", 17<<20) + `"]}`, 413, "too large"},
	}
	for _, c := range cases {
		code, raw := s.doRaw("POST", "/api/sync/push", c.who, c.body)
		if code != c.code || !strings.Contains(string(raw), c.want) {
			t.Errorf("%s: got %d %.200s, want %d containing %q", c.name, code, raw, c.code, c.want)
		}
	}
	if n := count(t, s, "submissions", ""); n != 0 {
		t.Errorf("failed requests stored %d submissions", n)
	}
	// an expired token is refused like a missing one
	code, _ := s.doRawWithToken("POST", "/api/sync/push", "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.x", push(hh[0]))
	if code != http.StatusUnauthorized {
		t.Errorf("forged token: %d", code)
	}
}

// TestPushProbableDuplicateByGPS: another dwelling number, but the same PSU, a GPS point
// within 30 m and the same head: flagged with the evidence; 200 m away it is not.
func TestPushProbableDuplicateByGPS(t *testing.T) {
	s := newServer(t)
	hh := households(t, 3, 41)
	first := hh[0]
	gps := data(first)["a_gps"].(map[string]any)
	lat, lon := gps["lat"].(float64), gps["lon"].(float64)
	copyCover := func(env map[string]any, dwelling int, dLat float64) {
		for _, k := range []string{"a_psu", "a_stratum", "a_region", "a_urban", "a_weight", "a_head_name"} {
			data(env)[k] = data(first)[k]
		}
		data(env)["a_dwelling"] = dwelling
		data(env)["a_gps"] = map[string]any{"lat": lat + dLat, "lon": lon, "accuracy": 5.0}
	}
	near, far := clone(t, hh[1]), clone(t, hh[2])
	copyCover(near, 9001, 10/111320.0) // 10 m north
	copyCover(far, 9002, 200/111320.0) // 200 m north
	pushOne(t, s, "enumA1", first)
	_, body := s.do("POST", "/api/sync/push", "enumA1", push(near, far))
	rs := results(t, body)
	flags := fmt.Sprint(rs[0]["flags"])
	if rs[0]["status"] != "flagged" || !strings.Contains(flags, "possible_duplicate") || !strings.Contains(flags, "GPS") ||
		!strings.Contains(flags, first["id"].(string)) {
		t.Errorf("10 m away, same head: %v", rs[0])
	}
	if strings.Contains(fmt.Sprint(rs[1]["flags"]), first["id"].(string)) {
		t.Errorf("200 m away was flagged as a duplicate of the first: %v", rs[1])
	}
}

// TestSameContentOwnFirst: a household with the same answers as one of another enumerator's
// and one of the caller's own is a duplicate of the caller's (status duplicate), even though
// the other's was stored first; with only the other's it is flagged, not a duplicate.
func TestSameContentOwnFirst(t *testing.T) {
	s := newServer(t)
	h := households(t, 1, 4343)[0]
	send := func(who string) map[string]any {
		t.Helper()
		c := clone(t, h)
		c["id"] = newID()
		code, body := s.do("POST", "/api/sync/push", who, push(c))
		if code != 200 {
			t.Fatalf("%s: %d %v", who, code, body)
		}
		return results(t, body)[0]
	}
	other := send("enumA2")
	if other["outcome"] != "created" || other["status"] == "duplicate" {
		t.Fatalf("first copy: %v", other)
	}
	mine := send("enumA1")
	if mine["status"] == "duplicate" {
		t.Fatalf("the same answers as another enumerator's household made a duplicate: %v", mine)
	}
	again := send("enumA1")
	if again["status"] != "duplicate" || again["duplicate_of"] != mine["id"] {
		t.Fatalf("the caller's second copy: %v, want a duplicate of %v", again, mine["id"])
	}
}

// TestConflictsLinkTheFirst: every copy sent under an id with other answers is linked to the
// submission first stored under it (store.ByUUID: oldest first), not to an earlier copy.
func TestConflictsLinkTheFirst(t *testing.T) {
	s := newServer(t)
	h := households(t, 1, 4444)[0]
	first, _ := pushOne(t, s, "enumA1", h)
	for i := 1; i <= 3; i++ {
		c := clone(t, h)
		data(c)["a_dwelling"] = 9000 + i
		code, body := s.do("POST", "/api/sync/push", "enumA1", push(c))
		if r := results(t, body)[0]; code != 200 || r["outcome"] != "conflict" {
			t.Fatalf("copy %d: %d %v", i, code, r)
		}
	}
	if n := count(t, s, "submissions", fmt.Sprintf("uuid = '%s' AND conflict_of = '%s'", h["id"], first)); n != 3 {
		t.Fatalf("%d of 3 copies linked to the first submission %s", n, first)
	}
}
