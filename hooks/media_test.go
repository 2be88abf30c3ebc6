package hooks_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/pocketbase/dbx"

	"fieldbase/hooks"
)

// installMediaSurvey installs "mhsmedia": mhs v1 with a photo of the dwelling (household
// level) and a voice recording per member (in the members repeat).
func installMediaSurvey(t *testing.T, s *server) {
	t.Helper()
	installMHSWith(t, s, "mhsmedia",
		[]any{map[string]any{"type": "audio", "name": "b_voice", "label": "Voice of the member"}},
		[]any{map[string]any{"type": "image", "name": "dwelling_photo", "label": "Photo of the dwelling"}})
}

// installMHSWith installs mhs v1 as formID, with the rows inMembers added at the start of
// the members repeat and atEnd after the last question.
func installMHSWith(t *testing.T, s *server, formID string, inMembers, atEnd []any) {
	t.Helper()
	raw, err := os.ReadFile("../schemas/mhs.json")
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	json.Unmarshal(raw, &def)
	def["settings"].(map[string]any)["form_id"] = formID
	var out []any
	for _, r := range def["survey"].([]any) {
		out = append(out, r)
		if r.(map[string]any)["name"] == "members" {
			out = append(out, inMembers...)
		}
	}
	def["survey"] = append(out, atEnd...)
	b, _ := json.Marshal(def)
	if _, err := hooks.InstallSurvey(s.App, b); err != nil {
		t.Fatalf("install %s: %v", formID, err)
	}
}

// pushMedia pushes one mhsmedia household as enumA1 whose answers name house.jpg and, for
// the first member, m1.m4a; it returns the submission's uuid.
func pushMedia(t *testing.T, s *server, seed int64) string {
	t.Helper()
	hh := households(t, 1, seed)[0]
	hh["survey"] = "mhsmedia"
	d := data(hh)
	d["dwelling_photo"] = "house.jpg"
	d["members"].([]any)[0].(map[string]any)["b_voice"] = "m1.m4a"
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(hh))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	if r := results(t, body)[0]; r["outcome"] != "created" {
		t.Fatalf("push of the media household: %v", r)
	}
	return hh["id"].(string)
}

