package hooks

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/indicators"
	"fieldbase/report"
)

// publishedSource is report.Source over the snapshot the API answers from, with the same
// disclosure control: the profile's numbers are the API's cells.
type publishedSource struct {
	s    *Server
	cat  *indicators.Catalog
	snap *indicators.Snapshot
}

func (p *publishedSource) Table(by []string) (*indicators.Result, error) {
	res, err := p.snap.Compute(indicators.Request{By: by})
	if err != nil {
		return nil, err
	}
	if err := suppress(p.cat, p.snap, res); err != nil {
		return nil, err
	}
	return res, nil
}

func (p *publishedSource) Gaps(req indicators.GapRequest) (*indicators.GapResult, error) {
	return p.s.PublishedGaps(p.cat, p.snap, req)
}

// ProfileInput gathers the migration profile of a survey: its published cells and gaps and
// its design and fieldwork facts.
func (s *Server) ProfileInput(ctx context.Context, survey string) (*report.Input, error) {
	sv, ok := s.Surveys.Latest(survey)
	if !ok {
		return nil, apiError(http.StatusNotFound, fmt.Sprintf("no survey %q is installed", survey))
	}
	cat, err := IndicatorCatalog(sv.Form)
	if err != nil {
		return nil, fmt.Errorf("report: catalog of %s: %w", survey, err)
	}
	if cat == nil {
		return nil, apiError(http.StatusNotFound, fmt.Sprintf("survey %q has no indicator catalog", survey))
	}
	snap, err := s.indicatorSnapshot(ctx, survey, cat)
	if err != nil {
		return nil, snapshotError(err, survey)
	}
	facts := report.Facts{Survey: survey, Title: sv.Form.Title, Version: sv.Form.Version,
		Country: sv.Form.Settings.Country, FieldworkStart: sv.Form.Settings.FieldworkStart}
	facts.PSUs, facts.Strata = snap.SnapshotDesign()
	var row struct {
		Households  int    `db:"households"`
		First       string `db:"first"`
		Last        string `db:"last"`
		Teams       int    `db:"teams"`
		Enumerators int    `db:"enumerators"`
		All         int    `db:"all_subs"`
		Members     int    `db:"members"`
	}
	err = s.app.DB().NewQuery(`SELECT
		(SELECT COUNT(*) FROM submissions WHERE form_id = {:f} AND status = 'approved') AS households,
		(SELECT COALESCE(MIN(json_extract(data, '$.a_date')), '') FROM submissions WHERE form_id = {:f} AND status = 'approved') AS first,
		(SELECT COALESCE(MAX(json_extract(data, '$.a_date')), '') FROM submissions WHERE form_id = {:f} AND status = 'approved') AS last,
		(SELECT COUNT(DISTINCT team) FROM submissions WHERE form_id = {:f} AND status = 'approved') AS teams,
		(SELECT COUNT(DISTINCT enumerator) FROM submissions WHERE form_id = {:f} AND status = 'approved') AS enumerators,
		(SELECT COUNT(*) FROM submissions WHERE form_id = {:f}) AS all_subs,
		(SELECT COUNT(*) FROM members WHERE form_id = {:f} AND status = 'approved') AS members`).
		Bind(dbx.Params{"f": survey}).WithContext(ctx).One(&row)
	if err != nil {
		return nil, fmt.Errorf("report: fieldwork facts: %w", err)
	}
	facts.Households, facts.FirstInterview, facts.LastInterview = row.Households, row.First, row.Last
	facts.Teams, facts.Enumerators, facts.SubmissionsSeen, facts.Members = row.Teams, row.Enumerators, row.All, row.Members
	return report.Build(cat, &publishedSource{s: s, cat: cat, snap: snap}, facts)
}

// profileReport is GET /api/report?survey=mhs[&format=html|pdf]: the migration profile, one
// self-contained HTML file, or the PDF headless Chromium prints from it (where the server
// has Chromium).
func (s *Server) profileReport(e *core.RequestEvent) error {
	if _, err := requireRole(e, RoleSupervisor, RoleAnalyst, RoleSuperuser); err != nil {
		return err
	}
	q := e.Request.URL.Query()
	survey := q.Get("survey")
	if survey == "" {
		return apiError(http.StatusBadRequest, "survey is required (e.g. survey=mhs)")
	}
	format := q.Get("format")
	if format == "" {
		format = "html"
	}
	if format != "html" && format != "pdf" {
		return apiError(http.StatusBadRequest, fmt.Sprintf("unknown format %q: the report comes as html or pdf", format))
	}
	in, err := s.ProfileInput(e.Request.Context(), survey)
	if err != nil {
		return err
	}
	var html bytes.Buffer
	if err := report.WriteHTML(&html, in); err != nil {
		return err
	}
	name := survey + "-migration-profile"
	h := e.Response.Header()
	h.Set("Cache-Control", "no-store")
	if format == "html" {
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.html"`, name))
		return e.Blob(http.StatusOK, "text/html; charset=utf-8", html.Bytes())
	}
	chromium, err := report.Chromium()
	if err != nil {
		return apiError(http.StatusNotImplemented, "this server cannot print PDFs: "+err.Error()+"; download the HTML report and print it from a browser")
	}
	dir, err := os.MkdirTemp("", "fieldbase-report-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	htmlPath, pdfPath := filepath.Join(dir, name+".html"), filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(htmlPath, html.Bytes(), 0o600); err != nil {
		return err
	}
	if err := report.PrintPDF(e.Request.Context(), chromium, htmlPath, pdfPath, 60*time.Second); err != nil {
		return err
	}
	pdf, err := os.ReadFile(pdfPath)
	if err != nil {
		return err
	}
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, name))
	return e.Blob(http.StatusOK, "application/pdf", pdf)
}
