package console

import (
	"bytes"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"fieldbase/indicators"
)

// apiCell is a cell of GET /api/indicators as JSON.
type apiCell struct {
	Indicator   string            `json:"indicator"`
	Decimals    int               `json:"decimals"`
	Dims        map[string]string `json:"dims"`
	Estimate    *float64          `json:"estimate"`
	NUnweighted int               `json:"n_unweighted"`
	Flag        string            `json:"flag"`
}

type apiGap struct {
	Indicator string   `json:"indicator"`
	Dim       string   `json:"dim"`
	Decimals  int      `json:"decimals"`
	Estimate  *float64 `json:"estimate"`
	Flag      string   `json:"flag"`
	A         struct {
		Code string `json:"code"`
	} `json:"a"`
	B struct {
		Code string `json:"code"`
	} `json:"b"`
}

// apiCells fetches the published cells of the profile's tables, by "INDICATOR|DIM|CODE".
func apiCells(t *testing.T, token string) map[string]apiCell {
	t.Helper()
	out := map[string]apiCell{}
	for _, by := range []string{"", "MIGRATORY_STATUS", "HH_MIG_STATUS"} {
		code, raw, err := srv.call("GET", "/api/indicators?survey=mhs&by="+by, token, nil)
		if err != nil || code != 200 {
			t.Fatalf("indicators by %q: %d %v %.300s", by, code, err, raw)
		}
		var doc struct {
			Cells []apiCell `json:"cells"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		for _, c := range doc.Cells {
			key := c.Indicator + "|_T|_T"
			if by != "" {
				if c.Dims[by] == "_T" {
					continue
				}
				key = c.Indicator + "|" + by + "|" + c.Dims[by]
			}
			out[key] = c
		}
	}
	return out
}

func apiGaps(t *testing.T, token string) map[string]apiGap {
	t.Helper()
	out := map[string]apiGap{}
	for _, q := range []string{"by=MIGRATORY_STATUS", "by=HH_MIG_STATUS", "by=SEX&a=F&b=M"} {
		code, raw, err := srv.call("GET", "/api/indicators/gaps?survey=mhs&"+q, token, nil)
		if err != nil || code != 200 {
			t.Fatalf("gaps %s: %d %v %.300s", q, code, err, raw)
		}
		var doc struct {
			Gaps []apiGap `json:"gaps"`
		}
		json.Unmarshal(raw, &doc)
		for _, g := range doc.Gaps {
			out[g.Indicator+"|"+g.Dim+"|"+g.A.Code+"|"+g.B.Code] = g
		}
	}
	return out
}

var (
	rowRe = regexp.MustCompile(`(?s)<tr data-(cell|gap)="([^"]+)" data-estimate="([^"]*)" data-flag="([^"]*)"[^>]*>(.*?)</tr>`)
	estRe = regexp.MustCompile(`data-field="estimate">([^<]*)</td>`)
	nRe   = regexp.MustCompile(`data-n="(\d+)"`)
)

