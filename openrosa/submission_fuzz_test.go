package openrosa

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"path"
	"strings"
	"testing"
)

// FuzzReadSubmission: whatever body and boundary a client sends, ReadSubmission reads no
// more than Limits.Total bytes, fails only with an *Error that is a 400 or a 413, and what
// it accepts keeps every limit: one XML part within its size, at most MaxFiles
// attachments, each within its size, under plain file names that differ.
//
//	go test ./openrosa -run '^$' -fuzz FuzzReadSubmission -fuzztime 60s
func FuzzReadSubmission(f *testing.F) {
	const boundary = "fuzzboundary"
	lim := Limits{Total: 4096, XML: 512, File: 256, MaxFiles: 2}
	seed := func(parts func(w *multipart.Writer)) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.SetBoundary(boundary)
		parts(w)
		w.Close()
		f.Add(b.Bytes(), boundary)
	}
	seed(func(w *multipart.Writer) {
		p, _ := w.CreateFormFile(PartXML, "submission.xml")
		p.Write([]byte(`<data id="mhs"><meta><instanceID>uuid:1</instanceID></meta></data>`))
		a, _ := w.CreateFormFile("photo.jpg", "photo.jpg")
		a.Write([]byte("JPEG"))
		w.WriteField(PartIncomplete, "yes")
	})
	seed(func(w *multipart.Writer) {
		p, _ := w.CreateFormFile(PartXML, "s.xml")
		p.Write(bytes.Repeat([]byte("x"), 600))
	})
	seed(func(w *multipart.Writer) {
		p, _ := w.CreateFormFile(PartXML, "s.xml")
		p.Write([]byte("<d/>"))
		for _, n := range []string{"a.jpg", "a.jpg", "../b.jpg", "c.jpg"} {
			a, _ := w.CreateFormFile(n, n)
			a.Write([]byte("x"))
		}
	})
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"xml_submission_file\"\r\n\r\n<d/>\r\n--b--\r\n"), "b")
	f.Add([]byte("--b\r\n\r\n--b--"), "")
	// A Windows path as the file name (mime/multipart keeps only what follows the last "/").
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"xml_submission_file\"\r\n\r\n<d/>\r\n"+
		"--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"..\\\\x.jpg\"\r\n\r\nx\r\n--b--\r\n"), "b")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		r := &countingReader{r: bytes.NewReader(body)}
		sub, err := ReadSubmission(r, boundary, lim)
		if r.n > lim.Total {
			t.Fatalf("read %d bytes of the body; at most %d", r.n, lim.Total)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Status != 400 && e.Status != 413) || e.Msg == "" {
				t.Fatalf("error %T %v: want an *Error, 400 or 413, with a message", err, err)
			}
			return
		}
		if sub.XML == nil || int64(len(sub.XML)) > lim.XML {
			t.Fatalf("accepted an XML part of %d bytes (nil: %v); at most %d", len(sub.XML), sub.XML == nil, lim.XML)
		}
		if len(sub.Files) > lim.MaxFiles {
			t.Fatalf("accepted %d attachments; at most %d", len(sub.Files), lim.MaxFiles)
		}
		seen := map[string]bool{}
		for _, file := range sub.Files {
			if int64(len(file.Data)) > lim.File {
				t.Fatalf("accepted attachment %q of %d bytes; at most %d", file.Name, len(file.Data), lim.File)
			}
			n := file.Name
			if n == "" || n != path.Base(n) || n == "." || n == ".." || strings.ContainsAny(n, "/\\\x00") {
				t.Fatalf("accepted attachment name %q", n)
			}
			if seen[n] {
				t.Fatalf("attachment %q twice", n)
			}
			seen[n] = true
		}
	})
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
