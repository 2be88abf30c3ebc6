package hooks_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/pocketbase/dbx"
)

// engineInstance is a 5-member mhs household as ODK's XForms engine serialised it
// (e2e/odk/collect.mjs over the served XForm), with a fresh instanceID.
func engineInstance(t testing.TB) (xml []byte, instanceID string) {
	t.Helper()
	b, err := os.ReadFile("testdata/mhs_engine_instance.xml")
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	return withInstanceID(b, id), id
}

func withInstanceID(b []byte, id string) []byte {
	i := bytes.Index(b, []byte("<instanceID>"))
	j := bytes.Index(b, []byte("</instanceID>"))
	out := append([]byte{}, b[:i]...)
	out = append(out, "<instanceID>uuid:"+id...)
	return append(out, b[j:]...)
}

type orClient struct {
	t    *testing.T
	s    *server
	base string
}

func newORClient(t *testing.T) *orClient {
	s := newServer(t)
	return &orClient{t: t, s: s, base: s.URL + "/openrosa/key/" + appToken(t, s, fx.enumA1)}
}

func (c *orClient) submit(xmlDoc []byte, files map[string][]byte, hdr map[string]string) orAnswer {
	c.t.Helper()
	body, ct := multipartBody(c.t, xmlDoc, files, false)
	return orRequest(c.t, "POST", c.base+"/submission?deviceID=collect%3Aabc", body, ct, hdr)
}

func (c *orClient) count(filter string) int {
	c.t.Helper()
	n, err := c.s.App.CountRecords("submissions", dbx.NewExp(filter))
	if err != nil {
		c.t.Fatal(err)
	}
	return int(n)
}

func wantStatus(t *testing.T, what string, a orAnswer, status int, msg string) {
	t.Helper()
	if a.status != status || !bytes.Contains(a.body, []byte(msg)) {
		t.Errorf("%s: %d %s (want %d containing %q)", what, a.status, a.body, status, msg)
	}
	if status != http.StatusNoContent && !bytes.Contains(a.body, []byte(`<OpenRosaResponse xmlns="http://openrosa.org/http/response"`)) {
		t.Errorf("%s: the answer is not an OpenRosaResponse: %s", what, a.body)
	}
}

// TestOpenRosaCentralStatusTable replays ODK Central's answers (central-backend
// test/integration/api/submissions.js) against fieldbase's OpenRosa routes.
func TestOpenRosaCentralStatusTable(t *testing.T) {
	c := newORClient(t)
	xml, id := engineInstance(t)

	h := orRequest(t, "HEAD", c.base+"/submission", nil, "", nil)
	if h.status != 204 || h.header.Get("X-OpenRosa-Accept-Content-Length") == "" || len(h.body) != 0 {
		t.Errorf("HEAD: %d %v %q", h.status, h.header, h.body)
	}
	body, ct := multipartBody(t, xml, nil, false)
	wantStatus(t, "no X-OpenRosa-Version", orRequest(t, "POST", c.base+"/submission", body, ct, map[string]string{"X-OpenRosa-Version": ""}), 400, "X-OpenRosa-Version")

	noAuth := orRequest(t, "HEAD", c.s.URL+"/openrosa/submission", nil, "", nil)
	if noAuth.status != 401 || !strings.HasPrefix(noAuth.header.Get("WWW-Authenticate"), "Basic realm=") {
		t.Errorf("no auth: %d %v", noAuth.status, noAuth.header)
	}
	body, ct = multipartBody(t, xml, nil, false)
	wantStatus(t, "bad key", orRequest(t, "POST", c.s.URL+"/openrosa/key/"+strings.Repeat("x", 40)+"/submission", body, ct, nil), 403, "app token")

	var noXML bytes.Buffer
	noXML.WriteString("--b\r\nContent-Disposition: form-data; name=\"photo.jpg\"; filename=\"photo.jpg\"\r\n\r\nJPEG\r\n--b--\r\n")
	wantStatus(t, "no xml part", orRequest(t, "POST", c.base+"/submission", &noXML, "multipart/form-data; boundary=b", nil), 400, "xml_submission_file")

	other := bytes.Replace(xml, []byte(`id="mhs"`), []byte(`id="nosuchform"`), 1)
	wantStatus(t, "unknown form", c.submit(other, nil, nil), 404, "not on this server")
	other = bytes.Replace(xml, []byte(`version="1"`), []byte(`version="7"`), 1)
	wantStatus(t, "unknown version", c.submit(other, nil, nil), 404, "not on this server")

	setSurveyStatus(t, c.s, "retired")
	wantStatus(t, "closed form", c.submit(xml, nil, nil), 409, "closed")
	setSurveyStatus(t, c.s, "active")
	if n := c.count("1=1"); n != 0 {
		t.Fatalf("%d submissions stored by refused requests", n)
	}

	wantStatus(t, "new", c.submit(xml, nil, nil), 201, "Received")
	wantStatus(t, "identical resend", c.submit(xml, nil, nil), 201, "Already received")
	if n := c.count("uuid = '" + id + "'"); n != 1 {
		t.Errorf("after an identical resend %d submissions have the id, want 1", n)
	}
	changed := bytes.Replace(xml, []byte("<a_dwelling>19</a_dwelling>"), []byte("<a_dwelling>20</a_dwelling>"), 1)
	wantStatus(t, "different XML, same instanceID", c.submit(changed, nil, nil), 409, "kept for a supervisor")
	var conflict struct {
		Status string `db:"status"`
		Flags  string `db:"flags"`
	}
	c.s.App.DB().NewQuery("SELECT status, flags FROM submissions WHERE uuid = {:u} AND conflict_of != ''").Bind(dbx.Params{"u": id}).One(&conflict)
	if conflict.Status != "flagged" || !strings.Contains(conflict.Flags, `"conflict"`) {
		t.Errorf("the different copy is not kept as a conflict: %+v", conflict)
	}

	// deprecatedID: Collect's edit of a sent form. Accepted as a correction of a rejected one.
	var rec string
	c.s.App.DB().NewQuery("SELECT id FROM submissions WHERE uuid = {:u} AND conflict_of = ''").Bind(dbx.Params{"u": id}).Row(&rec)
	if code, out := reviewAs(c.s, "supA", rec, map[string]any{"action": "reject", "note": "dwelling number is wrong"}); code != 200 {
		t.Fatalf("reject: %d %v", code, out)
	}
	edit := withInstanceID(changed, uuid.NewString())
	edit = bytes.Replace(edit, []byte("</instanceID>"), []byte("</instanceID><deprecatedID>uuid:"+id+"</deprecatedID>"), 1)
	wantStatus(t, "edit with deprecatedID", c.submit(edit, nil, nil), 201, "Received")
	var old string
	c.s.App.DB().NewQuery("SELECT status FROM submissions WHERE id = {:id}").Bind(dbx.Params{"id": rec}).Row(&old)
	if old != "superseded" {
		t.Errorf("the rejected submission is %q after the correction, want superseded", old)
	}
	// The device was recorded with Collect's deviceID and User-Agent.
	var app string
	c.s.App.DB().NewQuery("SELECT app_version FROM devices WHERE device_id = 'collect:abc'").Row(&app)
	if !strings.Contains(app, "org.odk.collect.android") {
		t.Errorf("device record: app_version %q", app)
	}
}

