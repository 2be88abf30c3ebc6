package hooks_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// send makes a request with the given headers and returns status, headers and the body as
// it came over the wire (the client's transparent decompression is off when Accept-Encoding
// is set by hand).
func (s *server) send(method, path, who string, header map[string]string, body []byte) (int, http.Header, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", fx.tok[who])
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, raw
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("answer is not gzip: %v (%.100q)", err, b)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Push and pull speak gzip both ways: a gzipped push body is read, and both answer gzip to a
// device that accepts it; a body that is not the gzip it claims, or inflates past the push
// limit, is refused with a 4xx and nothing stored.
func TestSyncGzipBothWays(t *testing.T) {
	s := newServer(t)
	hh := households(t, 10, 51)
	items := make([]any, len(hh))
	for i := range hh {
		items[i] = hh[i]
	}
	plain, _ := json.Marshal(push(items...))
	code, h, raw := s.send("POST", "/api/sync/push", "enumA1",
		map[string]string{"Content-Encoding": "gzip", "Accept-Encoding": "gzip"}, gz(t, plain))
	if code != 200 || h.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzipped push: %d, Content-Encoding %q: %.200s", code, h.Get("Content-Encoding"), raw)
	}
	var answer map[string]any
	if err := json.Unmarshal(gunzip(t, raw), &answer); err != nil {
		t.Fatal(err)
	}
	for _, r := range results(t, answer) {
		if r["outcome"] != "created" {
			t.Fatalf("gzipped push item: %v", r)
		}
	}
	// Plain stays plain for a device that does not ask for gzip.
	code, h, raw = s.send("POST", "/api/sync/push", "enumA1", map[string]string{"Accept-Encoding": "identity"}, plain)
	if code != 200 || h.Get("Content-Encoding") != "" || !json.Valid(raw) {
		t.Fatalf("plain push: %d %q", code, h.Get("Content-Encoding"))
	}

	code, h, raw = s.send("GET", "/api/sync/pull?device_id=tab-gz", "enumA1", map[string]string{"Accept-Encoding": "gzip"}, nil)
	if code != 200 || h.Get("Content-Encoding") != "gzip" {
		t.Fatalf("pull: %d, Content-Encoding %q", code, h.Get("Content-Encoding"))
	}
	var pulled map[string]any
	if err := json.Unmarshal(gunzip(t, raw), &pulled); err != nil || pulled["cursor"] == nil {
		t.Fatalf("gzipped pull answer: %v %v", err, pulled)
	}

	before := count(t, s, "submissions", "")
	code, _, raw = s.send("POST", "/api/sync/push", "enumA1", map[string]string{"Content-Encoding": "gzip"}, plain)
	if code != 400 {
		t.Fatalf("plain body labelled gzip: %d %.200s", code, raw)
	}
	bomb := gz(t, bytes.Repeat([]byte(" "), 17<<20)) // 17 MB of spaces in ~17 KB
	code, _, raw = s.send("POST", "/api/sync/push", "enumA1", map[string]string{"Content-Encoding": "gzip"}, bomb)
	if code != 413 {
		t.Fatalf("gzip inflating past the limit: %d %.200s", code, raw)
	}
	code, _, _ = s.send("POST", "/api/sync/push", "enumA1", map[string]string{"Content-Encoding": "br"}, plain)
	if code != 415 {
		t.Fatalf("unsupported Content-Encoding: %d", code)
	}
	if n := count(t, s, "submissions", ""); n != before {
		t.Fatalf("refused bodies stored %d submissions", n-before)
	}
}

// A pull that names its device updates that device's record (last_pull), as a push does.
func TestPullUpdatesTheDevice(t *testing.T) {
	s := newServer(t)
	if code, _ := s.do("GET", "/api/sync/pull?device_id=tab-pull-1&app_version=2.1", "enumA1", nil); code != 200 {
		t.Fatalf("pull: %d", code)
	}
	if n := count(t, s, "devices", "device_id = 'tab-pull-1' AND last_pull != '' AND app_version = '2.1'"); n != 1 {
		t.Fatalf("device records with last_pull after a pull: %d", n)
	}
}
