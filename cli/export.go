package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"

	"fieldbase/export"
	"fieldbase/form"
	"fieldbase/hooks"
)

func exportCommand(app *pocketbase.PocketBase) *cobra.Command {
	var survey, out, status, format string
	var since int64
	var pii, bom bool
	var cpuProfile, memProfile string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a survey's microdata ZIP (CSV files, codebook, Stata do-file) like GET /api/export/microdata",
		Long: "Writes households.csv, one CSV per repeat, reviews.csv, codebook.csv, labels.do and manifest.json " +
			"into one ZIP, streamed from the database (memory does not grow with the data). --since N exports only " +
			"what changed after cursor N; the cursor to pass next time is printed and is in manifest.json. " +
			"--pii adds the sensitive fields (the command line has the database, so it may). " +
			"The export is recorded in the exports collection. Progress goes to stderr, a JSON summary to stdout.",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out FILE.zip is required")
			}
			statuses, err := hooks.ParseExportStatus(status)
			if err != nil {
				return err
			}
			if err := requireData(app); err != nil {
				return err
			}
			if err := app.RunAllMigrations(); err != nil {
				return fmt.Errorf("migrations: %w", err)
			}
			sv, err := hooks.LatestSurvey(app, survey)
			if err != nil {
				return err
			}
			req := hooks.ExportRequest{
				Filter: export.Filter{Survey: survey, Status: statuses, PII: pii},
				BOM:    bom, Format: format, Actor: "cli:" + exportActor(), Role: "cli",
			}
			if format != export.FormatCSV && format != export.FormatParquet {
				return fmt.Errorf("--format %q: use csv or parquet", format)
			}
			if cmd.Flags().Changed("since") {
				if since < 0 {
					return errors.New("--since must be a cursor ≥ 0")
				}
				req.Filter.Since = &since
			}
			bar := newExportProgress(os.Stderr)
			req.Totals, req.Progress = bar.totals, bar.update
			stop, err := startProfiles(cpuProfile, memProfile)
			if err != nil {
				return err
			}
			m, err := writeExport(cmd, app, sv, req, out)
			if perr := stop(); err == nil {
				err = perr
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "wrote %s in %s (%s of CPU); next increment: --since %d\n", out,
				time.Since(bar.start).Round(time.Millisecond), processCPU().Round(time.Millisecond), m.Cursor)
			enc := json.NewEncoder(os.Stdout)
			return enc.Encode(map[string]any{"out": out, "cursor": m.Cursor, "counts": m.Counts, "problem_count": m.ProblemCount})
		},
	}
	cmd.Flags().StringVar(&survey, "survey", "mhs", "survey form id")
	cmd.Flags().StringVar(&out, "out", "", "the ZIP file to write")
	cmd.Flags().StringVar(&status, "status", "approved", "statuses to export: all, or a comma-separated list")
	cmd.Flags().Int64Var(&since, "since", 0, "export only what changed after this cursor (default: everything)")
	cmd.Flags().BoolVar(&pii, "pii", false, "include the sensitive fields (personal data)")
	cmd.Flags().BoolVar(&bom, "bom", false, "start each CSV with a UTF-8 byte order mark (for Excel)")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the export to this file (go tool pprof)")
	cmd.Flags().StringVar(&memProfile, "memprofile", "", "write a heap profile (allocations) of the export to this file (go tool pprof)")
	cmd.Flags().StringVar(&format, "format", export.FormatCSV, "csv, or parquet: one typed Parquet file per level (households, each repeat, reviews) with the codebook's labels in its metadata")
	return cmd
}

// writeExport writes to FILE.part and renames it when complete, so an interrupted export
// never leaves a truncated FILE behind.
func writeExport(cmd *cobra.Command, app *pocketbase.PocketBase, sv *form.Survey, req hooks.ExportRequest, out string) (*export.Manifest, error) {
	part := out + ".part"
	f, err := os.Create(part)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	m, err := hooks.ExportMicrodata(cmd.Context(), app, sv, req, w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(part, out)
	}
	if err != nil {
		os.Remove(part)
		return nil, fmt.Errorf("export: %w", err)
	}
	return m, nil
}

func exportActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "unknown"
}

// exportProgress shows export progress on stderr: a bar redrawn in place on a terminal, plain
// lines (every 10 %, or every 30 s without a total) otherwise, e.g. in a cron log.
type exportProgress struct {
	w      io.Writer
	tty    bool
	start  time.Time
	total  map[string]int64
	drawn  time.Time
	step   map[string]int64
	logged time.Time
}

func newExportProgress(w *os.File) *exportProgress {
	tty := false
	if fi, err := w.Stat(); err == nil {
		tty = fi.Mode()&os.ModeCharDevice != 0
	}
	return &exportProgress{w: w, tty: tty, start: time.Now(), total: map[string]int64{}, step: map[string]int64{}}
}

func (p *exportProgress) totals(t map[string]int64) {
	for k, v := range t {
		p.total[k] = v
	}
}

func (p *exportProgress) update(file string, rows int64, done bool) {
	now := time.Now()
	total, known := p.total[file]
	if p.tty {
		if !done && now.Sub(p.drawn) < 100*time.Millisecond {
			return
		}
		p.drawn = now
		fmt.Fprintf(p.w, "\r%-16s %s %s", file, exportBar(rows, total, known, 30), exportCount(rows, total, known))
		if done {
			fmt.Fprintln(p.w)
		}
		return
	}
	switch {
	case done:
	case known && total > 0:
		tenth := rows * 10 / total
		if tenth <= p.step[file] {
			return
		}
		p.step[file] = tenth
	case now.Sub(p.logged) < 30*time.Second:
		return
	}
	p.logged = now
	state := ""
	if done {
		state = " done"
	}
	fmt.Fprintf(p.w, "export: %s %s%s (%s)\n", file, exportCount(rows, total, known), state, now.Sub(p.start).Round(time.Second))
}

func exportBar(rows, total int64, known bool, width int) string {
	if !known || total <= 0 {
		return "[" + strings.Repeat("?", width) + "]"
	}
	n := int(min(rows, total) * int64(width) / total)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

func exportCount(rows, total int64, known bool) string {
	if !known {
		return fmt.Sprintf("%d rows", rows)
	}
	pct := int64(100)
	if total > 0 {
		pct = min(rows, total) * 100 / total
	}
	return fmt.Sprintf("%d/%d rows %3d%%", rows, total, pct)
}