// setSurveyStatus retires or reopens mhs v1 as a superuser does in the admin UI.
func setSurveyStatus(t *testing.T, s *server, status string) {
	t.Helper()
	rec, err := s.App.FindFirstRecordByFilter("surveys", "form_id = 'mhs' && version = 1")
	if err != nil {
		t.Fatal(err)
	}
	rec.Set("status", status)
	if err := s.App.Save(rec); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRosaBasicAuth: a password login over HTTPS (here: behind a TLS proxy).
func TestOpenRosaBasicAuth(t *testing.T) {
	s := newServer(t)
	head := func(user, pass string, https bool) orAnswer {
		hdr := map[string]string{}
		if https {
			hdr["X-Forwarded-Proto"] = "https"
		}
		req, _ := http.NewRequest("HEAD", s.URL+"/openrosa/submission", nil)
		req.SetBasicAuth(user, pass)
		hdr["Authorization"] = req.Header.Get("Authorization")
		return orRequest(t, "HEAD", s.URL+"/openrosa/submission", nil, "", hdr)
	}
	if a := head("enumA1@example.org", "password123", true); a.status != 204 {
		t.Errorf("good password over https: %d", a.status)
	}
	if a := head("enumA1@example.org", "wrong", true); a.status != 401 || a.header.Get("WWW-Authenticate") == "" {
		t.Errorf("wrong password: %d %v", a.status, a.header)
	}
	if a := head("enumA1@example.org", "password123", false); a.status != 403 {
		t.Errorf("password over plain http: %d (want 403: never send a password in clear)", a.status)
	}
	if a := head("supA@example.org", "password123", true); a.status != 403 {
		t.Errorf("a supervisor's login: %d, want 403", a.status)
	}
}

// TestOpenRosaRevokedToken: a revoked token is refused at once.
func TestOpenRosaRevokedToken(t *testing.T) {
	c := newORClient(t)
	if a := orRequest(t, "HEAD", c.base+"/submission", nil, "", nil); a.status != 204 {
		t.Fatalf("fresh token: %d", a.status)
	}
	var used string
	c.s.App.DB().NewQuery("SELECT last_used FROM app_tokens").Row(&used)
	if used == "" {
		t.Error("last_used not set after a request")
	}
	// As a superuser does in the admin UI.
	tok, err := c.s.App.FindFirstRecordByFilter("app_tokens", "enumerator = {:e}", dbx.Params{"e": fx.enumA1})
	if err != nil {
		t.Fatal(err)
	}
	tok.Set("revoked", true)
	if err := c.s.App.Save(tok); err != nil {
		t.Fatal(err)
	}
	if a := orRequest(t, "HEAD", c.base+"/submission", nil, "", nil); a.status != 403 {
		t.Errorf("revoked token: %d, want 403", a.status)
	}
}

// TestOpenRosaAttachments: files come with the XML, or in a later POST of the same XML
// (*isIncomplete*); they are stored once per name, readable by the submission's roles.
func TestOpenRosaAttachments(t *testing.T) {
	c := newORClient(t)
	xml, id := engineInstance(t)
	body, ct := multipartBody(t, xml, map[string][]byte{"house.jpg": []byte("JPEG1")}, true)
	wantStatus(t, "first part", orRequest(t, "POST", c.base+"/submission", body, ct, nil), 201, "Received")
	wantStatus(t, "second part", c.submit(xml, map[string][]byte{"house.jpg": []byte("JPEG1"), "voice.m4a": []byte("AUDIO")}, nil), 201, "Already received")
	files, err := c.s.App.FindAllRecords("submission_files", dbx.HashExp{"instance_id": id})
	if err != nil || len(files) != 2 {
		t.Fatalf("stored files: %d %v", len(files), err)
	}
	// The enumerator who sent it and the team's supervisor may list them; another team may not.
	for who, want := range map[string]int{"enumA1": 2, "supA": 2, "supB": 0, "enumB1": 0, "analyst": 0} {
		code, out := c.s.do("GET", "/api/collections/submission_files/records", who, nil)
		if n, _ := out["totalItems"].(float64); code != 200 || int(n) != want {
			t.Errorf("%s lists %v files (%d), want %d", who, out["totalItems"], code, want)
		}
	}
	// Protected: no download without a file token.
	f := files[0]
	code, _ := c.s.doRaw("GET", fmt.Sprintf("/api/files/submission_files/%s/%s", f.Id, f.GetString("file")), "", nil)
	if code != 404 && code != 403 {
		t.Errorf("anonymous download of a protected file: %d", code)
	}
}

// TestOpenRosaHostileXML: attacks on the XML parser and the body size are refused with a
// 4xx and nothing is stored.
func TestOpenRosaHostileXML(t *testing.T) {
	c := newORClient(t)
	xml, _ := engineInstance(t)
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` +
		`<data id="mhs" version="1"><a_head_name>&lol3;</a_head_name><meta><instanceID>uuid:` + uuid.NewString() + `</instanceID></meta></data>`
	external := `<?xml version="1.0"?><!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
		`<data id="mhs" version="1"><a_head_name>&xxe;</a_head_name><meta><instanceID>uuid:` + uuid.NewString() + `</instanceID></meta></data>`
	undeclared := `<data id="mhs" version="1"><a_head_name>&xxe;</a_head_name><meta><instanceID>uuid:` + uuid.NewString() + `</instanceID></meta></data>`
	deep := `<data id="mhs" version="1">` + strings.Repeat("<a_psu>", 100_000) + strings.Repeat("</a_psu>", 100_000) + `</data>`
	wrongRoot := bytes.Replace(bytes.Replace(xml, []byte("<data "), []byte("<html "), 1), []byte("</data>"), []byte("</html>"), 1)
	notXML := []byte("{\"id\": \"not xml\"}")
	unknownField := bytes.Replace(xml, []byte("<a_psu>"), []byte("<evil>1</evil><a_psu>"), 1)
	cases := []struct {
		name string
		doc  []byte
		msg  string
	}{
		{"billion laughs", []byte(laughs), "DOCTYPE"},
		{"external entity", []byte(external), "DOCTYPE"},
		{"undeclared entity", []byte(undeclared), "not well-formed"},
		{"100k-deep nesting", []byte(deep), "levels deep"},
		{"wrong root", wrongRoot, "root element"},
		{"not XML", notXML, "not well-formed"},
		{"element not in the form", unknownField, "not a question of survey mhs"},
	}
	for _, tc := range cases {
		wantStatus(t, tc.name, c.submit(tc.doc, nil, nil), 400, tc.msg)
	}
	// 50 MB, sent chunked (no Content-Length) as well as with a length.
	big := bytes.Repeat([]byte("A"), 50<<20)
	for _, chunked := range []bool{false, true} {
		body, ct := multipartBody(t, xml, map[string][]byte{"video.mp4": big}, false)
		var r io.Reader = body
		if chunked {
			r = io.MultiReader(body) // hides the length: net/http sends it chunked
		}
		a := orRequest(t, "POST", c.base+"/submission", r, ct, nil)
		if a.status != 413 {
			t.Errorf("50 MB body (chunked %v): %d %s", chunked, a.status, a.body)
		}
	}
	if n := c.count("1=1"); n != 0 {
		t.Errorf("%d submissions stored from hostile requests", n)
	}
}

// TestOpenRosaChunkedSubmission: Collect may send the body chunked; it is read as a stream.
func TestOpenRosaChunkedSubmission(t *testing.T) {
	c := newORClient(t)
	xml, id := engineInstance(t)
	body, ct := multipartBody(t, xml, nil, false)
	wantStatus(t, "chunked", orRequest(t, "POST", c.base+"/submission", io.MultiReader(body), ct, nil), 201, "Received")
	if n := c.count("uuid = '" + id + "'"); n != 1 {
		t.Errorf("stored %d", n)
	}
}
