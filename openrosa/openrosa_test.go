package openrosa

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"mime/multipart"
	"strings"
	"testing"
)

func TestFormListEscapesAndNamespace(t *testing.T) {
	b := FormList([]Form{{ID: "hh&co", Name: "Health & <migration>", Version: "3", Hash: MD5([]byte("x")),
		DownloadURL: "https://h/openrosa/forms/hh%26co/3/form.xml?a=1&b=2"}}, false)
	if !bytes.Contains(b, []byte("<name>Health &amp; &lt;migration&gt;</name>")) || !bytes.Contains(b, []byte("?a=1&amp;b=2")) {
		t.Errorf("not escaped: %s", b)
	}
	if bytes.Contains(b, []byte("manifestUrl")) {
		t.Error("manifestUrl without media")
	}
	var doc struct {
		XMLName xml.Name
		Forms   []struct {
			ID   string `xml:"formID"`
			Name string `xml:"name"`
			Hash string `xml:"hash"`
			URL  string `xml:"downloadUrl"`
		} `xml:"xform"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.XMLName.Space != NSFormList || doc.XMLName.Local != "xforms" || doc.Forms[0].Name != "Health & <migration>" ||
		doc.Forms[0].Hash != "md5:9dd4e461268c8034f5c8564e155c67a6" || !strings.HasSuffix(doc.Forms[0].URL, "a=1&b=2") {
		t.Errorf("parsed: %+v", doc)
	}
}

func TestResponse(t *testing.T) {
	b := Response("bad <thing> & more", true)
	if !bytes.Contains(b, []byte(`<OpenRosaResponse xmlns="http://openrosa.org/http/response" items="0"><message nature="error">bad &lt;thing&gt; &amp; more</message>`)) {
		t.Errorf("%s", b)
	}
	if !bytes.Contains(Response("ok", false), []byte(`<message nature="">ok</message>`)) {
		t.Error("success nature")
	}
}

func body(t *testing.T, parts func(w *multipart.Writer)) (*bytes.Buffer, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	parts(w)
	w.Close()
	return &b, w.Boundary()
}

var lim = Limits{Total: 1 << 20, XML: 1000, File: 2000, MaxFiles: 2}

func TestReadSubmission(t *testing.T) {
	b, bd := body(t, func(w *multipart.Writer) {
		p, _ := w.CreateFormFile(PartXML, "submission.xml")
		p.Write([]byte("<data/>"))
		f, _ := w.CreateFormFile("a.jpg", "a.jpg")
		f.Write([]byte("JPEG"))
		w.WriteField(PartIncomplete, "yes")
	})
	s, err := ReadSubmission(b, bd, lim)
	if err != nil || string(s.XML) != "<data/>" || len(s.Files) != 1 || s.Files[0].Name != "a.jpg" || !s.Incomplete {
		t.Fatalf("%+v %v", s, err)
	}
	for name, c := range map[string]struct {
		parts  func(w *multipart.Writer)
		status int
	}{
		"no xml": {func(w *multipart.Writer) { w.WriteField("x", "y") }, 400},
		"xml too large": {func(w *multipart.Writer) {
			p, _ := w.CreateFormFile(PartXML, "s.xml")
			p.Write(bytes.Repeat([]byte("a"), 1001))
		}, 413},
		"too many files": {func(w *multipart.Writer) {
			p, _ := w.CreateFormFile(PartXML, "s.xml")
			p.Write([]byte("<data/>"))
			for _, n := range []string{"a", "b", "c"} {
				f, _ := w.CreateFormFile(n, n)
				f.Write([]byte("x"))
			}
		}, 413},
	} {
		b, bd := body(t, c.parts)
		_, err := ReadSubmission(b, bd, lim)
		var e *Error
		if !errors.As(err, &e) || e.Status != c.status {
			t.Errorf("%s: %v, want status %d", name, err, c.status)
		}
	}
	// The instance is read into a reused buffer: each submission's XML is its own copy.
	var xmls []*Submission
	for _, doc := range []string{"<data><a>first</a></data>", "<d/>", strings.Repeat("<x>long</x>", 500)} {
		b, bd := body(t, func(w *multipart.Writer) {
			p, _ := w.CreateFormFile(PartXML, "s.xml")
			p.Write([]byte(doc))
		})
		s, err := ReadSubmission(b, bd, Limits{Total: 1 << 20, XML: 1 << 20, File: 1 << 20, MaxFiles: 5})
		if err != nil || string(s.XML) != doc {
			t.Fatalf("%q: %v %q", doc, err, s.XML)
		}
		xmls = append(xmls, s)
	}
	if string(xmls[0].XML) != "<data><a>first</a></data>" || string(xmls[1].XML) != "<d/>" {
		t.Errorf("a later submission changed an earlier one's XML: %q %q", xmls[0].XML, xmls[1].XML)
	}
	// An empty xml part is a part: a second one is refused.
	b, bd = body(t, func(w *multipart.Writer) {
		w.CreateFormFile(PartXML, "s.xml")
		p, _ := w.CreateFormFile(PartXML, "t.xml")
		p.Write([]byte("<data/>"))
	})
	if _, err := ReadSubmission(b, bd, lim); err == nil || !strings.Contains(err.Error(), "more than one") {
		t.Errorf("two xml parts, the first empty: %v", err)
	}
	// A path in a file name is never kept (mime/multipart keeps the base name).
	b, bd = body(t, func(w *multipart.Writer) {
		p, _ := w.CreateFormFile(PartXML, "s.xml")
		p.Write([]byte("<data/>"))
		f, _ := w.CreateFormFile("x", "../../etc/passwd")
		f.Write([]byte("x"))
	})
	if s, err := ReadSubmission(b, bd, lim); err != nil || s.Files[0].Name != "passwd" {
		t.Errorf("path in a file name: %v %+v", err, s)
	}
	// A body larger than Total is cut at Total, whatever the parts claim.
	big := io.MultiReader(strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\n"), strings.NewReader(strings.Repeat("a", 3<<20)))
	_, err = ReadSubmission(big, "b", Limits{Total: 1 << 20, XML: 1 << 20, File: 8 << 20, MaxFiles: 5})
	var e *Error
	if !errors.As(err, &e) || e.Status != 413 {
		t.Errorf("oversized stream: %v", err)
	}
}

func TestCollectSettings(t *testing.T) {
	s, err := CollectSettings("https://h.example/openrosa/key/ABC", "fieldbase tablet 1")
	if err != nil {
		t.Fatal(err)
	}
	z, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		General map[string]string
		Project map[string]string
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.General["server_url"] != "https://h.example/openrosa/key/ABC" || doc.Project["name"] != "fieldbase tablet 1" {
		t.Errorf("%+v", doc)
	}
}
