package hooks_test

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"fieldbase/hooks"
)

// TestAttackLoginThrottle: ten wrong sign-ins from one office IP locked every colleague
// behind it out (429 for the right password too). Now the identity that failed is slowed
// down from that address; a colleague at the same address, and the same person elsewhere,
// sign in.
func TestAttackLoginThrottle(t *testing.T) {
	s := newServer(t)
	s.App.Settings().TrustedProxy.Headers = []string{"X-Forwarded-For"}
	login := func(who, password, addr string) (int, string) {
		code, raw := s.rawRequest("POST", "/api/collections/users/auth-with-password", "",
			map[string]string{"X-Forwarded-For": addr},
			strings.NewReader(fmt.Sprintf(`{"identity":"%s@example.org","password":"%s"}`, who, password)), -1)
		return code, string(raw)
	}
	f := foreign{values: []string{"enumA2", fx.enumA1, fx.enumA2}}
	var codes []int
	for i := 0; i < 7; i++ {
		code, text := login("enumA1", fmt.Sprint("guess", i), "10.0.0.7")
		codes = append(codes, code)
		f.checkText(t, "enumA1", "failed sign-in", text)
	}
	if fmt.Sprint(codes) != "[400 400 400 400 400 429 429]" {
		t.Errorf("wrong passwords from one address: %v, want 5 x 400 then 429", codes)
	}
	if code, _ := login("enumA1", "password123", "10.0.0.7"); code != 429 {
		t.Errorf("the throttled identity's right password from the same address: %d, want 429", code)
	}
	if code, text := login("enumA2", "password123", "10.0.0.7"); code != 200 {
		t.Errorf("a colleague behind the same office IP: %d %.200s, want 200", code, text)
	}
	if code, text := login("enumA1", "password123", "10.0.0.8"); code != 200 {
		t.Errorf("the same person from another address: %d %.200s, want 200", code, text)
	}
	// Spraying many identities from one address is slowed down too (hooks.LoginFailsPerAddressAll,
	// 12 here to keep the test short).
	all := hooks.LoginFailsPerAddressAll
	hooks.LoginFailsPerAddressAll = 12
	defer func() { hooks.LoginFailsPerAddressAll = all }()
	limited := false
	for i := 0; i < hooks.LoginFailsPerAddressAll+5 && !limited; i++ {
		code, _ := login(fmt.Sprintf("someone%d", i), "x", "10.0.0.9")
		limited = code == 429
	}
	if !limited {
		t.Errorf("%d failed sign-ins of different identities from one address were never slowed down", hooks.LoginFailsPerAddressAll+5)
	}
}

// TestAttackQuota: one enumerator stored 15 MB of junk in 0.64 s. Past the daily quota of
// invalid submissions (or bytes), items are refused with a message saying so, and nothing
// of them is stored.
func TestAttackQuota(t *testing.T) {
	t.Setenv("FIELDBASE_QUOTA_INVALID", "3")
	t.Setenv("FIELDBASE_QUOTA_BYTES", "400000")
	s := newServer(t)
	var items []any
	for i, h := range households(t, 6, 611) {
		data(h)["a_hh_size"] = 41 + i // breaks a range rule: invalid
		items = append(items, h)
	}
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(items...))
	if code != 200 {
		t.Fatal(body)
	}
	var outcomes []string
	for _, r := range results(t, body) {
		outcomes = append(outcomes, fmt.Sprint(r["outcome"], "/", r["status"]))
		if r["outcome"] == "refused" && !strings.Contains(fmt.Sprint(r["errors"]), "daily quota reached") {
			t.Errorf("refused without saying it is the quota: %v", r["errors"])
		}
	}
	if strings.Join(outcomes, " ") != "created/invalid created/invalid created/invalid refused/<nil> refused/<nil> refused/<nil>" {
		t.Errorf("6 invalid households past a quota of 3: %v", outcomes)
	}
	if n := count(t, s, "submissions", "enumerator = '"+fx.enumA1+"'"); n != 3 {
		t.Errorf("%d stored, want 3", n)
	}
	// Bytes: valid households until the day's bytes run out; another enumerator is not held back.
	stored := 0
	for round := 0; round < 40; round++ {
		var batch []any
		for _, h := range households(t, 10, int64(700+round)) {
			batch = append(batch, h)
		}
		_, body := s.do("POST", "/api/sync/push", "enumA1", push(batch...))
		refused := false
		for _, r := range results(t, body) {
			if r["outcome"] == "refused" {
				refused = true
				if !strings.Contains(fmt.Sprint(r["errors"]), "bytes of answers stored today") {
					t.Fatalf("refused for another reason: %v", r["errors"])
				}
			} else {
				stored++
			}
		}
		if refused {
			break
		}
	}
	var bytes int
	s.App.DB().NewQuery("SELECT SUM(LENGTH(data) + LENGTH(COALESCE(pii, ''))) FROM submissions WHERE enumerator = {:e}").
		Bind(map[string]any{"e": fx.enumA1}).Row(&bytes)
	if bytes > 400000 || stored == 0 {
		t.Errorf("%d bytes stored by enumA1 (quota 400000), %d valid households", bytes, stored)
	}
	code, body = s.do("POST", "/api/sync/push", "enumA2", push(households(t, 1, 999)[0]))
	if code != 200 || results(t, body)[0]["outcome"] != "created" {
		t.Errorf("another enumerator: %d %v", code, body)
	}
}

// TestAttackSlowBody: a body trickled a byte at a time held a connection for minutes. Past
// the grace, a body slower than the minimum rate is cut off.
func TestAttackSlowBody(t *testing.T) {
	grace, rate := hooks.BodyGrace, hooks.MinBodyRate
	hooks.BodyGrace, hooks.MinBodyRate = time.Second, 1<<20
	defer func() { hooks.BodyGrace, hooks.MinBodyRate = grace, rate }()
	s := newServer(t)
	u, _ := url.Parse(s.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", fx.tok["enumA1"])
	start := time.Now()
	closed := make(chan time.Duration, 1)
	answer := make(chan string, 1)
	go func() {
		buf := bufio.NewReader(conn)
		line, _ := buf.ReadString('\n')
		answer <- strings.TrimSpace(line)
		for {
			if _, err := buf.ReadByte(); err != nil {
				closed <- time.Since(start)
				return
			}
		}
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case d := <-closed:
			t.Logf("a trickled body was answered %q and the connection closed after %v", <-answer, d.Round(100*time.Millisecond))
			if d > 8*time.Second {
				t.Errorf("cut off only after %v", d)
			}
			return
		case <-tick.C:
			conn.Write([]byte(" "))
			if time.Since(start) > 15*time.Second {
				t.Fatal("a body trickled at 5 bytes a second still holds the connection after 15 s")
			}
		}
	}
}
