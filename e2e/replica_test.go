package e2e

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestReplicaRestoreAfterKill: a server replicating with Litestream (serve --replica DIR)
// is killed with SIGKILL in the middle of concurrent pushes and its data dir is thrown away;
// `fieldbase replica restore` writes the replica into an empty data dir, and a server on it
// has every household a push answered created (with all its roster rows) and the accounts.
func TestReplicaRestoreAfterKill(t *testing.T) {
	f := newField(t)
	replicaDir := filepath.Join(t.TempDir(), "replica")
	f.stop()
	f.args = []string{"--replica", replicaDir}
	f.start()

	hh := households(t, 1200, 1919)
	members := map[string]int{}
	for _, h := range hh {
		rows, _ := h["data"].(map[string]any)["members"].([]any)
		members[h["id"].(string)] = len(rows)
	}
	// 12 devices push 100 households each at once; the server is killed once some have
	// been answered and others are still in flight.
	var mu sync.Mutex
	acked := map[string]bool{}
	answered := 0
	var wg sync.WaitGroup
	for d := 0; d < 12; d++ {
		wg.Add(1)
		go func(d int) {
			defer wg.Done()
			for k := 0; k < 4; k++ {
				batch := hh[d*100+k*25 : d*100+(k+1)*25]
				code, raw, err := f.call("POST", "/api/sync/push", f.enum, pushBody(fmt.Sprintf("tab-%d", d), batch))
				if err != nil {
					return // the server is gone
				}
				var body struct {
					Results []struct{ ID, Outcome string }
				}
				if code != 200 || json.Unmarshal(raw, &body) != nil {
					t.Errorf("push answered %d %.200s", code, raw)
					return
				}
				mu.Lock()
				answered++
				for _, r := range body.Results {
					if r.Outcome == "created" {
						acked[r.ID] = true
					}
				}
				mu.Unlock()
			}
		}(d)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		n := answered
		mu.Unlock()
		if n >= 12 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the pushes did not get far enough to kill the server")
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.kill9()
	wg.Wait()
	if answered == 48 {
		t.Errorf("every push was answered before the kill: the kill was not mid-push")
	}
	if len(acked) == 0 {
		t.Fatal("no household was acknowledged before the kill")
	}

	// The server's disk is lost: restore the replica into an empty data dir.
	restored := filepath.Join(t.TempDir(), "pb_data")
	out, err := exec.Command(bin, "replica", "restore", "--from", replicaDir, "--dir", restored).CombinedOutput()
	if err != nil {
		t.Fatalf("replica restore: %v\n%s", err, out)
	}
	app := inspect(t, restored)
	var rows []struct {
		UUID    string `db:"uuid"`
		Members int    `db:"members"`
	}
	if err := app.DB().NewQuery(`SELECT s.uuid, (SELECT COUNT(*) FROM members m WHERE m.submission = s.id) AS members
		FROM submissions s`).All(&rows); err != nil {
		t.Fatal(err)
	}
	have := map[string]int{}
	for _, r := range rows {
		have[r.UUID] = r.Members
	}
	lost := 0
	for id := range acked {
		n, ok := have[id]
		if !ok || n != members[id] {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged household %s: in the restored database %v with %d of %d roster rows", id, ok, n, members[id])
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged households are missing or incomplete in the restored replica", lost, len(acked))
	}
	if n := count(t, app, "SELECT COUNT(*) FROM users WHERE email = 'enum@example.org'"); n != 1 {
		t.Errorf("the enumerator's account is not in the restored database")
	}

	// A server on the restored data dir answers the devices: a resend is exists for every
	// acknowledged household.
	p2 := &proc{t: t, dir: restored, addr: f.addr, url: f.url, out: f.out}
	p2.start()
	defer p2.stop()
	f2 := &field{proc: p2, enum: p2.login("users", "enum@example.org", "password123")}
	var again []map[string]any
	for _, h := range hh {
		if acked[h["id"].(string)] {
			again = append(again, h)
		}
	}
	tally := map[string]int{}
	for _, o := range f2.pushAll(again) {
		tally[o]++
	}
	if tally["exists"] != len(again) {
		t.Errorf("resending the %d acknowledged households to the restored server: %v, want all exists", len(again), tally)
	}
	t.Logf("killed with %d of 48 pushes answered, %d households acknowledged; all of them in the restored replica (%d households there)",
		answered, len(acked), len(rows))
}
