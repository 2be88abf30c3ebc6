// Package console tests the browser app in a real headless Chromium (Debian's chromium,
// driven by chromedp) against a real `fieldbase serve` process on a data dir seeded by
// `fieldbase demo --seed-only`. Screenshots of every screen go to FIELDBASE_SCREENSHOTS
// (default: a temporary dir) at 1400×900 and 390×844.
package console

import (
	"bytes"
	"context"
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
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const demoPassword = "fieldbase-demo"

var (
	bin     string // the fieldbase binary built by TestMain
	dataDir string // the seeded data dir shared by the tests
	srv     *server
	shots   string
)

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func TestMain(m *testing.M) {
	os.Exit(func() int {
		tmp, err := os.MkdirTemp("", "fieldbase_console_*")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(tmp)
		bin = filepath.Join(tmp, "fieldbase")
		gocmd := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gocmd); err != nil {
			gocmd = "go"
		}
		build := exec.Command(gocmd, "build", "-o", bin, ".")
		build.Dir = "../.."
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "console e2e: go build failed:", err)
			return 1
		}
		dataDir = filepath.Join(tmp, "pb_data")
		seed := exec.Command(bin, "demo", "--seed-only", "--households", "400", "--dir", dataDir)
		var out bytes.Buffer
		seed.Stdout, seed.Stderr = &out, &out
		if err := seed.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "console e2e: demo --seed-only failed: %v\n%s", err, out.String())
			return 1
		}
		shots = os.Getenv("FIELDBASE_SCREENSHOTS")
		if shots == "" {
			shots = filepath.Join(tmp, "screenshots")
		}
		os.MkdirAll(shots, 0o755)
		srv, err = startServer(dataDir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "console e2e:", err)
			return 1
		}
		defer srv.stop()
		code := m.Run()
		if code != 0 {
			fmt.Fprintf(os.Stderr, "server output:\n%s\n", srv.out.tail(4000))
		}
		return code
	}())
}

type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.b.Write(p) }
func (b *buffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.b.String()
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

type server struct {
	url string
	cmd *exec.Cmd
	out *buffer
}

func startServer(dir string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	s := &server{url: "http://" + addr, out: &buffer{}}
	s.cmd = exec.Command(bin, "serve", "--http", addr, "--dir", dir)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(s.url + "/api/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				// The browser signs in many times: the limiter's 10 logins per 3 s would trip it.
				su := s.login("_superusers", "admin@fieldbase.demo")
				if _, _, err := s.call("PATCH", "/api/settings", su, map[string]any{"rateLimits": map[string]any{"enabled": false}}); err != nil {
					return nil, err
				}
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("serve did not answer /api/health within 60 s:\n%s", s.out.tail(3000))
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

func (s *server) call(method, path, token string, body any) (int, []byte, error) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

func (s *server) login(collection, email string) string {
	_, raw, _ := s.call("POST", "/api/collections/"+collection+"/auth-with-password", "", map[string]any{"identity": email, "password": demoPassword})
	var out struct {
		Token string `json:"token"`
	}
	json.Unmarshal(raw, &out)
	return out.Token
}

// must calls the API and decodes the answer, failing the test on another status.
func must(t *testing.T, method, path, token string, body any, want int) map[string]any {
	t.Helper()
	code, raw, err := srv.call(method, path, token, body)
	if err != nil || code != want {
		t.Fatalf("%s %s: %d %v %.400s (want %d)", method, path, code, err, raw, want)
	}
	var out map[string]any
	json.Unmarshal(raw, &out)
	return out
}

// browser starts a headless Chromium with its own profile; each test gets a fresh one.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Fatal("no Chromium at /usr/bin/chromium (set CHROMIUM, or run `bash .ci/run`, which installs Debian's chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1400, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 900)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// run runs the steps, failing the test with the page's address and text.
func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("%v\nat %s\npage text: %.1500s", err, loc, body)
	}
}

func css(sel string) chromedp.Action[chromedp.Void] { return chromedp.WaitVisible(chromedp.CSS(sel)) }

func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

func keys(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), v)
}

// signIn opens the app and signs in through the login form.
func signIn(t *testing.T, ctx context.Context, email string) {
	t.Helper()
	run(t, ctx,
		chromedp.Navigate(srv.url+"/"),
		css(`input[name=email]`),
		keys(`input[name=email]`, email),
		keys(`input[name=password]`, demoPassword),
		click(`button[type=submit]`),
		css(`header.top nav`),
	)
}

// eval runs JavaScript in the page and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// until waits for the JavaScript condition to hold.
func until(js string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for {
			ok, err := chromedp.Evaluate[bool](js)(ctx, tg)
			if err != nil {
				return chromedp.Void{}, err
			}
			if ok {
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("waiting for %s: %w", js, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// waitText waits until an element matching sel contains text.
func waitText(sel, text string) chromedp.Action[chromedp.Void] {
	return until(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(e => e.innerText.includes(%q))`, sel, text))
}

// screenshot saves the page at phone and desktop size as <name>-phone.png and <name>-desktop.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, v := range []struct {
		kind string
		w, h int64
		mob  bool
	}{{"phone", 390, 844, true}, {"desktop", 1400, 900, false}} {
		vp := chromedp.EmulateViewport(v.w, v.h)
		if v.mob {
			vp = chromedp.EmulateViewport(v.w, v.h, chromedp.EmulateMobile)
		}
		run(t, ctx, vp, chromedp.Sleep(400*time.Millisecond))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+"-"+v.kind+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.innerText).join("\n")`, sel))
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

func urlq(s string) string { return url.QueryEscape(s) }
