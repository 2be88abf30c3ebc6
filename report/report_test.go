package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fieldbase/form"
	"fieldbase/indicators"
	"fieldbase/schemas"
	"fieldbase/synth"
)

// snapSource is Source straight from a snapshot (no secondary suppression: the server adds
// it; here only the report's own work is measured and checked).
type snapSource struct{ snap *indicators.Snapshot }

func (s snapSource) Table(by []string) (*indicators.Result, error) {
	return s.snap.Compute(indicators.Request{By: by})
}

func (s snapSource) Gaps(req indicators.GapRequest) (*indicators.GapResult, error) {
	return s.snap.Gaps(req)
}

type memFacts struct{ hh, members []string }

func (m *memFacts) Households(fn func(string) error) error { return each(m.hh, fn) }
func (m *memFacts) Members(fn func(string) error) error    { return each(m.members, fn) }

func each(rows []string, fn func(string) error) error {
	for _, r := range rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// synthInput computes the profile input of n synthetic households (synth fills the
// calculates, so validation is skipped).
func synthInput(t testing.TB, n int) (*Input, *indicators.Snapshot) {
	sv, err := form.Load(schemas.MHS)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := indicators.Load(schemas.Indicators, sv)
	if err != nil {
		t.Fatal(err)
	}
	src := &memFacts{}
	err = synth.Generate(synth.Options{Households: n, Seed: 11}, func(it synth.Item) error {
		h, m := cat.Facts(sv, it.Envelope["data"].(map[string]any))
		src.hh = append(src.hh, h)
		src.members = append(src.members, m...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := cat.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	in, err := Build(cat, snapSource{snap}, Facts{Survey: "mhs", Title: sv.Title, Households: n})
	if err != nil {
		t.Fatal(err)
	}
	return in, snap
}

// TestWriteHTML: every area of the catalog is a section, every indicator an article with its
// definition, each published cell a row whose full-precision estimate is the cell's, each
// suppressed cell a row without a number.
func TestWriteHTML(t *testing.T) {
	in, _ := synthInput(t, 600)
	var b bytes.Buffer
	if err := WriteHTML(&b, in); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, a := range in.Catalog.Areas {
		if !strings.Contains(page, `id="area-`+a.ID+`"`) {
			t.Errorf("no section for area %s", a.ID)
		}
	}
	for _, ind := range in.Catalog.Indicators {
		if !strings.Contains(page, `data-indicator="`+ind.ID+`"`) || !strings.Contains(page, ind.Definition) {
			t.Errorf("indicator %s or its definition is missing", ind.ID)
		}
	}
	rows, suppressed := 0, 0
	for _, t0 := range append([]*indicators.Result{in.Total}, in.Levels...) {
		for _, c := range t0.Cells {
			dim, code := "_T", "_T"
			if len(t0.By) == 1 {
				if c.Dims[0] == "_T" {
					continue
				}
				dim, code = t0.By[0], c.Dims[0]
			}
			row := `<tr data-cell="` + c.Indicator + "|" + dim + "|" + code + `" data-estimate="` + indicators.FormatFull(c.Estimate) + `"`
			if !strings.Contains(page, row) {
				t.Errorf("no row %s", row)
			}
			rows++
			if c.Estimate == nil {
				suppressed++
			}
		}
	}
	if rows < 100 || suppressed == 0 || strings.Count(page, "not published") < suppressed {
		t.Errorf("%d rows, %d suppressed, %d 'not published'", rows, suppressed, strings.Count(page, "not published"))
	}
	if strings.Contains(page, scriptsMark) || !strings.Contains(page, "@observablehq/plot") {
		t.Error("the scripts are not inlined")
	}
}

// BenchmarkReport: the profile of 100,000 households (goal ≤ 10 s): cells and gaps from a
// snapshot already read ("build", as the server answers), the HTML ("html"), and the PDF
// printed by headless Chromium ("pdf"). The snapshot read itself is BenchmarkSnapshot/read
// in package indicators.
func BenchmarkReport(b *testing.B) {
	in, snap := synthInput(b, 100_000)
	dir := b.TempDir()
	htmlPath := filepath.Join(dir, "profile.html")
	var build, html, pdf time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		var err error // every cell and gap computed again from the snapshot
		if in, err = Build(in.Catalog, snapSource{snap}, in.Facts); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		var buf bytes.Buffer
		if err := WriteHTML(&buf, in); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(htmlPath, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		chromium, err := Chromium()
		if err != nil {
			b.Fatal(err)
		}
		if err := PrintPDF(context.Background(), chromium, htmlPath, filepath.Join(dir, "profile.pdf"), 2*time.Minute); err != nil {
			b.Fatal(err)
		}
		build, html, pdf = build+t1.Sub(t0), html+t2.Sub(t1), pdf+time.Since(t2)
	}
	n := float64(b.N)
	b.ReportMetric(build.Seconds()/n, "build_s")
	b.ReportMetric(html.Seconds()/n, "html_s")
	b.ReportMetric(pdf.Seconds()/n, "pdf_s")
	b.ReportMetric((build+html+pdf).Seconds()/n, "report_s")
}
