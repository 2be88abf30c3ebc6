package hooks_test

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/hooks"
)

// appToken makes an app token for a fixture enumerator and returns its secret.
func appToken(t testing.TB, s *server, enum string) string {
	t.Helper()
	col, err := s.App.FindCollectionByNameOrId("app_tokens")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Set("enumerator", enum)
	r.Set("label", "tablet")
	if err := s.App.Save(r); err != nil {
		t.Fatal(err)
	}
	tok := r.GetString("token")
	if len(tok) < 32 {
		t.Fatalf("app token %q is too short", tok)
	}
	return tok
}

type orAnswer struct {
	status int
	header http.Header
	body   []byte
}

// orRequest sends an OpenRosa request as Collect does (X-OpenRosa-Version, User-Agent).
func orRequest(t testing.TB, method, url string, body io.Reader, contentType string, hdr map[string]string) orAnswer {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-OpenRosa-Version", "1.0")
	req.Header.Set("User-Agent", "org.odk.collect.android/v2025.2.1")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("X-OpenRosa-Version") != "1.0" || res.Header.Get("Date") == "" {
		t.Errorf("%s %s: answer %d lacks X-OpenRosa-Version: 1.0 or Date (headers %v)", method, url, res.StatusCode, res.Header)
	}
	return orAnswer{res.StatusCode, res.Header, b}
}

