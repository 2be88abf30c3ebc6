package console

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/ui"
)

// BenchmarkConsole100k measures the console over 100,000 households: a data dir seeded by
// `demo --seed-only`, its submissions copied by SQL until there are 100,000, served by a real
// `serve`. It prints, as medians of 7 requests: the first page of the submissions table (server
// time from the Server-Timing header, and wall time) for a superuser (all 100k) and for a
// supervisor (one team), filtered to flagged and searched by key; PocketBase's own record list
// of the same page as the baseline; a household view; the time Chromium takes from navigation
// to the first rows of the table; and the app's files gzipped.
//
//	go test ./e2e/console -run '^$' -bench Console100k -benchtime 1x
func BenchmarkConsole100k(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "pb_data")
	seed := exec.Command(bin, "demo", "--seed-only", "--households", "600", "--dir", dir)
	if out, err := seed.CombinedOutput(); err != nil {
		b.Fatalf("demo --seed-only: %v\n%s", err, out)
	}
	start := time.Now()
	n := grow(b, dir, 100000)
	b.Logf("copied the submissions to %d in %v", n, time.Since(start).Round(time.Millisecond))
	s, err := startServer(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.stop()
	su := s.login("_superusers", "admin@fieldbase.demo")
	sup := s.login("users", "sup1@fieldbase.demo")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		report := func(name, path, token string) (server, wall float64) {
			server, wall = timeGet(b, s, path, token)
			fmt.Printf("%s_server_ms %.1f\n%s_wall_ms %.1f\n", name, server, name, wall)
			return
		}
		suServer, suWall := report("console_first_page_superuser_100k", "/api/console/submissions", su)
		report("console_first_page_supervisor", "/api/console/submissions", sup)
		report("console_flagged_page_supervisor", "/api/console/submissions?status=flagged", sup)
		report("console_search_key_supervisor", "/api/console/submissions?q=101%2F5", sup)
		report("console_sorted_by_psu_superuser", "/api/console/submissions?sort=psu", su)
		_, pbWall := timeGet(b, s, "/api/collections/submissions/records?perPage=50&sort=-created", su)
		fmt.Printf("pb_record_list_first_page_wall_ms %.1f\nconsole_vs_pb_record_list %.2f\n", pbWall, suWall/pbWall)
		_ = suServer
		id := firstHousehold(b, s, sup)
		report("console_household_view", "/api/console/submissions/"+id, sup)
		report("console_progress_supervisor", "/api/console/progress", sup)
		report("console_quality_supervisor", "/api/console/quality", sup)
		fmt.Printf("console_render_first_page_ms %.0f\n", renderTime(b, s))
	}
	fmt.Printf("ui_files_gzip_kb %.1f\n", float64(gzipSize(b))/1024)
}

// grow copies the original submissions (new ids, uuids and sequence numbers) until there are
// want of them, with the server stopped.
func grow(b *testing.B, dir string, want int) int {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		b.Fatal(err)
	}
	defer app.ResetBootstrapState()
	var n0 int
	app.DB().NewQuery("SELECT COUNT(*) FROM submissions").Row(&n0)
	cols := []string{}
	rows, err := app.DB().NewQuery("SELECT name FROM pragma_table_info('submissions')").Rows()
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		cols = append(cols, c)
	}
	rows.Close()
	n := n0
	for copyNo := 1; n < want; copyNo++ {
		sel := make([]string, len(cols))
		for i, c := range cols {
			switch c {
			case "id":
				sel[i] = "substr(lower(hex(randomblob(8))), 1, 15)"
			case "uuid":
				sel[i] = "lower(hex(randomblob(16)))"
			case "raw_hash", "content_hash":
				sel[i] = "lower(hex(randomblob(16)))"
			case "seq":
				sel[i] = "seq + " + strconv.Itoa(copyNo*1000000)
			case "created", "updated":
				sel[i] = fmt.Sprintf("strftime('%%Y-%%m-%%d %%H:%%M:%%fZ', [[%s]], '-%d minutes')", c, copyNo)
			case "a_psu":
				sel[i] = fmt.Sprintf("a_psu + %d", copyNo*1000%90000)
			default:
				sel[i] = "[[" + c + "]]"
			}
		}
		limit := want - n
		if limit > n0 {
			limit = n0
		}
		q := "INSERT INTO submissions ([[" + strings.Join(cols, "]], [[") + "]]) SELECT " + strings.Join(sel, ", ") +
			" FROM submissions WHERE seq < 1000000 LIMIT " + strconv.Itoa(limit)
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			b.Fatalf("copy %d: %v", copyNo, err)
		}
		n += limit
	}
	app.DB().NewQuery("ANALYZE").Execute()
	return n
}

