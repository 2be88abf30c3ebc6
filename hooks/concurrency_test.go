package hooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fieldbase/review"
)

// client is an HTTP client for many concurrent simulated devices.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 200, MaxConnsPerHost: 0}}

// call sends a JSON request with a raw token; timeout > 0 may cut it short (a lost answer).
// It returns the status (0 when no answer arrived) and the body.
func call(base, method, path, token string, body any, timeout time.Duration) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, err
	}
	return res.StatusCode, raw, nil
}

// serverTrouble reports answers that must never reach a client: a 5xx, a busy database,
// or an item the server could not store.
func serverTrouble(code int, raw []byte) string {
	low := strings.ToLower(string(raw))
	switch {
	case code >= 500:
		return fmt.Sprintf("HTTP %d: %.200s", code, raw)
	case strings.Contains(low, "sqlite_busy") || strings.Contains(low, "database is locked") || strings.Contains(low, "busy"):
		return fmt.Sprintf("busy database surfaced: %.300s", raw)
	case strings.Contains(low, "could not store"):
		return fmt.Sprintf("an item was not stored: %.300s", raw)
	}
	return ""
}

// TestConcurrentReviewsOfOneSubmission: many reviewers decide on the same submission at the
// same moment, through the review route and the record API. Exactly one decision wins; the
// others are told the transition is not allowed; the audit trail has exactly one record.
func TestConcurrentReviewsOfOneSubmission(t *testing.T) {
	for round := 0; round < 5; round++ {
		s := newServer(t)
		id := submissionIn(t, s, "received", int64(950+round))
		type try struct {
			who, how string
			body     map[string]any
		}
		var tries []try
		for i := 0; i < 8; i++ {
			who := []string{"supA", "superuser"}[i%2]
			tries = append(tries,
				try{who, "route", map[string]any{"action": "approve"}},
				try{who, "route", map[string]any{"action": "reject", "note": "no"}},
				try{who, "record", map[string]any{"status": "approved"}},
				try{who, "record", map[string]any{"status": "rejected", "review_note": "no"}},
			)
		}
		var wg sync.WaitGroup
		var ok atomic.Int32 // decisions accepted by the review route (setting the status a
		// submission already has through the record API is a no-op update, answered 200)
		start := make(chan struct{})
		for _, tr := range tries {
			wg.Add(1)
			go func(tr try) {
				defer wg.Done()
				<-start
				path, method := "/api/submissions/"+id+"/review", "POST"
				if tr.how == "record" {
					path, method = "/api/collections/submissions/records/"+id, "PATCH"
				}
				code, raw, err := call(s.URL, method, path, fx.tok[tr.who], tr.body, 0)
				if err != nil {
					t.Error(err)
					return
				}
				if p := serverTrouble(code, raw); p != "" {
					t.Error(p)
				}
				switch code {
				case 200:
					if tr.how == "route" {
						ok.Add(1)
					}
				case 400, 409: // not allowed from the new status, or lost the race to it
				default:
					t.Errorf("%s via %s: %d %.200s", tr.who, tr.how, code, raw)
				}
			}(tr)
		}
		close(start)
		wg.Wait()
		audits := count(t, s, "reviews", "submission = '"+id+"'")
		if ok.Load() > 1 || audits != 1 {
			t.Fatalf("round %d: %d decisions accepted by the route, %d audit records; want at most 1 and exactly 1", round, ok.Load(), audits)
		}
		checkAuditChains(t, s)
	}
}

