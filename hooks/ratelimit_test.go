package hooks_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestRateLimitOnByDefault: the migrations turn PocketBase's rate limiter on (README, "Rate
// limiting"); hammering the password login of one account gets 429 after 5 failures from one
// address (hooks/auth.go), for users and superusers alike, and the sync routes are limited
// too.
func TestRateLimitOnByDefault(t *testing.T) {
	s := newServer(t)
	// newServer turns the limiter off in memory; the stored settings are what a server starts with.
	if err := s.App.ReloadSettings(); err != nil {
		t.Fatal(err)
	}
	rl := s.App.Settings().RateLimits
	if !rl.Enabled {
		t.Fatal("the rate limiter is off in a freshly migrated data dir")
	}
	want := map[string][2]int{"*:auth": {100, 10}, "*:create": {50, 5}, "/api/sync/": {100, 1}, "/api/": {600, 10}}
	for _, r := range rl.Rules {
		if w, ok := want[r.Label]; ok {
			if r.MaxRequests != w[0] || r.Duration != int64(w[1]) {
				t.Errorf("rule %s: %d per %d s, README says %d per %d s", r.Label, r.MaxRequests, r.Duration, w[0], w[1])
			}
			delete(want, r.Label)
		}
	}
	for label := range want {
		t.Errorf("no rate limit rule %s", label)
	}

	for _, col := range []string{"users", "_superusers"} {
		path := "/api/collections/" + col + "/auth-with-password"
		var codes []int
		for i := 0; i < 15; i++ {
			code, raw := s.doRaw("POST", path, "", map[string]any{"identity": "enumA1@example.org", "password": fmt.Sprint("guess", i)})
			codes = append(codes, code)
			if code == 429 {
				if err := jsonError(raw, 429); err != nil {
					t.Error(err)
				}
			}
		}
		for i, c := range codes {
			if (i < 5 && c != 400) || (i >= 5 && c != 429) {
				t.Errorf("%s: answers %v, want 5 x 400 (wrong password) then 429", path, codes)
				break
			}
		}
		// the right password does not get through either while limited
		code, _ := s.doRaw("POST", path, "", map[string]any{"identity": "enumA1@example.org", "password": "password123"})
		if code != 429 {
			t.Errorf("%s: right password while limited: %d, want 429", path, code)
		}
	}

	// 300 pulls from 10 goroutines at once: well over 100 in any second, however slow the
	// machine is (sequential requests on a loaded CI machine could stay under the limit).
	var limited atomic.Int32
	var wg sync.WaitGroup
	for g := 0; g < 10; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				if code, _ := s.doRaw("GET", "/api/sync/pull?cursor=1000000", "enumA1", nil); code == 429 {
					limited.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if limited.Load() == 0 {
		t.Error("300 concurrent pulls were never limited (README: 100 per second)")
	}
}