// timeGet returns the median server time (Server-Timing) and wall time of 7 requests.
func timeGet(b *testing.B, s *server, path, token string) (server, wall float64) {
	var sv, wl []float64
	for i := 0; i < 7; i++ {
		req, _ := http.NewRequest("GET", s.url+path, nil)
		req.Header.Set("Authorization", token)
		t0 := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(res.Body)
		res.Body.Close()
		wl = append(wl, float64(time.Since(t0).Microseconds())/1000)
		if res.StatusCode != 200 {
			b.Fatalf("GET %s: %d %.300s", path, res.StatusCode, body.String())
		}
		if st := res.Header.Get("Server-Timing"); st != "" {
			if _, v, ok := strings.Cut(st, "dur="); ok {
				f, _ := strconv.ParseFloat(v, 64)
				sv = append(sv, f)
			}
		}
	}
	return med(sv), med(wl)
}

func med(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

func firstHousehold(b *testing.B, s *server, token string) string {
	code, raw, _ := s.call("GET", "/api/console/submissions?status=flagged", token, nil)
	if code != 200 {
		b.Fatalf("list: %d", code)
	}
	_, rest, _ := strings.Cut(string(raw), `"id":"`)
	id, _, _ := strings.Cut(rest, `"`)
	return id
}

// renderTime signs a superuser in, then reloads the submissions screen and returns the
// milliseconds from navigation start to the first household row on screen (median of 3).
func renderTime(b *testing.B, s *server) float64 {
	ctx := browserB(b)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/"), css(`input[name=email]`), keys(`input[name=email]`, "admin@fieldbase.demo"),
		keys(`input[name=password]`, demoPassword), click(`button[type=submit]`), css(`table.grid tbody a.hh`)); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `const fbIv = setInterval(() => { if (document.querySelector("table.grid tbody a.hh")) { window.__rendered = performance.now(); clearInterval(fbIv); } }, 5);`}); err != nil {
		b.Fatal(err)
	}
	var times []float64
	for i := 0; i < 3; i++ {
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/?r="+strconv.Itoa(i)+"#/submissions"), until(`window.__rendered > 0`)); err != nil {
			b.Fatal(err)
		}
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.__rendered`))
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, v)
	}
	return med(times)
}

func browserB(b *testing.B) context.Context {
	path := chromiumPath()
	if path == "" {
		b.Fatal("no Chromium at /usr/bin/chromium (run `bash .ci/run`, which installs Debian's chromium)")
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), chromeOptions(path, b.TempDir())...)
	ctx, cancelC := chromedp.NewContext(actx)
	b.Cleanup(func() { cancelC(); cancelA() })
	return ctx
}

// gzipSize is the app's files (index.html, app/, vendor/) each gzipped, summed.
func gzipSize(b *testing.B) int {
	total := 0
	err := fs.WalkDir(ui.Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".md") || strings.HasSuffix(p, ".go") {
			return err
		}
		raw, err := fs.ReadFile(ui.Files(), p)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		w.Write(raw)
		w.Close()
		total += buf.Len()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return total
}