// TestConcurrentDecisionsInProcess races review decisions on one submission without HTTP in
// between (hooks.Server.Decide, as the demo seeder and tools call it), where the window
// between reading the status and writing the new one is widest.
func TestConcurrentDecisionsInProcess(t *testing.T) {
	s := newServer(t)
	supA, _ := s.App.FindRecordById("users", fx.supA)
	su, _ := s.App.FindRecordById(core.CollectionNameSuperusers, fx.superuser)
	var ids []string
	for i := 0; i < 10; i++ {
		ids = append(ids, submissionIn(t, s, "received", int64(970+i)))
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	var ok atomic.Int32
	for _, id := range ids {
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(id string, i int) {
				defer wg.Done()
				auth := []*core.Record{supA, su}[i%2]
				d := review.Decision{Action: "approve"}
				if i%4 >= 2 {
					d = review.Decision{Action: "reject", Note: "no"}
				}
				<-start
				if err := s.Srv.Decide(auth, id, d); err == nil {
					ok.Add(1)
				}
			}(id, i)
		}
	}
	close(start)
	wg.Wait()
	if int(ok.Load()) != len(ids) || count(t, s, "reviews", "") != len(ids) {
		t.Errorf("%d decisions accepted, %d audit records, for %d submissions: want one each", ok.Load(), count(t, s, "reviews", ""), len(ids))
	}
	checkAuditChains(t, s)
}

// checkAuditChains verifies that each submission's audit records form one chain: each
// transition starts where the previous one ended, and the last ends at the current status.
func checkAuditChains(t *testing.T, s *server) {
	t.Helper()
	var rows []struct {
		Sub    string `db:"submission"`
		From   string `db:"from"`
		To     string `db:"to"`
		Status string `db:"status"`
	}
	err := s.App.DB().NewQuery(`SELECT r.submission AS submission, r."from" AS "from", r."to" AS "to", s.status AS status
		FROM reviews r JOIN submissions s ON s.id = r.submission ORDER BY r.submission, r.rowid`).All(&rows)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if i > 0 && rows[i-1].Sub == r.Sub && rows[i-1].To != r.From {
			t.Errorf("submission %s: audit goes %s->%s, then %s->%s", r.Sub, rows[i-1].From, rows[i-1].To, r.From, r.To)
		}
		if (i == len(rows)-1 || rows[i+1].Sub != r.Sub) && r.To != r.Status {
			t.Errorf("submission %s: last audit ends at %s but the status is %s", r.Sub, r.To, r.Status)
		}
	}
}

// device is one simulated tablet.
type device struct {
	id    string
	enum  string // user id
	token string
	own   []map[string]any // households this tablet collected
	team  []map[string]any // households of every tablet of its enumerator (shared on a swap)
}

