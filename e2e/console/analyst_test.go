package console

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"fieldbase/indicators"
)

// choose sets a select of the workspace as a user does (the change event included).
func choose(name, value string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		js := fmt.Sprintf(`(() => { const s = document.querySelector('select[name=%s]'); if (!s) return false;
			s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return s.value === %q; })()`, name, value, value)
		ok, err := chromedp.Evaluate[bool](js)(ctx, tg)
		if err == nil && !ok {
			err = fmt.Errorf("select %s has no option %s", name, value)
		}
		return chromedp.Void{}, err
	}
}

// TestAnalystWorkspace: an analyst picks an indicator and two dimensions and sees the
// API's cells in the table and as a chart with interval whiskers; a suppressed cell reads
// "suppressed", never a number; the gaps are shown; the download buttons save the right
// files (CSV with labels, SDMX-CSV, JSON, gaps CSV, the migration profile).
func TestAnalystWorkspace(t *testing.T) {
	ctx := browser(t)
	dl := t.TempDir()
	run(t, ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dl})
		return chromedp.Void{}, err
	})
	signIn(t, ctx, "analyst@fieldbase.demo")
	run(t, ctx, chromedp.Navigate(srv.url+"/#/indicators"), css(`select[name=indicator]`),
		choose("indicator", "FIN1"), choose("by0", "MIGRATORY_STATUS"), css(`select[name=by1]`), choose("by1", "SEX"),
		until(`document.querySelectorAll('table.cells tbody tr[data-cell^="FIN1|"]').length > 0 &&
			[...document.querySelectorAll('table.cells tbody tr[data-cell]')].every(r => r.dataset.cell.split('|').length === 3)`),
		until(`document.querySelector('[aria-label="Chart of the estimates"] svg circle') !== null`),
		until(`document.querySelector('table.gaptable tbody tr') !== null`),
	)
	screenshot(t, ctx, "analyst-indicators")
	eval[bool](t, ctx, `(document.querySelector('section.gaps').scrollIntoView(), true)`)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.WriteFile(filepath.Join(shots, "analyst-gaps-desktop.png"), png, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}

	// The table is the API's answer for the same request.
	token := srv.login("users", "analyst@fieldbase.demo")
	code, raw, err := srv.call("GET", "/api/indicators?survey=mhs&indicator=FIN1&by=MIGRATORY_STATUS,SEX", token, nil)
	if err != nil || code != 200 {
		t.Fatalf("API: %d %v", code, err)
	}
	var doc struct {
		Cells []apiCell `json:"cells"`
	}
	json.Unmarshal(raw, &doc)
	type row struct {
		Key, Flag, Text, Est string
	}
	rows := eval[[]row](t, ctx, `[...document.querySelectorAll('table.cells tbody tr[data-cell]')].map(r => ({
		Key: r.dataset.cell, Flag: r.dataset.flag, Text: r.innerText, Est: r.querySelector('td.est')?.innerText ?? ''}))`)
	if len(rows) != len(doc.Cells) {
		t.Fatalf("the table has %d rows, the API %d cells", len(rows), len(doc.Cells))
	}
	byKey := map[string]row{}
	for _, r := range rows {
		byKey[r.Key] = r
	}
	suppressed := 0
	for _, c := range doc.Cells {
		key := "FIN1|" + c.Dims["MIGRATORY_STATUS"] + "|" + c.Dims["SEX"]
		r, ok := byKey[key]
		if !ok {
			t.Errorf("cell %s is not in the table", key)
			continue
		}
		if r.Flag != c.Flag {
			t.Errorf("%s: flag %q, API %q", key, r.Flag, c.Flag)
		}
		if c.Estimate == nil {
			suppressed++
			if r.Est != "" || !strings.Contains(r.Text, "suppressed") || strings.Contains(r.Text, "0.0") {
				t.Errorf("%s: a suppressed cell reads %q", key, r.Text)
			}
			continue
		}
		if want := indicators.FormatFigure(c.Estimate, c.Decimals); r.Est != want {
			t.Errorf("%s: shows %q, API %s", key, r.Est, want)
		}
	}
	if suppressed == 0 {
		t.Fatal("the demo's FIN1 by migratory status and sex has no suppressed cell: the test needs one")
	}
	// The chart writes the suppressed inner cells instead of drawing them.
	marks := eval[int](t, ctx, `[...document.querySelectorAll('[aria-label="Chart of the estimates"] svg text')].filter(e => e.textContent === 'suppressed').length`)
	inner := 0
	for _, c := range doc.Cells {
		if c.Estimate == nil && c.Dims["MIGRATORY_STATUS"] != "_T" && c.Dims["SEX"] != "_T" {
			inner++
		}
	}
	if marks != inner {
		t.Errorf("the chart marks %d cells suppressed, the table has %d suppressed inner cells", marks, inner)
	}
	if whiskers := eval[int](t, ctx, `document.querySelectorAll('[aria-label="Chart of the estimates"] svg line').length`); whiskers == 0 {
		t.Error("the chart has no interval whiskers")
	}
	if help := eval[string](t, ctx, `document.querySelector('tr[data-flag=suppressed] .badge')?.title ?? ''`); !strings.Contains(help, "25") && !strings.Contains(help, "worked out") {
		t.Errorf("a suppressed cell is not explained: %q", help)
	}

	// Downloads.
	want := map[string]func([]byte) error{
		"mhs-indicators-by-MIGRATORY_STATUS-SEX.csv": func(b []byte) error {
			recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil || len(recs) != len(doc.Cells)+1 || strings.Join(recs[0][:8], ",") != "indicator,name,sdg,unit,MIGRATORY_STATUS,MIGRATORY_STATUS_label,SEX,SEX_label" {
				return fmt.Errorf("csv %v %q", err, recs[:1])
			}
			return nil
		},
		"mhs-indicators-by-MIGRATORY_STATUS-SEX.sdmx.csv": func(b []byte) error {
			if !bytes.HasPrefix(b, []byte("STRUCTURE,STRUCTURE_ID,ACTION")) || bytes.Count(b, []byte("\n")) != len(doc.Cells)+1 {
				return fmt.Errorf("sdmx %.100q", b)
			}
			return nil
		},
		"mhs-indicators-by-MIGRATORY_STATUS-SEX.json": func(b []byte) error {
			var d struct {
				Cells []apiCell `json:"cells"`
			}
			if err := json.Unmarshal(b, &d); err != nil || len(d.Cells) != len(doc.Cells) {
				return fmt.Errorf("json %v %d cells", err, len(d.Cells))
			}
			return nil
		},
		"mhs-gaps-by-MIGRATORY_STATUS.csv": func(b []byte) error {
			if !bytes.HasPrefix(b, []byte("indicator,name,sdg,unit,dimension,a,a_label,b,b_label,estimate")) {
				return fmt.Errorf("gaps %.100q", b)
			}
			return nil
		},
		"mhs-migration-profile.html": func(b []byte) error {
			if !bytes.Contains(b, []byte("Migration profile")) || !bytes.Contains(b, []byte(`data-cell="FIN1|MIGRATORY_STATUS|NB_NM"`)) {
				return fmt.Errorf("report %.100q", b)
			}
			return nil
		},
	}
	// One button at a time, each file checked when it lands (a loaded machine serves slowly).
	for _, d := range []struct{ id, name string }{
		{"dl-csv", "mhs-indicators-by-MIGRATORY_STATUS-SEX.csv"},
		{"dl-sdmx", "mhs-indicators-by-MIGRATORY_STATUS-SEX.sdmx.csv"},
		{"dl-json", "mhs-indicators-by-MIGRATORY_STATUS-SEX.json"},
		{"dl-gaps", "mhs-gaps-by-MIGRATORY_STATUS.csv"},
		{"dl-report", "mhs-migration-profile.html"},
	} {
		start := time.Now()
		run(t, ctx, click("#"+d.id))
		path := filepath.Join(dl, d.name)
		for {
			b, err := os.ReadFile(path)
			if err == nil && len(b) > 0 {
				if err := want[d.name](b); err != nil {
					t.Errorf("%s: %v", d.name, err)
				}
				break
			}
			if time.Since(start) > 60*time.Second {
				entries, _ := os.ReadDir(dl)
				var got []string
				for _, e := range entries {
					got = append(got, e.Name())
				}
				page := text(t, ctx, "section.downloads")
				t.Fatalf("button %s saved no %s within 60 s (the folder has %v; the page says %q)", d.id, d.name, got, page)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	run(t, ctx, chromedp.Navigate(srv.url+"/#/catalog"), css(`#ind-FIN1`))
	if body := text(t, ctx, "section.catalog"); !contains(body, "Recruitment costs", "Foreign-born non-citizen", "SDG 8.10.2") {
		t.Errorf("the catalog lacks definitions or labels:\n%.500s", body)
	}
	screenshot(t, ctx, "analyst-catalog")
}
