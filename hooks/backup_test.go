package hooks_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pocketbase/pocketbase/tools/archive"
)

// storedState is what a restore must bring back.
type storedState struct {
	Submissions []struct {
		UUID   string `db:"uuid"`
		Status string `db:"status"`
		Hash   string `db:"content_hash"`
		Size   int    `db:"hh_size"`
		Seq    int    `db:"seq"`
	}
	Members, Emigrants, Reviews, Changes, Devices int
}

func stateOf(t *testing.T, s *server) storedState {
	t.Helper()
	var st storedState
	if err := s.App.DB().NewQuery("SELECT uuid, status, content_hash, hh_size, seq FROM submissions ORDER BY uuid, created").All(&st.Submissions); err != nil {
		t.Fatal(err)
	}
	st.Members, st.Emigrants = count(t, s, "members", ""), count(t, s, "emigrants", "")
	st.Reviews, st.Changes, st.Devices = count(t, s, "reviews", ""), count(t, s, "changes", ""), count(t, s, "devices", "")
	return st
}

// TestBackupRestore makes a backup of pb_data through PocketBase's backups API, keeps
// working, then restores the backup into a fresh data dir: the same submissions, roster
// rows, audit trail and pull feed come back, and devices resending see what was kept.
func TestBackupRestore(t *testing.T) {
	s := newServer(t)
	hh := households(t, 25, 940)
	var ids []string
	for _, h := range hh[:20] {
		id, _ := pushOne(t, s, "enumA1", h)
		ids = append(ids, id)
	}
	for i, id := range ids[:7] {
		d := map[string]any{"action": "approve"}
		if i >= 5 {
			d = map[string]any{"action": "reject", "note": "the roster is incomplete"}
		}
		if code, body := reviewAs(s, "supA", id, d); code != 200 {
			t.Fatalf("review: %d %v", code, body)
		}
	}
	before := stateOf(t, s)

	// Only a superuser makes, lists and downloads backups.
	for who, want := range map[string]int{"": 401, "enumA1": 403, "supA": 403, "analyst": 403} {
		if code, _ := s.doRaw("POST", "/api/backups", who, map[string]any{"name": "x.zip"}); code != want {
			t.Errorf("%q creates a backup: %d, want %d", who, code, want)
		}
		if code, _ := s.doRaw("GET", "/api/backups", who, nil); code != want {
			t.Errorf("%q lists backups: %d, want %d", who, code, want)
		}
	}
	if code, raw := s.doRaw("POST", "/api/backups", "superuser", map[string]any{"name": "before_more.zip"}); code != 204 {
		t.Fatalf("create backup: %d %s", code, raw)
	}
	// work goes on after the backup
	for _, h := range hh[20:] {
		pushOne(t, s, "enumA1", h)
	}

	code, body := s.do("POST", "/api/files/token", "superuser", nil)
	if code != 200 {
		t.Fatalf("file token: %d %v", code, body)
	}
	if code, _ := s.doRaw("GET", "/api/backups/before_more.zip", "enumA1", nil); code == 200 {
		t.Error("an enumerator downloads the backup")
	}
	code, zipBytes := s.doRaw("GET", "/api/backups/before_more.zip?token="+body["token"].(string), "", nil)
	if code != 200 {
		t.Fatalf("download backup: %d %.200s", code, zipBytes)
	}
	tmp := t.TempDir()
	zipPath := filepath.Join(tmp, "backup.zip")
	if err := os.WriteFile(zipPath, zipBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(tmp, "pb_data")
	if err := archive.Extract(zipPath, restored); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"data.db", "auxiliary.db"} {
		if _, err := os.Stat(filepath.Join(restored, f)); err != nil {
			t.Fatalf("backup without %s: %v", f, err)
		}
	}

	r := newServerAt(t, restored)
	var check string
	if err := r.App.DB().NewQuery("PRAGMA integrity_check").Row(&check); err != nil || check != "ok" {
		t.Fatalf("restored data.db integrity: %q %v", check, err)
	}
	after := stateOf(t, r)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("restored state differs:\nbefore %+v\nafter  %+v", before, after)
	}
	// Devices resend everything: what the backup kept exists, what came later is created again.
	all := make([]any, len(hh))
	for i := range hh {
		all[i] = hh[i]
	}
	code, body = r.do("POST", "/api/sync/push", "enumA1", push(all...))
	if code != 200 {
		t.Fatalf("resend to the restored server: %d %v", code, body)
	}
	for i, res := range results(t, body) {
		want := "exists"
		if i >= 20 {
			want = "created"
		}
		if res["outcome"] != want {
			t.Errorf("resend item %d: %v, want %s", i, res["outcome"], want)
		}
	}
	_, pages := pullAll(t, r, "enumA1", "0", 100)
	if n := len(items(pages, "decisions")); n != 7 {
		t.Errorf("the restored pull feed has %d decisions, want 7", n)
	}
	t.Logf("backup of %d submissions (%d roster rows, %d audit records): %d bytes, restored identical", len(before.Submissions), before.Members, before.Reviews, len(zipBytes))
}
