package openrosa

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"path"
	"strings"
	"sync"
)

// Part names of a submission (OpenRosa form submission API).
const (
	PartXML        = "xml_submission_file"
	PartIncomplete = "*isIncomplete*"
)

// File is an attachment of a submission (a photo, a recording ...).
type File struct {
	Name        string // the part's file name, as the instance refers to it
	ContentType string
	Data        []byte
}

// Submission is a parsed multipart submission body.
type Submission struct {
	XML        []byte
	Files      []File
	Incomplete bool // more POSTs with the same XML and the other files follow
}

// Error is a bad submission body: Status is the HTTP status to answer (400 or 413).
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// Limits of ReadSubmission.
type Limits struct {
	Total    int64 // whole body
	XML      int64 // the xml_submission_file part
	File     int64 // one attachment
	MaxFiles int
}

// ReadSubmission reads a multipart/form-data body with the given boundary. The body is
// read as a stream (chunked transfer encoding is handled by the HTTP server) and no more
// than lim.Total bytes are read.
func ReadSubmission(body io.Reader, boundary string, lim Limits) (*Submission, error) {
	if boundary == "" {
		return nil, &Error{400, "the submission must be multipart/form-data with a boundary, as ODK Collect sends it"}
	}
	counted := &limitedReader{r: body, n: lim.Total}
	mr := multipart.NewReader(counted, boundary)
	sub := &Submission{}
	seen := map[string]bool{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if counted.over {
				return nil, tooLarge(lim.Total)
			}
			return nil, &Error{400, "the multipart body cannot be read: " + err.Error()}
		}
		name := p.FormName()
		limit := lim.File
		if name == PartXML {
			limit = lim.XML
		}
		var data []byte
		if name == PartXML {
			data, err = readPart(p, limit+1)
		} else {
			data, err = io.ReadAll(io.LimitReader(p, limit+1))
		}
		if err != nil {
			if counted.over {
				return nil, tooLarge(lim.Total)
			}
			return nil, &Error{400, "the multipart body cannot be read: " + err.Error()}
		}
		if int64(len(data)) > limit {
			return nil, &Error{413, fmt.Sprintf("part %q is larger than %d bytes", truncate(name, 100), limit)}
		}
		switch {
		case name == PartXML:
			if sub.XML != nil {
				return nil, &Error{400, "the submission has more than one " + PartXML + " part"}
			}
			sub.XML = data
		case name == PartIncomplete:
			sub.Incomplete = strings.EqualFold(strings.TrimSpace(string(data)), "yes")
		case p.FileName() != "":
			fn := p.FileName()
			if fn != path.Base(fn) || fn == "." || fn == ".." || strings.ContainsAny(fn, "\\\x00") {
				return nil, &Error{400, fmt.Sprintf("attachment name %q is not a plain file name", truncate(fn, 100))}
			}
			if seen[fn] {
				continue // Collect never repeats a file in one POST; keep the first
			}
			seen[fn] = true
			if len(sub.Files) >= lim.MaxFiles {
				return nil, &Error{413, fmt.Sprintf("more than %d attachments in one POST", lim.MaxFiles)}
			}
			sub.Files = append(sub.Files, File{Name: fn, ContentType: p.Header.Get("Content-Type"), Data: data})
		}
	}
	if sub.XML == nil {
		return nil, &Error{400, "the submission has no " + PartXML + " part (the form's XML)"}
	}
	return sub, nil
}

// partBufs are the buffers the instance XML is read into: it is read into one (which grows
// to the size instances have, once), then copied out at its size, so that reading it makes
// one allocation of its size rather than io.ReadAll's growing ones (twice its size, in
// eight or so steps, for an instance of a few KB). Attachments, which can be large, are
// read by io.ReadAll as they come.
var partBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readPart is io.ReadAll(io.LimitReader(r, n)).
func readPart(r io.Reader, n int64) ([]byte, error) {
	buf := partBufs.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := buf.ReadFrom(io.LimitReader(r, n))
	data := bytes.Clone(buf.Bytes())
	if data == nil {
		data = []byte{}
	}
	if buf.Cap() <= 1<<20 { // a large instance's buffer is not kept
		partBufs.Put(buf)
	}
	return data, err
}

func tooLarge(n int64) error {
	return &Error{413, fmt.Sprintf("the submission is larger than %d bytes; send the attachments in several POSTs", n)}
}

type limitedReader struct {
	r    io.Reader
	n    int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		l.over = true
		return 0, errors.New("body too large")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
