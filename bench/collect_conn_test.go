package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The bench's Collect connection sends what ODK Collect sends (the headers the server reads,
// the multipart body byte for byte) on one kept-alive connection, and says when the answer
// is not 2xx or the server hangs up.
func TestCollectConn(t *testing.T) {
	type seen struct {
		method, uri, remote, version, agent, date, ctype string
		length                                           int64
		body                                             []byte
	}
	var mu sync.Mutex
	var got []seen
	status := http.StatusCreated
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.RequestURI, r.RemoteAddr, r.Header.Get("X-OpenRosa-Version"),
			r.UserAgent(), r.Header.Get("Date"), r.Header.Get("Content-Type"), r.ContentLength, body})
		st := status
		mu.Unlock()
		if st == 0 {
			w.Header().Set("Connection", "close")
			st = http.StatusCreated
		}
		w.WriteHeader(st)
		io.WriteString(w, "<OpenRosaResponse>answer</OpenRosaResponse>")
	}))
	defer srv.Close()

	cc, err := dialCollect(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.close()
	b := multipartXML([]byte(`<data id="mhs" version="2"><meta><instanceID>uuid:1</instanceID></meta></data>`))
	const path = "/openrosa/key/TOKEN/submission?deviceID=collect%3Abench"
	for i := 0; i < 2; i++ {
		st, err := cc.post(path, b)
		if err != nil || st != http.StatusCreated {
			t.Fatalf("post %d: %d, %v", i+1, st, err)
		}
	}
	if len(got) != 2 {
		t.Fatalf("the server saw %d requests, want 2", len(got))
	}
	for _, g := range got {
		if g.method != "POST" || g.uri != path || g.version != "1.0" || g.agent != collectUserAgent ||
			g.ctype != b.contentType || g.length != int64(len(b.body)) || string(g.body) != string(b.body) {
			t.Fatalf("request as the server saw it: %+v", g)
		}
		if d, err := http.ParseTime(g.date); err != nil || time.Since(d) > time.Minute {
			t.Fatalf("Date %q: %v", g.date, err)
		}
		if !strings.HasPrefix(g.ctype, "multipart/form-data; boundary=") {
			t.Fatalf("Content-Type %q", g.ctype)
		}
	}
	if got[0].remote != got[1].remote {
		t.Fatalf("two connections (%s, %s), want one kept alive", got[0].remote, got[1].remote)
	}

	mu.Lock()
	status = http.StatusConflict
	mu.Unlock()
	if st, err := cc.post(path, b); st != http.StatusConflict || err == nil || !strings.Contains(err.Error(), "answer") {
		t.Fatalf("a 409: %d, %v", st, err)
	}
	mu.Lock()
	status = 0 // 201 with Connection: close
	mu.Unlock()
	if _, err := cc.post(path, b); err == nil || !strings.Contains(err.Error(), "closed the connection") {
		t.Fatalf("a server that hangs up: %v", err)
	}
}

func TestDialCollectRefusesHTTPS(t *testing.T) {
	if _, err := dialCollect(context.Background(), "https://example.org"); err == nil {
		t.Fatal("an https:// base was dialled as plain TCP")
	}
}
