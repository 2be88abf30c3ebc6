package report

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"fieldbase/ui"
)

//go:embed assets/profile.html assets/charts.js
var assets embed.FS

var pageTemplate = template.Must(template.ParseFS(assets, "assets/profile.html"))

// scriptsMark is where the scripts go: after the template ran, so that html/template does not
// try to parse 500 kB of minified JavaScript.
const scriptsMark = "FB_SCRIPTS_GO_HERE"

// The chart library, from the browser app's vendored files (the same d3 and Observable Plot).
var libraries = []string{"vendor/d3.min.js", "vendor/plot.umd.min.js"}

// WriteHTML writes the profile as one self-contained HTML file: styles, data, d3, Observable
// Plot and the chart code inline; nothing is fetched when it is opened (offline, or as a
// mail attachment).
func WriteHTML(w io.Writer, in *Input) error {
	p, charts := in.view()
	var body bytes.Buffer
	if err := pageTemplate.Execute(&body, p); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	html := body.String()
	at := strings.LastIndex(html, scriptsMark)
	if at < 0 {
		return errors.New("report: the page template lost its scripts mark")
	}
	data, err := json.Marshal(map[string]any{"indicators": charts}) // escapes <, > and &: safe in a script
	if err != nil {
		return err
	}
	var scripts bytes.Buffer
	scripts.WriteString(`<script type="application/json" id="fb-data">`)
	scripts.Write(data)
	scripts.WriteString("</script>\n")
	for _, name := range libraries {
		src, err := fs.ReadFile(ui.Files(), name)
		if err != nil {
			return fmt.Errorf("report: chart library %s: %w", name, err)
		}
		inlineScript(&scripts, src)
	}
	charts2, err := assets.ReadFile("assets/charts.js")
	if err != nil {
		return err
	}
	inlineScript(&scripts, charts2)
	if _, err := io.WriteString(w, html[:at]); err != nil {
		return err
	}
	if _, err := w.Write(scripts.Bytes()); err != nil {
		return err
	}
	_, err = io.WriteString(w, html[at+len(scriptsMark):])
	return err
}

// inlineScript writes src in a script element; a "</script" inside it (none in the shipped
// files) would end the element early, so it is escaped.
func inlineScript(b *bytes.Buffer, src []byte) {
	b.WriteString("<script>")
	b.Write(bytes.ReplaceAll(src, []byte("</script"), []byte(`<\/script`)))
	b.WriteString("\n</script>\n")
}

// Chromium finds the headless browser that prints the PDF: $FIELDBASE_CHROMIUM, else
// chromium or chromium-browser or google-chrome on PATH.
func Chromium() (string, error) {
	if p := os.Getenv("FIELDBASE_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("report: no Chromium to print the PDF with (install chromium, e.g. apt-get install chromium, or set FIELDBASE_CHROMIUM)")
}

// PrintPDF prints the HTML file at htmlPath to pdfPath with headless Chromium (the charts are
// drawn by its scripts before it prints). It gives up after timeout.
func PrintPDF(ctx context.Context, chromium, htmlPath, pdfPath string, timeout time.Duration) error {
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		return err
	}
	outAbs, err := filepath.Abs(pdfPath)
	if err != nil {
		return err
	}
	profile, err := os.MkdirTemp("", "fieldbase-report-chromium-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--no-default-browser-check", "--user-data-dir="+profile,
		"--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
		"--print-to-pdf="+outAbs, "file://"+abs)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	os.Remove(outAbs)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("report: chromium --print-to-pdf: %w: %s", err, lastLines(out.String(), 5))
	}
	st, err := os.Stat(outAbs)
	if err != nil || st.Size() == 0 {
		return fmt.Errorf("report: chromium wrote no PDF: %s", lastLines(out.String(), 5))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
