package hooks_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/archive"

	"fieldbase/dedup"
	"fieldbase/disclosure"
)

// oldDataDir unpacks testdata/datadir_v1854142.zip: the data dir `fieldbase demo --households
// 60` made with the code of commit 1854142, the last version that stored unkeyed digests
// (59 households of 6 enumerators, 45 of them reviewed).
func oldDataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pb_data")
	if err := archive.Extract(filepath.Join("testdata", "datadir_v1854142.zip"), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

type storedDigests struct {
	ID          string `db:"id"`
	UUID        string `db:"uuid"`
	Enumerator  string `db:"enumerator"`
	HeadKey     string `db:"head_key"`
	ContentHash string `db:"content_hash"`
	RawHash     string `db:"raw_hash"`
	Data        string `db:"data"`
	PII         string `db:"pii"`
	Status      string `db:"status"`
}

func digestsOf(t *testing.T, app core.App) []storedDigests {
	t.Helper()
	var rows []storedDigests
	if err := app.DB().NewQuery(`SELECT id, uuid, enumerator, head_key, content_hash, raw_hash,
		COALESCE(data, '') AS data, COALESCE(pii, '') AS pii, status FROM submissions ORDER BY id`).All(&rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func answersOf(t *testing.T, d storedDigests) map[string]any {
	var data, pii map[string]any
	json.Unmarshal([]byte(d.Data), &data)
	json.Unmarshal([]byte(d.PII), &pii)
	for k, v := range pii {
		if rows, ok := v.([]any); ok {
			target, _ := data[k].([]any)
			for i, r := range rows {
				if i < len(target) {
					for kk, vv := range r.(map[string]any) {
						target[i].(map[string]any)[kk] = vv
					}
				}
			}
			continue
		}
		data[k] = v
	}
	return data
}

// TestRekeyOldDataDir: a data dir of the previous version (unkeyed SHA-256 digests) is
// rekeyed at the first start: every head key and content hash recomputed from the stored
// answers under the new secret, raw hashes cleared, nothing else changed; resends of the old
// households are still recognised, and new households are still matched against them.
// Losing the secret later loses nothing either: a new one is made and the digests recomputed.
func TestRekeyOldDataDir(t *testing.T) {
	dir := oldDataDir(t)
	if _, err := os.Stat(filepath.Join(dir, disclosure.SecretFile)); err == nil {
		t.Fatal("the old data dir already has a secret")
	}
	// What the old version stored, read before any fieldbase hook runs.
	raw, err := newPlainApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	old := digestsOf(t, raw)
	raw.Cleanup()
	named := 0
	for _, d := range old {
		name, _ := answersOf(t, d)["a_head_name"].(string)
		if name != "" {
			named++
			if d.HeadKey != dedup.HeadKey(name) {
				t.Fatalf("the fixture's head key of %s is not the old unkeyed one", d.ID)
			}
		}
		if d.RawHash == "" {
			t.Fatalf("the fixture's %s has no raw hash", d.ID)
		}
	}
	if len(old) != 59 || named < 40 {
		t.Fatalf("fixture: %d submissions, %d with a head name", len(old), named)
	}

	s := newServerAt(t, dir)
	keys, err := s.Srv.Keys()
	if err != nil {
		t.Fatal(err)
	}
	now := digestsOf(t, s.App)
	if len(now) != len(old) {
		t.Fatalf("%d submissions after the rekey, %d before", len(now), len(old))
	}
	for i, d := range now {
		o := old[i]
		answers := answersOf(t, d)
		name, _ := answers["a_head_name"].(string)
		switch {
		case d.ID != o.ID || d.Data != o.Data || d.PII != o.PII || d.Status != o.Status:
			t.Fatalf("%s: the rekey changed more than the digests", d.ID)
		case d.HeadKey != dedup.HeadKeyWith(keys, name):
			t.Fatalf("%s: head key %q, want the keyed digest of the stored name", d.ID, d.HeadKey)
		case name != "" && d.HeadKey == o.HeadKey:
			t.Fatalf("%s: head key unchanged", d.ID)
		case d.ContentHash != dedup.ContentHashWith(keys, answers) || d.ContentHash == o.ContentHash:
			t.Fatalf("%s: content hash not recomputed under the secret", d.ID)
		case d.RawHash != "":
			t.Fatalf("%s: an unkeyed raw hash is left", d.ID)
		}
	}
	if n, err := s.Srv.Rekey(t.Context()); n != 0 || err != nil {
		t.Fatalf("a second rekey rewrote %d (%v), want 0", n, err)
	}

	// Resends of old households, rebuilt from what is stored, are answered exists.
	exists := 0
	for _, d := range now[:10] {
		if d.Status == "duplicate" {
			continue
		}
		env := map[string]any{"id": d.UUID, "survey": "mhs", "version": 1, "data": answersOf(t, d)}
		var started, completed string
		s.App.DB().NewQuery("SELECT started_at, completed_at FROM submissions WHERE id = {:id}").Bind(dbx.Params{"id": d.ID}).Row(&started, &completed)
		env["started_at"], env["completed_at"] = isoTime(started), isoTime(completed)
		code, body := pushAsUser(t, s, d.Enumerator, env)
		if code != 200 {
			t.Fatalf("resend: %d %v", code, body)
		}
		r := results(t, body)[0]
		if r["outcome"] != "exists" || r["record"] != d.ID {
			t.Fatalf("resend of %s after the rekey: %v", d.ID, r)
		}
		exists++
	}
	// A new interview of an old household (another dwelling number, the same head, roster
	// and GPS) is still found: the fresh push's keyed head key matches the rekeyed one.
	var target storedDigests
	for _, d := range now {
		a := answersOf(t, d)
		if _, ok := a["a_gps"].(map[string]any); ok && a["a_head_name"] != nil && d.Status != "duplicate" {
			target = d
			break
		}
	}
	again := answersOf(t, target)
	again["a_dwelling"] = 990
	env := map[string]any{"id": newID(), "survey": "mhs", "version": 1, "data": again}
	code, body := pushAsUser(t, s, target.Enumerator, env)
	if code != 200 {
		t.Fatal(body)
	}
	r := results(t, body)[0]
	var flags string
	s.App.DB().NewQuery("SELECT flags FROM submissions WHERE id = {:id}").Bind(dbx.Params{"id": r["record"]}).Row(&flags)
	if !strings.Contains(flags, target.ID) || !strings.Contains(flags, "same head name") {
		t.Fatalf("the new interview of %s is not matched on its head name: %v / %s", target.ID, r, flags)
	}

	// The secret lost: the next start makes another and recomputes; no household is lost.
	lost := s.App.DataDir()
	s.hs.Close()
	if err := os.Remove(filepath.Join(lost, disclosure.SecretFile)); err != nil {
		t.Fatal(err)
	}
	s2 := newServerAt(t, lost)
	keys2, _ := s2.Srv.Keys()
	if keys2.Fingerprint() == keys.Fingerprint() {
		t.Fatal("the same secret came back")
	}
	after := digestsOf(t, s2.App)
	if len(after) != len(now)+1 {
		t.Fatalf("%d submissions after the secret was lost, want %d", len(after), len(now)+1)
	}
	for _, d := range after {
		name, _ := answersOf(t, d)["a_head_name"].(string)
		if d.HeadKey != dedup.HeadKeyWith(keys2, name) {
			t.Fatalf("%s not rekeyed under the new secret", d.ID)
		}
	}
	t.Logf("old data dir: %d submissions rekeyed (%d with a head name), %d resends answered exists; rekeyed again after the secret was lost", len(now), named, exists)
}

// newPlainApp opens a clone of a data dir with the migrations applied and no fieldbase hook.
func newPlainApp(dir string) (*tests.TestApp, error) {
	return tests.NewTestApp(dir)
}

// isoTime turns a stored PocketBase date into the RFC 3339 a device sends ("" stays "").
func isoTime(s string) string {
	if s == "" {
		return ""
	}
	return strings.Replace(s, " ", "T", 1)
}

// pushAsUser pushes env as the user with record id uid (a static token made in the app).
func pushAsUser(t *testing.T, s *server, uid string, env map[string]any) (int, map[string]any) {
	t.Helper()
	u, err := s.App.FindRecordById("users", uid)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := u.NewStaticAuthToken(0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(push(env))
	code, raw := s.rawRequest(http.MethodPost, "/api/sync/push", tok, nil, strings.NewReader(string(b)), -1)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return code, out
}

// TestDigestsFollowAnEdit: a superuser's edit of the answers in the admin UI recomputes the
// stored digests, so the household is matched by its answers as they now are.
func TestDigestsFollowAnEdit(t *testing.T) {
	s := newServer(t)
	env := households(t, 1, 1212)[0]
	id, _ := pushOne(t, s, "enumA1", env)
	var pii map[string]any
	var raw string
	s.App.DB().NewQuery("SELECT pii FROM submissions WHERE id = {:id}").Bind(dbx.Params{"id": id}).Row(&raw)
	json.Unmarshal([]byte(raw), &pii)
	pii["a_head_name"] = "Bishnu Prasad Adhikari"
	if code, body := s.do("PATCH", "/api/collections/submissions/records/"+id, "superuser", map[string]any{"pii": pii}); code != 200 {
		t.Fatalf("edit: %d %v", code, body)
	}
	keys, _ := s.Srv.Keys()
	var d storedDigests
	s.App.DB().NewQuery("SELECT id, uuid, enumerator, head_key, content_hash, raw_hash, COALESCE(data, '') AS data, COALESCE(pii, '') AS pii, status FROM submissions WHERE id = {:id}").
		Bind(dbx.Params{"id": id}).One(&d)
	if d.HeadKey != dedup.HeadKeyWith(keys, "Bishnu Prasad Adhikari") || d.ContentHash != dedup.ContentHashWith(keys, answersOf(t, d)) {
		t.Fatalf("digests after the edit: %+v", d)
	}
}
