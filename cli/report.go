package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"

	"fieldbase/hooks"
	"fieldbase/report"
)

func reportCommand(app *pocketbase.PocketBase, srv *hooks.Server) *cobra.Command {
	var survey, out, pdf string
	var noPDF bool
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the migration profile of a survey: one self-contained HTML file and a PDF",
		Long: "The migration profile, organised by the catalog's target areas: for each indicator its definition, " +
			"a chart and a table of levels by migratory status and household migration status with 95% intervals, " +
			"the gaps between groups with their significance, sample sizes and reliability notes, then the survey's " +
			"design and fieldwork facts. Every number is a cell of GET /api/indicators or /api/indicators/gaps over " +
			"the approved households. The HTML works offline (charts and libraries inline); the PDF is printed from it " +
			"by headless Chromium (--no-pdf to skip).",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return fmt.Errorf("migrations: %w", err)
			}
			if out == "" {
				out = survey + "-migration-profile.html"
			}
			if pdf == "" && !noPDF {
				pdf = strings.TrimSuffix(out, ".html") + ".pdf"
			}
			start := time.Now()
			fmt.Fprintf(os.Stderr, "report: computing the cells and gaps of survey %s ...\n", survey)
			in, err := srv.ProfileInput(context.Background(), survey)
			if err != nil {
				return err
			}
			var html bytes.Buffer
			if err := report.WriteHTML(&html, in); err != nil {
				return err
			}
			if err := os.WriteFile(out, html.Bytes(), 0o644); err != nil {
				return err
			}
			htmlDone := time.Since(start)
			fmt.Fprintf(os.Stderr, "report: wrote %s (%d kB, %d approved households) in %s\n", out, html.Len()/1024,
				in.Facts.Households, htmlDone.Round(time.Millisecond))
			result := map[string]any{"html": out, "households": in.Facts.Households, "html_s": htmlDone.Seconds()}
			if pdf != "" {
				chromium, err := report.Chromium()
				if err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "report: printing %s with %s ...\n", pdf, chromium)
				t0 := time.Now()
				if err := report.PrintPDF(context.Background(), chromium, out, pdf, 2*time.Minute); err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "report: wrote %s in %s\n", pdf, time.Since(t0).Round(time.Millisecond))
				result["pdf"], result["pdf_s"] = pdf, time.Since(t0).Seconds()
			}
			result["total_s"] = time.Since(start).Seconds()
			return json.NewEncoder(os.Stdout).Encode(result)
		},
	}
	cmd.Flags().StringVar(&survey, "survey", "mhs", "survey form id")
	cmd.Flags().StringVar(&out, "out", "", "the HTML file to write (default <survey>-migration-profile.html)")
	cmd.Flags().StringVar(&pdf, "pdf", "", "the PDF file to write (default: the HTML file's name with .pdf)")
	cmd.Flags().BoolVar(&noPDF, "no-pdf", false, "write the HTML only")
	return cmd
}
