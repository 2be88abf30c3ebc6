// Package e2e tests fieldbase as a real `serve` process: crash safety under kill -9,
// personal data in the logs, and a backup restored through PocketBase's own restart.
// It builds the binary once (go build, about 20 s) and is skipped with -short.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fieldbase/synth"
)

// bin is the fieldbase binary built by TestMain ("" with -short).
var bin string

func TestMain(m *testing.M) {
	code := func() int {
		if !isShort() {
			dir, err := os.MkdirTemp("", "fieldbase_e2e_bin_*")
			if err != nil {
				panic(err)
			}
			defer os.RemoveAll(dir)
			bin = filepath.Join(dir, "fieldbase")
			// The go command of the toolchain running this test: no toolchain switch.
			gocmd := filepath.Join(runtime.GOROOT(), "bin", "go")
			if _, err := os.Stat(gocmd); err != nil {
				gocmd = "go"
			}
			build := exec.Command(gocmd, "build", "-o", bin, ".")
			build.Dir = ".." // the repository root
			build.Stdout, build.Stderr = os.Stderr, os.Stderr
			start := time.Now()
			if err := build.Run(); err != nil {
				fmt.Fprintln(os.Stderr, "e2e: go build failed:", err)
				return 1
			}
			fmt.Fprintf(os.Stderr, "e2e: built %s in %v\n", bin, time.Since(start).Round(time.Millisecond))
		}
		return m.Run()
	}()
	os.Exit(code)
}

func isShort() bool {
	for _, a := range os.Args[1:] {
		if a == "-test.short" || a == "-test.short=true" {
			return true
		}
	}
	return false
}

func needBinary(t *testing.T) {
	t.Helper()
	if testing.Short() || bin == "" {
		t.Skip("e2e: skipped with -short")
	}
}