// TestReportMatchesAPI: `fieldbase report` on the demo writes a self-contained HTML file and
// a PDF; every level and gap in the report is the API's cell (full precision in the row's
// data, the displayed digits the indicator's display precision), suppressed cells read "not
// published" and have no number; the charts draw in a real Chromium.
func TestReportMatchesAPI(t *testing.T) {
	dir := t.TempDir()
	htmlPath := filepath.Join(dir, "profile.html")
	start := time.Now()
	cmd := exec.Command(bin, "report", "--dir", dataDir, "--survey", "mhs", "--out", htmlPath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("fieldbase report: %v\n%s", err, stderr.String())
	}
	t.Logf("fieldbase report in %s: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(stdout.String()))
	var res struct {
		HTML, PDF  string
		Households int
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || res.PDF == "" || res.Households == 0 {
		t.Fatalf("report summary %q: %v", stdout.String(), err)
	}
	pdf, err := os.ReadFile(res.PDF)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("PDF %s: %v %.20q", res.PDF, err, pdf)
	}
	if pages := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf, -1)); pages < 12 {
		t.Errorf("the PDF has %d pages, want one or more per target area", pages)
	}
	raw, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	// Self-contained: nothing is fetched.
	for _, bad := range []string{`src="http`, `href="http`, `<script src`, `<link rel="stylesheet"`, `@import`} {
		if strings.Contains(page, bad) {
			t.Errorf("the report fetches something: %q", bad)
		}
	}
	if !strings.Contains(page, "@observablehq/plot") || !strings.Contains(page, `id="fb-data"`) {
		t.Error("the chart library or the data is not inline")
	}
	for _, area := range []string{"Rights and exploitation", "Recruitment costs", "Remittance costs", "Financial inclusion",
		"Social security and its portability", "Skills recognition", "Poverty", "Education", "Health", "Decent work",
		"Equality", "Survey design and fieldwork"} {
		if !strings.Contains(page, area) {
			t.Errorf("the report has no %q section", area)
		}
	}

	token := srv.login("users", "analyst@fieldbase.demo")
	cells, gaps := apiCells(t, token), apiGaps(t, token)
	seenCells, seenGaps, suppressed, numbers := map[string]bool{}, map[string]bool{}, 0, 0
	for _, m := range rowRe.FindAllStringSubmatch(page, -1) {
		kind, key, full, flag, body := m[1], html.UnescapeString(m[2]), m[3], m[4], m[5]
		var est *float64
		var decimals int
		var apiFlag string
		if kind == "cell" {
			c, ok := cells[key]
			if !ok {
				t.Errorf("report row %s is no cell of the API", key)
				continue
			}
			seenCells[key] = true
			est, decimals, apiFlag = c.Estimate, c.Decimals, c.Flag
			if n := nRe.FindStringSubmatch(m[0]); n == nil || n[1] != strconv.Itoa(c.NUnweighted) {
				t.Errorf("%s: n %v, API %d", key, n, c.NUnweighted)
			}
		} else {
			g, ok := gaps[key]
			if !ok {
				t.Errorf("report gap %s is no gap of the API", key)
				continue
			}
			seenGaps[key] = true
			est, decimals, apiFlag = g.Estimate, g.Decimals, g.Flag
		}
		if flag != apiFlag {
			t.Errorf("%s: flag %q, API %q", key, flag, apiFlag)
		}
		shown := estRe.FindStringSubmatch(body)
		if est == nil {
			suppressed++
			if full != "" || shown != nil || !strings.Contains(body, "not published") {
				t.Errorf("%s: the API publishes no estimate, the report shows %q %v", key, full, shown)
			}
			continue
		}
		got, err := strconv.ParseFloat(full, 64)
		if err != nil || got != *est {
			t.Errorf("%s: report %q, API %v", key, full, *est)
		}
		if shown == nil || shown[1] != indicators.FormatFigure(est, decimals) {
			t.Errorf("%s: shows %v, want %s", key, shown, indicators.FormatFigure(est, decimals))
		}
		numbers++
	}
	for key := range cells {
		if !seenCells[key] {
			t.Errorf("API cell %s is not in the report", key)
		}
	}
	for key := range gaps {
		if !seenGaps[key] {
			t.Errorf("API gap %s is not in the report", key)
		}
	}
	t.Logf("%d cells and %d gaps of the report equal the API's (%d numbers, %d not published)", len(seenCells), len(seenGaps), numbers, suppressed)
	if suppressed == 0 || numbers < 100 {
		t.Errorf("the demo should give published and suppressed cells: %d numbers, %d suppressed", numbers, suppressed)
	}

	// The charts draw in a real Chromium, from the inline libraries.
	ctx := browser(t)
	run(t, ctx, chromedp.Navigate("file://"+htmlPath), until(`document.documentElement.dataset.charts === 'done'`))
	charts := eval[int](t, ctx, `document.querySelectorAll('.chart').length`)
	drawn := eval[int](t, ctx, `document.querySelectorAll('.chart svg, .chart figure').length`)
	if charts == 0 || drawn < charts {
		t.Errorf("%d of %d charts drawn", drawn, charts)
	}
	if dots := eval[int](t, ctx, `document.querySelectorAll('#chart-FIN1 circle').length`); dots == 0 {
		t.Error("the FIN1 chart has no dots")
	}
}
