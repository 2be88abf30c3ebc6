package e2e

import (
	"encoding/json"
	"testing"
	"time"
)

// TestBackupRestoreProcess backs up a running server through /api/backups, keeps working,
// then restores the backup through /api/backups/{key}/restore: PocketBase swaps pb_data and
// re-executes the process. The restarted server holds exactly the backed-up submissions and
// decisions, and devices resending everything get exists for those and created for the rest.
func TestBackupRestoreProcess(t *testing.T) {
	f := newField(t)
	hh := households(t, 400, 301)
	out := f.pushAll(hh[:300])
	var ids []string
	for _, h := range hh[:300] {
		if out[h["id"].(string)] != "created" {
			t.Fatalf("push: %v", out[h["id"].(string)])
		}
		ids = append(ids, h["id"].(string))
	}
	f.must("POST", "/api/review/bulk", f.sup, map[string]any{"action": "approve", "ids": ids[:20]}, 200)
	statusCount := func() map[string]int {
		body := f.must("GET", "/api/review/summary?team="+f.team, f.sup, nil, 200)
		out := map[string]int{}
		for k, v := range body["by_status"].(map[string]any) {
			out[k] = int(v.(float64))
		}
		return out
	}
	before := statusCount()
	f.must("POST", "/api/backups", f.su, map[string]any{"name": "e2e_backup.zip"}, 204)
	code, raw, err := f.call("GET", "/api/backups", f.su, nil)
	var backups []struct {
		Key  string `json:"key"`
		Size int64  `json:"size"`
	}
	if err != nil || code != 200 || json.Unmarshal(raw, &backups) != nil || len(backups) != 1 || backups[0].Key != "e2e_backup.zip" {
		t.Fatalf("backups list: %d %v %.200s", code, err, raw)
	}

	// Work goes on: 100 more households and 5 rejections, then the restore.
	f.pushAll(hh[300:])
	f.must("POST", "/api/review/bulk", f.sup, map[string]any{"action": "reject", "note": "redo", "ids": ids[20:25]}, 200)
	if n, _ := f.stored(); n != 400 {
		t.Fatalf("%d stored before the restore", n)
	}
	pid := f.cmd.Process.Pid
	start := time.Now()
	f.must("POST", "/api/backups/e2e_backup.zip/restore", f.su, nil, 204)
	// PocketBase answers, waits a second, swaps pb_data and re-executes the same process.
	deadline := time.Now().Add(time.Minute)
	for {
		if n, err := f.stored(); err == nil && n == 300 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not come back with the backed-up data within a minute")
		}
		select {
		case <-f.done:
			t.Fatal("the server exited instead of restarting")
		default:
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("restored and restarted in %v (same pid %d: re-executed in place)", time.Since(start).Round(time.Millisecond), pid)

	after := statusCount()
	if len(before) != len(after) {
		t.Errorf("statuses before the backup %v, after the restore %v", before, after)
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("statuses before the backup %v, after the restore %v", before, after)
			break
		}
	}
	// The enumerator's tablet resends everything.
	resent := f.pushAll(hh)
	tally := map[string]int{}
	for i, h := range hh {
		o := resent[h["id"].(string)]
		tally[o]++
		want := "exists"
		if i >= 300 {
			want = "created"
		}
		if o != want {
			t.Errorf("resend of household %d: %s, want %s", i, o, want)
		}
	}
	// The pull feed is the backed-up one: 20 approvals, no rejection.
	code, raw, err = f.call("GET", "/api/sync/pull?limit=1000", f.enum, nil)
	if err != nil || code != 200 {
		t.Fatalf("pull: %d %v", code, err)
	}
	var pull struct {
		Decisions []struct{ Status string }
	}
	json.Unmarshal(raw, &pull)
	decided := map[string]int{}
	for _, d := range pull.Decisions {
		decided[d.Status]++
	}
	if decided["approved"] != 20 || len(decided) != 1 {
		t.Errorf("decisions pulled after the restore: %v, want 20 approved", decided)
	}
	t.Logf("backup (%d bytes) with %v; after the restore %v; resend of 400: %v", backups[0].Size, before, after, tally)
}