// multipartBody is a submission as Collect builds it: the XML part, then files.
func multipartBody(t testing.TB, xmlDoc []byte, files map[string][]byte, incomplete bool) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="xml_submission_file"; filename="submission.xml"`}
	h["Content-Type"] = []string{"text/xml"}
	p, _ := w.CreatePart(h)
	p.Write(xmlDoc)
	for name, data := range files {
		fw, _ := w.CreateFormFile(name, name)
		fw.Write(data)
	}
	if incomplete {
		w.WriteField("*isIncomplete*", "yes")
	}
	w.Close()
	return &b, w.FormDataContentType()
}

type formList struct {
	XMLName xml.Name `xml:"http://openrosa.org/xforms/xformsList xforms"`
	Forms   []struct {
		FormID      string `xml:"http://openrosa.org/xforms/xformsList formID"`
		Name        string `xml:"http://openrosa.org/xforms/xformsList name"`
		Version     string `xml:"http://openrosa.org/xforms/xformsList version"`
		Hash        string `xml:"http://openrosa.org/xforms/xformsList hash"`
		DownloadURL string `xml:"http://openrosa.org/xforms/xformsList downloadUrl"`
		ManifestURL string `xml:"http://openrosa.org/xforms/xformsList manifestUrl"`
	} `xml:"http://openrosa.org/xforms/xformsList xform"`
}

// TestOpenRosaFormList checks the rules ODK Collect enforces on a form list.
func TestOpenRosaFormList(t *testing.T) {
	s := newServer(t)
	tok := appToken(t, s, fx.enumA1)
	base := s.URL + "/openrosa/key/" + tok
	a := orRequest(t, "GET", base+"/formList", nil, "", nil)
	if a.status != 200 || a.header.Get("Content-Type") != "text/xml; charset=utf-8" {
		t.Fatalf("formList: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	var fl formList
	if err := xml.Unmarshal(a.body, &fl); err != nil {
		t.Fatalf("formList is not in the xformsList namespace: %v\n%s", err, a.body)
	}
	if len(fl.Forms) != 1 {
		t.Fatalf("want the one active survey, got %d: %s", len(fl.Forms), a.body)
	}
	f := fl.Forms[0]
	if f.FormID != "mhs" || f.Version != "2" || f.Name == "" || !strings.HasPrefix(f.Hash, "md5:") || f.ManifestURL != "" {
		t.Errorf("form entry: %+v", f)
	}
	if !strings.HasPrefix(f.DownloadURL, base+"/") {
		t.Errorf("downloadUrl %q is not absolute under %s", f.DownloadURL, base)
	}
	for i := 0; i < 2; i++ {
		d := orRequest(t, "GET", f.DownloadURL, nil, "", nil)
		sum := md5.Sum(d.body)
		if d.status != 200 || "md5:"+hex.EncodeToString(sum[:]) != f.Hash {
			t.Fatalf("download %d: status %d, md5 of the bytes %x != list hash %s", i, d.status, sum, f.Hash)
		}
	}
	if !bytes.Contains(a.body, []byte("/openrosa/key/"+tok+"/forms/mhs/2/form.xml")) {
		t.Errorf("download URL not in the list: %s", a.body)
	}
}

// TestOpenRosaFormListEscaping: a survey title with & and < is escaped in the form list,
// and a retired survey is not listed.
func TestOpenRosaFormListEscaping(t *testing.T) {
	s := newServer(t)
	var def map[string]any
	raw, err := os.ReadFile("../schemas/mhs.json")
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(raw, &def)
	settings := def["settings"].(map[string]any)
	settings["form_id"], settings["title"] = "hh_amp", "Health & <migration> survey"
	b, _ := json.Marshal(def)
	if _, err := hooks.InstallSurvey(s.App, b); err != nil {
		t.Fatal(err)
	}
	base := s.URL + "/openrosa/key/" + appToken(t, s, fx.enumA1)
	a := orRequest(t, "GET", base+"/formList", nil, "", nil)
	if !bytes.Contains(a.body, []byte("<name>Health &amp; &lt;migration&gt; survey</name>")) {
		t.Errorf("title not escaped: %s", a.body)
	}
	var fl formList
	if err := xml.Unmarshal(a.body, &fl); err != nil || len(fl.Forms) != 2 {
		t.Fatalf("%v %s", err, a.body)
	}
	one := orRequest(t, "GET", base+"/formList?formID=hh_amp", nil, "", nil)
	fl = formList{}
	xml.Unmarshal(one.body, &fl)
	if len(fl.Forms) != 1 || fl.Forms[0].Name != "Health & <migration> survey" {
		t.Errorf("formID filter: %s", one.body)
	}
	recs, _ := s.App.FindRecordsByFilter("surveys", "form_id = 'mhs'", "", 0, 0) // v1 and v2
	for _, rec := range recs {
		rec.Set("status", "retired")
		if err := s.App.Save(rec); err != nil {
			t.Fatal(err)
		}
	}
	a = orRequest(t, "GET", base+"/formList", nil, "", nil)
	if bytes.Contains(a.body, []byte("<formID>mhs</formID>")) {
		t.Errorf("a retired survey is listed: %s", a.body)
	}
}

// TestAppTokenQR: a superuser gets the Collect settings (zlib + base64 JSON with the server
// URL and the token) as text and as a PNG QR code; nobody else does.
func TestAppTokenQR(t *testing.T) {
	s := newServer(t)
	tok := appToken(t, s, fx.enumA1)
	rec, _ := s.App.FindFirstRecordByFilter("app_tokens", "token = {:t}", dbx.Params{"t": tok})
	code, out := s.do("GET", "/api/openrosa/tokens/"+rec.Id+"/settings", "superuser", nil)
	if code != 200 || out["server_url"] != s.URL+"/openrosa/key/"+tok {
		t.Fatalf("settings: %d %v", code, out)
	}
	z, _ := base64.StdEncoding.DecodeString(out["collect_settings"].(string))
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(zr)
	if !bytes.Contains(js, []byte(`"server_url":"`+s.URL+"/openrosa/key/"+tok+`"`)) {
		t.Errorf("settings JSON: %s", js)
	}
	c, hdr, png := s.get(t, "/api/openrosa/tokens/"+rec.Id+"/qr.png", "superuser")
	if c != 200 || hdr.Get("Content-Type") != "image/png" || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("qr.png: %d %s %.20q", c, hdr.Get("Content-Type"), png)
	}
	for _, who := range []string{"supA", "enumA1", ""} {
		if c, _, _ := s.get(t, "/api/openrosa/tokens/"+rec.Id+"/qr.png", who); c != 403 {
			t.Errorf("%q reads the QR code: %d", who, c)
		}
	}
	// Tokens are hidden from everyone but superusers in the record API.
	if code, out := s.do("GET", "/api/collections/app_tokens/records", "enumA1", nil); code == 200 && out["totalItems"] != 0.0 {
		t.Errorf("an enumerator lists app tokens: %v", out)
	}
	// A token only for an enumerator.
	col, _ := s.App.FindCollectionByNameOrId("app_tokens")
	r := core.NewRecord(col)
	r.Set("enumerator", fx.supA)
	if err := s.App.Save(r); err == nil {
		t.Error("an app token for a supervisor was accepted")
	}
}