// TestFiftyDevices: 50 tablets push overlapping batches with random retries, lost answers and
// duplicate sends, while supervisors review and enumerators pull. Every household ends up
// stored exactly once with all its roster rows, no client sees a 5xx or a busy database,
// and every decision reaches its enumerator's pulls.
func TestFiftyDevices(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	s := newServer(t)
	const enumerators, devicesPerEnum, perEnum = 10, 5, 50
	users, _ := s.App.FindCollectionByNameOrId("users")
	all := households(t, enumerators*perEnum, 960)
	var devices []*device
	enumTok := map[string]string{}
	teamOf := map[string]string{}
	for e := 0; e < enumerators; e++ {
		u := core.NewRecord(users)
		u.SetEmail(fmt.Sprintf("load%d@example.org", e))
		u.Set("role", "enumerator")
		team := []string{fx.teamA, fx.teamB}[e%2]
		u.Set("teams", []string{team})
		u.SetPassword("password123")
		if err := s.App.Save(u); err != nil {
			t.Fatal(err)
		}
		tok, err := u.NewStaticAuthToken(time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		enumTok[u.Id], teamOf[u.Id] = tok, team
		collected := all[e*perEnum : (e+1)*perEnum]
		per := perEnum / devicesPerEnum
		for d := 0; d < devicesPerEnum; d++ {
			devices = append(devices, &device{id: fmt.Sprintf("tab-%02d-%d", e, d), enum: u.Id, token: tok,
				own: collected[d*per : (d+1)*per], team: collected})
		}
	}

	var (
		mu       sync.Mutex
		outcomes = map[string]map[string]int{} // household id -> outcome -> times
		slowest  time.Duration                 // the slowest answered push
		trouble  []string
		requests atomic.Int64
		pushes   atomic.Int64
		pulls    atomic.Int64
		lost     atomic.Int64
	)
	note := func(p string) {
		mu.Lock()
		trouble = append(trouble, p)
		mu.Unlock()
	}
	pushBatch := func(d *device, batch []any, timeout time.Duration) bool {
		requests.Add(1)
		pushes.Add(1)
		t0 := time.Now()
		code, raw, err := call(s.URL, "POST", "/api/sync/push", d.token,
			map[string]any{"device_id": d.id, "app_version": "1.0", "submissions": batch}, timeout)
		if el := time.Since(t0); err == nil {
			mu.Lock()
			slowest = max(slowest, el)
			mu.Unlock()
		}
		if err != nil {
			lost.Add(1)
			return false // no answer: the device keeps the batch
		}
		if p := serverTrouble(code, raw); p != "" {
			note(d.id + " push: " + p)
			return false
		}
		if code != 200 {
			note(fmt.Sprintf("%s push: %d %.200s", d.id, code, raw))
			return false
		}
		var body struct {
			Results []struct{ ID, Outcome string }
		}
		if err := json.Unmarshal(raw, &body); err != nil || len(body.Results) != len(batch) {
			note(fmt.Sprintf("%s push: bad answer %v %.200s", d.id, err, raw))
			return false
		}
		mu.Lock()
		for _, r := range body.Results {
			if outcomes[r.ID] == nil {
				outcomes[r.ID] = map[string]int{}
			}
			outcomes[r.ID][r.Outcome]++
		}
		mu.Unlock()
		return true
	}

	var devWG sync.WaitGroup
	for i, d := range devices {
		devWG.Add(1)
		go func(d *device, seed int64) {
			defer devWG.Done()
			rng := rand.New(rand.NewSource(seed))
			acked := map[string]bool{}
			for rounds := 0; len(acked) < len(d.own) && rounds < 200; rounds++ {
				// a batch: households not yet acknowledged, some already sent, and some that
				// another tablet of the same enumerator sends too (overlapping batches)
				var batch []any
				var ids []string
				for _, k := range rng.Perm(len(d.own))[:1+rng.Intn(len(d.own))] {
					h := d.own[k]
					if !acked[h["id"].(string)] || rng.Intn(4) == 0 {
						batch = append(batch, h)
						ids = append(ids, h["id"].(string))
					}
				}
				for k := rng.Intn(3); k > 0; k-- {
					batch = append(batch, d.team[rng.Intn(len(d.team))])
				}
				if len(batch) == 0 {
					continue
				}
				timeout := time.Duration(0)
				if rng.Intn(8) == 0 {
					timeout = time.Duration(1+rng.Intn(30)) * time.Millisecond // the answer may be lost
				}
				if rng.Intn(6) == 0 { // the same batch sent twice at once (a double tap, a retry storm)
					var wg sync.WaitGroup
					wg.Add(1)
					go func() { defer wg.Done(); pushBatch(d, batch, 0) }()
					ok := pushBatch(d, batch, timeout)
					wg.Wait()
					if !ok {
						continue
					}
				} else if !pushBatch(d, batch, timeout) {
					time.Sleep(time.Duration(rng.Intn(5)) * time.Millisecond) // back off, retry
					continue
				}
				for _, id := range ids {
					acked[id] = true
				}
			}
			if len(acked) < len(d.own) {
				note(fmt.Sprintf("%s gave up with %d of %d households acknowledged", d.id, len(acked), len(d.own)))
			}
		}(d, int64(i))
	}

	// Enumerators pull while everything else runs; decisions seen per submission record.
	stop := make(chan struct{})
	var bgWG sync.WaitGroup
	var pullMu sync.Mutex
	pulled := map[string]map[string]bool{} // enumerator -> record -> seen a decision
	cursors := map[string]string{}
	pullOnce := func(enum string) {
		pullMu.Lock()
		cursor := cursors[enum]
		pullMu.Unlock()
		if cursor == "" {
			cursor = "0"
		}
		for {
			requests.Add(1)
			pulls.Add(1)
			code, raw, err := call(s.URL, "GET", "/api/sync/pull?limit=7&device_id=pull-"+enum+"&cursor="+cursor, enumTok[enum], nil, 0)
			if err != nil || code != 200 {
				note(fmt.Sprintf("pull %s: %d %v %.200s", enum, code, err, raw))
				return
			}
			var body struct {
				Cursor    string           `json:"cursor"`
				HasMore   bool             `json:"has_more"`
				Decisions []map[string]any `json:"decisions"`
			}
			if err := json.Unmarshal(raw, &body); err != nil {
				note("pull: " + err.Error())
				return
			}
			old, _ := strconv.ParseInt(cursor, 10, 64)
			nw, _ := strconv.ParseInt(body.Cursor, 10, 64)
			if nw < old {
				note(fmt.Sprintf("pull cursor went back: %s -> %s", cursor, body.Cursor))
			}
			pullMu.Lock()
			if pulled[enum] == nil {
				pulled[enum] = map[string]bool{}
			}
			for _, d := range body.Decisions {
				pulled[enum][fmt.Sprint(d["record"])] = true
			}
			cursors[enum] = body.Cursor
			pullMu.Unlock()
			cursor = body.Cursor
			if !body.HasMore {
				return
			}
		}
	}
	for enum := range enumTok {
		bgWG.Add(1)
		go func(enum string) {
			defer bgWG.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				pullOnce(enum)
				time.Sleep(20 * time.Millisecond)
			}
		}(enum)
	}
	// Supervisors (and a superuser in the admin UI) review what they see, by every path.
	var decided atomic.Int64
	for i, who := range []string{"supA", "supB", "superuser"} {
		bgWG.Add(1)
		go func(who string, seed int64) {
			defer bgWG.Done()
			rng := rand.New(rand.NewSource(seed))
			for {
				select {
				case <-stop:
					return
				default:
				}
				requests.Add(1)
				code, raw, err := call(s.URL, "GET", "/api/collections/submissions/records?perPage=50&sort=-seq&filter="+
					"(status='received'||status='flagged')&fields=id", fx.tok[who], nil, 0)
				if err != nil || code != 200 {
					note(fmt.Sprintf("%s list: %d %v %.200s", who, code, err, raw))
					return
				}
				var list struct{ Items []struct{ ID string } }
				json.Unmarshal(raw, &list)
				if len(list.Items) == 0 {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				pick := list.Items[rng.Intn(len(list.Items))].ID
				var path, method string
				var body any
				switch rng.Intn(4) {
				case 0:
					path, method, body = "/api/submissions/"+pick+"/review", "POST", map[string]any{"action": "approve"}
				case 1:
					path, method, body = "/api/submissions/"+pick+"/review", "POST", map[string]any{"action": "reject", "note": "check the roster"}
				case 2:
					ids := []string{pick}
					for _, it := range list.Items[:min(5, len(list.Items))] {
						ids = append(ids, it.ID)
					}
					path, method, body = "/api/review/bulk", "POST", map[string]any{"action": "approve", "ids": ids}
				default:
					path, method, body = "/api/collections/submissions/records/"+pick, "PATCH", map[string]any{"status": "approved"}
				}
				requests.Add(1)
				code, raw, err = call(s.URL, method, path, fx.tok[who], body, 0)
				if err != nil {
					note(err.Error())
					return
				}
				if p := serverTrouble(code, raw); p != "" {
					note(who + " review: " + p)
				}
				if code == 200 {
					decided.Add(1)
				} else if code != 400 && code != 404 && code != 409 { // 409: lost a race to another decision
					note(fmt.Sprintf("%s review: %d %.200s", who, code, raw))
				}
				time.Sleep(time.Duration(5+rng.Intn(10)) * time.Millisecond)
			}
		}(who, int64(100+i))
	}
	start := time.Now()
	devWG.Wait()
	close(stop)
	bgWG.Wait()
	pushTime := time.Since(start)

	// One last resend of everything by the first device of each enumerator: all exist.
	finalExists := 0
	for i := 0; i < len(devices); i += devicesPerEnum {
		d := devices[i]
		for k := 0; k < len(d.team); k += 100 {
			batch := make([]any, 0, 100)
			for _, h := range d.team[k:min(k+100, len(d.team))] {
				batch = append(batch, h)
			}
			code, raw, err := call(s.URL, "POST", "/api/sync/push", d.token, map[string]any{"device_id": d.id, "submissions": batch}, 0)
			if err != nil || code != 200 {
				t.Fatalf("final resend: %d %v %.200s", code, err, raw)
			}
			var body struct{ Results []struct{ Outcome string } }
			json.Unmarshal(raw, &body)
			for _, r := range body.Results {
				if r.Outcome != "exists" {
					t.Errorf("final resend: outcome %s", r.Outcome)
				} else {
					finalExists++
				}
			}
		}
	}
	for enum := range enumTok {
		pullOnce(enum)
	}

	for _, p := range trouble {
		t.Error(p)
	}
	total := enumerators * perEnum
	created, exists := 0, 0
	for id, o := range outcomes {
		if o["created"] > 1 {
			t.Errorf("household %s created %d times", id, o["created"])
		}
		for k := range o {
			if k != "created" && k != "exists" {
				t.Errorf("household %s: outcome %s", id, k)
			}
		}
		created += o["created"]
		exists += o["exists"]
	}
	if n := count(t, s, "submissions", ""); n != total {
		t.Errorf("%d submissions stored, want %d", n, total)
	}
	if n := count(t, s, "(SELECT uuid FROM submissions GROUP BY uuid HAVING COUNT(*) > 1)", ""); n != 0 {
		t.Errorf("%d households stored more than once", n)
	}
	if n := count(t, s, "submissions s", "s.hh_size != (SELECT COUNT(*) FROM members m WHERE m.submission = s.id)"); n != 0 {
		t.Errorf("%d submissions without all their roster rows", n)
	}
	if n := count(t, s, "members m", "NOT EXISTS (SELECT 1 FROM submissions s WHERE s.id = m.submission)"); n != 0 {
		t.Errorf("%d roster rows without their submission", n)
	}
	if n := count(t, s, "members m JOIN submissions s ON s.id = m.submission", "m.status != s.status"); n != 0 {
		t.Errorf("%d roster rows disagree with their household's status", n)
	}
	if n := count(t, s, "submissions s", "s.enumerator NOT IN (SELECT id FROM users)"); n != 0 {
		t.Errorf("%d submissions without their enumerator", n)
	}
	checkAuditChains(t, s)
	// Every decision on an enumerator's household reached that enumerator's pulls.
	var reviewed []struct {
		Sub  string `db:"submission"`
		Enum string `db:"enumerator"`
	}
	if err := s.App.DB().NewQuery(`SELECT DISTINCT r.submission AS submission, s.enumerator AS enumerator
		FROM reviews r JOIN submissions s ON s.id = r.submission`).All(&reviewed); err != nil {
		t.Fatal(err)
	}
	missed := 0
	for _, r := range reviewed {
		if !pulled[r.Enum][r.Sub] {
			missed++
		}
	}
	if missed > 0 {
		t.Errorf("%d of %d decided households never reached their enumerator's pulls", missed, len(reviewed))
	}
	audits := count(t, s, "reviews", "")
	t.Logf("%d devices of %d enumerators: %d households, %d requests (%d pushes, %d pulls, %d answers lost on purpose) in %v; "+
		"slowest push answered in %v; outcomes created %d, exists %d (+%d on the final resend); %d review requests accepted, %d audit records, %d decided households pulled",
		len(devices), enumerators, total, requests.Load(), pushes.Load(), pulls.Load(), lost.Load(), pushTime.Round(time.Millisecond),
		slowest.Round(time.Millisecond), created, exists, finalExists, decided.Load(), audits, len(reviewed)-missed)
}