// proc is one running `fieldbase serve`.
type proc struct {
	t    *testing.T
	dir  string // pb_data
	addr string
	url  string
	cmd  *exec.Cmd
	out  *syncBuffer // stdout and stderr of every run
	done chan struct{}
	args []string // more serve flags (e.g. --replica DIR)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const suEmail, suPassword = "admin@example.org", "e2e superuser password"

// newProc makes a data dir with a superuser (the README's way) and serves it.
func newProc(t *testing.T) *proc {
	t.Helper()
	needBinary(t)
	dir := filepath.Join(t.TempDir(), "pb_data")
	out := &syncBuffer{}
	up := exec.Command(bin, "superuser", "upsert", suEmail, suPassword, "--dir", dir)
	up.Stdout, up.Stderr = out, out
	if err := up.Run(); err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out.String())
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &proc{t: t, dir: dir, addr: addr, url: "http://" + addr, out: out}
	p.start()
	t.Cleanup(func() {
		if p.cmd != nil {
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("server output:\n%s", tail(p.out.String(), 4000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// start runs `fieldbase serve` on the data dir and waits until it answers /api/health.
func (p *proc) start() {
	p.t.Helper()
	p.cmd = exec.Command(bin, append([]string{"serve", "--http", p.addr, "--dir", p.dir}, p.args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.done = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { c.Wait(); close(done) }(p.cmd, p.done)
	p.waitHealthy(60 * time.Second)
}

func (p *proc) waitHealthy(limit time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			p.t.Fatalf("the server exited:\n%s", tail(p.out.String(), 4000))
		default:
		}
		res, err := http.Get(p.url + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("the server did not answer /api/health within %v:\n%s", limit, tail(p.out.String(), 4000))
}

// kill9 kills the process at once (SIGKILL: no cleanup, no flush).
func (p *proc) kill9() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	<-p.done
	p.cmd = nil
}

// stop ends the process the normal way (SIGTERM: logs flushed, databases closed).
func (p *proc) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Fatal("the server did not stop within 30 s of SIGTERM")
	}
	p.cmd = nil
}

// client has no overall timeout: a killed server ends requests with a connection error.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 50}}

// call sends a JSON request; err is set when no answer arrived.
func (p *proc) call(method, path, token string, body any) (int, []byte, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case io.Reader:
		r = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, p.url+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

// must sends a request that must answer want, and decodes the JSON answer.
func (p *proc) must(method, path, token string, body any, want int) map[string]any {
	p.t.Helper()
	code, raw, err := p.call(method, path, token, body)
	if err != nil || code != want {
		p.t.Fatalf("%s %s: %d %v %.300s (want %d)", method, path, code, err, raw, want)
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			p.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return out
}

// login returns an auth token.
func (p *proc) login(collection, email, password string) string {
	p.t.Helper()
	body := p.must("POST", "/api/collections/"+collection+"/auth-with-password", "",
		map[string]any{"identity": email, "password": password}, 200)
	return body["token"].(string)
}

// field is a running server set up through its REST API the way an administrator would:
// limiter off for the test, one team, an enumerator and a supervisor.
type field struct {
	*proc
	su, enum, sup string // tokens
	team          string
}

func newField(t *testing.T) *field {
	p := newProc(t)
	f := &field{proc: p}
	f.su = p.login("_superusers", suEmail, suPassword)
	settings := p.must("GET", "/api/settings", f.su, nil, 200)
	if rl, _ := settings["rateLimits"].(map[string]any); rl["enabled"] != true {
		t.Errorf("the rate limiter is not on by default: %v", settings["rateLimits"])
	}
	p.must("PATCH", "/api/settings", f.su, map[string]any{"rateLimits": map[string]any{"enabled": false}}, 200)
	f.team = p.must("POST", "/api/collections/teams/records", f.su, map[string]any{"name": "Team E2E", "region": "R1"}, 200)["id"].(string)
	for _, u := range []struct{ email, role string }{{"enum@example.org", "enumerator"}, {"sup@example.org", "supervisor"}} {
		p.must("POST", "/api/collections/users/records", f.su, map[string]any{"email": u.email, "password": "password123",
			"passwordConfirm": "password123", "role": u.role, "teams": []string{f.team}, "name": "E2E " + u.role}, 200)
	}
	f.enum = p.login("users", "enum@example.org", "password123")
	f.sup = p.login("users", "sup@example.org", "password123")
	return f
}

// households returns n valid synthetic envelopes (deterministic for seed).
func households(t *testing.T, n int, seed int64) []map[string]any {
	t.Helper()
	var out []map[string]any
	err := synth.Generate(synth.Options{Households: n * 2, Seed: seed, Today: time.Now()}, func(it synth.Item) error {
		if it.Label == "valid" && len(out) < n {
			b, _ := json.Marshal(it.Envelope)
			var env map[string]any
			json.Unmarshal(b, &env)
			out = append(out, env)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < n {
		t.Fatalf("synth gave %d valid households, want %d", len(out), n)
	}
	return out
}

func pushBody(device string, hh []map[string]any) []byte {
	items := make([]any, len(hh))
	for i, h := range hh {
		items[i] = h
	}
	b, _ := json.Marshal(map[string]any{"device_id": device, "app_version": "e2e", "submissions": items})
	return b
}

// outcomes pushes hh in batches of at most 500 and returns the outcome of each household id.
func (f *field) pushAll(hh []map[string]any) map[string]string {
	f.t.Helper()
	out := map[string]string{}
	for k := 0; k < len(hh); k += 500 {
		batch := hh[k:min(k+500, len(hh))]
		code, raw, err := f.call("POST", "/api/sync/push", f.enum, pushBody("tab-e2e", batch))
		if err != nil || code != 200 {
			f.t.Fatalf("push: %d %v %.300s", code, err, raw)
		}
		var body struct {
			Results []struct{ ID, Outcome string }
		}
		if err := json.Unmarshal(raw, &body); err != nil || len(body.Results) != len(batch) {
			f.t.Fatalf("push answer: %v %.300s", err, raw)
		}
		for _, r := range body.Results {
			out[r.ID] = r.Outcome
		}
	}
	return out
}

// stored counts the submissions through the record API (as the superuser).
func (f *field) stored() (int, error) {
	code, raw, err := f.call("GET", "/api/collections/submissions/records?perPage=1&fields=id", f.su, nil)
	if err != nil {
		return 0, err
	}
	if code != 200 {
		return 0, fmt.Errorf("count: %d %.200s", code, raw)
	}
	var body struct {
		TotalItems int `json:"totalItems"`
	}
	err = json.Unmarshal(raw, &body)
	return body.TotalItems, err
}

func names(hh []map[string]any) []string {
	var out []string
	for _, h := range hh {
		d := h["data"].(map[string]any)
		if n, ok := d["a_head_name"].(string); ok {
			out = append(out, n)
		}
		rows, _ := d["members"].([]any)
		for _, r := range rows {
			if n, ok := r.(map[string]any)["b_name"].(string); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

// found returns the names that appear in text as they are or escaped for a URL.
func found(text string, names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if len(n) < 4 || seen[n] {
			continue
		}
		for _, form := range []string{n, url.QueryEscape(n), url.PathEscape(n)} {
			if strings.Contains(text, form) {
				out = append(out, n)
				seen[n] = true
				break
			}
		}
	}
	return out
}