// upload PUTs a file as the named account: raw, or as multipart/form-data.
func upload(t *testing.T, s *server, who, id, name string, file []byte, asMultipart bool) (int, map[string]any) {
	t.Helper()
	path := "/api/sync/submissions/" + id + "/attachments/" + name
	if !asMultipart {
		return s.do("PUT", path, who, file)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(file)
	w.Close()
	req, _ := http.NewRequest("PUT", s.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", fx.tok[who])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	return res.StatusCode, out
}

func missing(out map[string]any) []string {
	var names []string
	l, _ := out["missing"].([]any)
	for _, n := range l {
		names = append(names, n.(string))
	}
	return names
}

// TestMediaUploadThroughJSONPush: after a push, the list says which files the answers name
// and which are still missing; the enumerator uploads them (raw or multipart), a resend of
// the same bytes stores nothing, other bytes under a stored name are refused, a name no
// answer names is refused; only the sender uploads.
func TestMediaUploadThroughJSONPush(t *testing.T) {
	s := newServer(t)
	installMediaSurvey(t, s)
	id := pushMedia(t, s, 41)
	base := "/api/sync/submissions/" + id + "/attachments"

	code, list := s.do("GET", base, "enumA1", nil)
	if code != 200 || strings.Join(missing(list), ",") != "house.jpg,m1.m4a" {
		t.Fatalf("list before upload: %d %v", code, list)
	}
	atts := list["attachments"].([]any)
	if a := atts[1].(map[string]any); a["answer"] != "members[0].b_voice" || a["stored"] != false {
		t.Errorf("the voice attachment: %v", a)
	}
	photo := []byte("\xff\xd8\xff JPEG of the dwelling")
	if code, out := upload(t, s, "enumA1", id, "house.jpg", photo, false); code != 201 || out["outcome"] != "created" ||
		strings.Join(missing(out), ",") != "m1.m4a" {
		t.Fatalf("upload house.jpg: %d %v", code, out)
	}
	if code, out := upload(t, s, "enumA1", id, "house.jpg", photo, false); code != 200 || out["outcome"] != "exists" {
		t.Errorf("resend of the same bytes: %d %v", code, out)
	}
	if code, out := upload(t, s, "enumA1", id, "house.jpg", []byte("another photo"), false); code != 409 ||
		!strings.Contains(out["message"].(string), "never replaced") {
		t.Errorf("other bytes under a stored name: %d %v", code, out)
	}
	if code, out := upload(t, s, "enumA1", id, "other.jpg", photo, false); code != 404 ||
		!strings.Contains(strings.ToLower(out["message"].(string)), "no media answer") {
		t.Errorf("a name no answer names: %d %v", code, out)
	}
	if code, out := upload(t, s, "supA", id, "m1.m4a", []byte("AUDIO"), false); code != 403 {
		t.Errorf("a supervisor uploads: %d %v", code, out)
	}
	if code, _ := upload(t, s, "", id, "m1.m4a", []byte("AUDIO"), false); code != 401 {
		t.Errorf("anonymous upload: %d", code)
	}
	// Another enumerator of the same team gets the answer of a submission that does not exist.
	code, other := upload(t, s, "enumA2", id, "m1.m4a", []byte("AUDIO"), false)
	ghost := uuid.NewString()
	gcode, none := upload(t, s, "enumA2", ghost, "m1.m4a", []byte("AUDIO"), false)
	if code != 404 || gcode != 404 || strings.ReplaceAll(other["message"].(string), id, ghost) != none["message"] {
		t.Errorf("someone else's submission: %d %v; a missing one: %d %v", code, other, gcode, none)
	}
	voice := []byte("OggS voice of member 1")
	if code, out := upload(t, s, "enumA1", id, "m1.m4a", voice, true); code != 201 || len(missing(out)) != 0 {
		t.Fatalf("multipart upload: %d %v", code, out)
	}
	n, _ := s.App.CountRecords("submission_files", dbx.HashExp{"instance_id": id})
	if n != 2 {
		t.Errorf("%d files stored, want 2", n)
	}
	// What was stored is what was sent, byte for byte.
	c, hdr, got := s.get(t, base+"/m1.m4a", "enumA1")
	if c != 200 || !bytes.Equal(got, voice) || !strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(hdr.Get("Cache-Control"), "no-store") {
		t.Errorf("download: %d %q %v", c, got, hdr)
	}
}

// TestMediaDownloadRoles: the role matrix of a submission's files, through the attachment
// routes and PocketBase's record API; before and after the household is approved.
func TestMediaDownloadRoles(t *testing.T) {
	s := newServer(t)
	installMediaSurvey(t, s)
	id := pushMedia(t, s, 41)
	photo := []byte("JPEG bytes")
	if code, out := upload(t, s, "enumA1", id, "house.jpg", photo, false); code != 201 {
		t.Fatalf("upload: %d %v", code, out)
	}
	file := "/api/sync/submissions/" + id + "/attachments/house.jpg"
	list := "/api/sync/submissions/" + id + "/attachments"
	ghost := "/api/sync/submissions/" + uuid.NewString() + "/attachments/house.jpg"
	_, _, ghostBody := s.get(t, ghost, "enumB1")
	check := func(stage string, want map[string]int) {
		t.Helper()
		for who, status := range want {
			c, _, body := s.get(t, file, who)
			if c != status {
				t.Errorf("%s: %s downloads: %d, want %d (%s)", stage, who, c, status, body)
			}
			if c == 200 && !bytes.Equal(body, photo) {
				t.Errorf("%s: %s got other bytes", stage, who)
			}
			if c == 404 && !bytes.Equal(bytes.ReplaceAll(body, []byte(id), nil), bytes.ReplaceAll(ghostBody, []byte(ghost[len("/api/sync/submissions/"):len("/api/sync/submissions/")+36]), nil)) {
				t.Errorf("%s: %s's 404 differs from a missing submission's: %s vs %s", stage, who, body, ghostBody)
			}
			lc, _, _ := s.get(t, list, who)
			if lc != status {
				t.Errorf("%s: %s lists: %d, want %d", stage, who, lc, status)
			}
		}
		// The record API's rules say the same (a protected file needs a view of its record).
		for who, status := range want {
			if who == "" {
				continue
			}
			code, out := s.do("GET", "/api/collections/submission_files/records", who, nil)
			n, _ := out["totalItems"].(float64)
			if code != 200 || (status == 200) != (n == 1) {
				t.Errorf("%s: %s sees %v files in the record API (%d), want access %v", stage, who, out["totalItems"], code, status == 200)
			}
		}
	}
	check("received", map[string]int{"enumA1": 200, "enumA2": 404, "enumB1": 404, "supA": 200, "supB": 404,
		"analyst": 404, "analystPII": 404, "superuser": 200, "": 401})
	if _, err := s.App.DB().NewQuery("UPDATE submissions SET status = 'approved' WHERE uuid = {:u}").Bind(dbx.Params{"u": id}).Execute(); err != nil {
		t.Fatal(err)
	}
	check("approved", map[string]int{"enumA1": 200, "enumA2": 404, "enumB1": 404, "supA": 200, "supB": 404,
		"analyst": 404, "analystPII": 200, "superuser": 200, "": 401})
	// Missing and unstored names are the same 404 for the owner too.
	if c, _, _ := s.get(t, "/api/sync/submissions/"+id+"/attachments/m1.m4a", "enumA1"); c != 404 {
		t.Errorf("a file not uploaded yet: %d", c)
	}
}

// TestMediaLimits: a file over the per-file limit and one that takes the submission's files
// over the per-submission limit are refused with 413 naming the limit, by both doors, and
// nothing of them is stored.
func TestMediaLimits(t *testing.T) {
	oldFile, oldSub := hooks.MaxAttachmentBytes, hooks.MaxSubmissionAttachmentBytes
	hooks.MaxAttachmentBytes, hooks.MaxSubmissionAttachmentBytes = 1000, 1500
	t.Cleanup(func() { hooks.MaxAttachmentBytes, hooks.MaxSubmissionAttachmentBytes = oldFile, oldSub })

	s := newServer(t)
	installMediaSurvey(t, s)
	id := pushMedia(t, s, 41)
	big := bytes.Repeat([]byte("x"), 1001)
	for _, mp := range []bool{false, true} {
		if code, out := upload(t, s, "enumA1", id, "house.jpg", big, mp); code != 413 || !strings.Contains(out["message"].(string), "1000 bytes") {
			t.Errorf("a file over the limit (multipart %v): %d %v", mp, code, out)
		}
	}
	if code, out := upload(t, s, "enumA1", id, "house.jpg", bytes.Repeat([]byte("p"), 900), false); code != 201 {
		t.Fatalf("a file within the limits: %d %v", code, out)
	}
	code, out := upload(t, s, "enumA1", id, "m1.m4a", bytes.Repeat([]byte("a"), 700), false)
	if code != 413 || !strings.Contains(out["message"].(string), "at most 1500 bytes of files a submission") {
		t.Errorf("over the submission's limit: %d %v", code, out)
	}
	if n, _ := s.App.CountRecords("submission_files", dbx.HashExp{"instance_id": id}); n != 1 {
		t.Errorf("%d files stored, want 1", n)
	}
	if code, list := s.do("GET", "/api/sync/submissions/"+id+"/attachments", "enumA1", nil); code != 200 ||
		strings.Join(missing(list), ",") != "m1.m4a" || list["limits"].(map[string]any)["file_bytes"] != 1000.0 {
		t.Errorf("list after the refusal: %d %v", code, list)
	}

	// The OpenRosa door: the same writer, the same limits, in an OpenRosaResponse.
	c := &orClient{t: t, s: s, base: s.URL + "/openrosa/key/" + appToken(t, s, fx.enumA1)}
	xml, oid := engineInstance(t)
	wantStatus(t, "OpenRosa file over the limit", c.submit(xml, map[string][]byte{"big.jpg": big}, nil), 413, "at most 1000 bytes a file")
	wantStatus(t, "OpenRosa files within the limits", c.submit(xml, map[string][]byte{"a.jpg": bytes.Repeat([]byte("a"), 800)}, nil), 201, "Received")
	wantStatus(t, "OpenRosa over the submission's limit", c.submit(xml, map[string][]byte{"b.jpg": bytes.Repeat([]byte("b"), 800)}, nil), 413, "1500 bytes of files a submission")
	if n, _ := s.App.CountRecords("submission_files", dbx.HashExp{"instance_id": oid}); n != 1 {
		t.Errorf("OpenRosa: %d files stored, want 1", n)
	}
	// A file sent through OpenRosa is listed by the JSON API too.
	if code, list := s.do("GET", "/api/sync/submissions/"+oid+"/attachments", "enumA1", nil); code != 200 ||
		len(list["attachments"].([]any)) != 1 || list["attachments"].([]any)[0].(map[string]any)["name"] != "a.jpg" {
		t.Errorf("OpenRosa files in the JSON list: %d %v", code, list)
	}
}

// TestMediaDailyQuota: an enumerator's files of the last 24 hours are capped (a stolen
// tablet cannot fill the disk): past the quota an upload is 429, by both doors, naming it.
func TestMediaDailyQuota(t *testing.T) {
	old := hooks.MaxDailyAttachmentBytes
	hooks.MaxDailyAttachmentBytes = 1000
	t.Cleanup(func() { hooks.MaxDailyAttachmentBytes = old })
	s := newServer(t)
	installMediaSurvey(t, s)
	first, second := pushMedia(t, s, 41), pushMedia(t, s, 42)
	if code, out := upload(t, s, "enumA1", first, "house.jpg", bytes.Repeat([]byte("a"), 900), false); code != 201 {
		t.Fatalf("within the quota: %d %v", code, out)
	}
	code, out := upload(t, s, "enumA1", second, "house.jpg", bytes.Repeat([]byte("b"), 200), false)
	if code != 429 || !strings.Contains(out["message"].(string), "at most 1000 bytes a day") {
		t.Errorf("over the daily quota: %d %v", code, out)
	}
	c := &orClient{t: t, s: s, base: s.URL + "/openrosa/key/" + appToken(t, s, fx.enumA1)}
	xml, _ := engineInstance(t)
	wantStatus(t, "OpenRosa over the daily quota", c.submit(xml, map[string][]byte{"c.jpg": bytes.Repeat([]byte("c"), 200)}, nil), 429, "at most 1000 bytes a day")
	if n, _ := s.App.CountRecords("submission_files", nil); n != 1 {
		t.Errorf("%d files stored, want 1", n)
	}
}
