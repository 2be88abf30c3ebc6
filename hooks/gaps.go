package hooks

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"fieldbase/indicators"
)

// defaultPrecision is the precision of each format when precision= is not given: the CSV
// download is for people (the indicator's decimals), JSON and SDMX for programs (full).
var defaultPrecision = map[string]indicators.Precision{
	"json": indicators.Full,
	"csv":  indicators.Display,
	"sdmx": indicators.Full,
}

// downloadName is the Content-Disposition of an indicators answer: a distinct file name per
// format and breakdown (mhs-indicators-by-SEX.csv, mhs-indicators-by-SEX.sdmx.csv,
// mhs-gaps-by-SEX.json), inline for JSON unless a download is asked.
func downloadName(format, survey, what string, by []string, download bool) string {
	name := survey + "-" + what
	if len(by) > 0 {
		name += "-by-" + strings.Join(by, "-")
	}
	switch format {
	case "csv":
		name += ".csv"
	case "sdmx":
		name += ".sdmx.csv"
	default:
		name += ".json"
	}
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
	if format == "json" && !download {
		return fmt.Sprintf(`inline; filename="%s"`, name)
	}
	return fmt.Sprintf(`attachment; filename="%s"`, name)
}

// analystCatalog checks the caller and the survey of an indicators request and returns its
// scope (the survey's versions asked for: version=, round=) and the catalog compiled for it.
func (s *Server) analystCatalog(e *core.RequestEvent) (indicatorScope, *indicators.Catalog, error) {
	if _, err := requireRole(e, RoleSupervisor, RoleAnalyst, RoleSuperuser); err != nil {
		return indicatorScope{}, nil, err
	}
	return s.indicatorScopeOf(e.Request.URL.Query())
}

// indicatorCatalog is GET /api/indicators/catalog?survey=mhs: what each indicator measures,
// its unit, decimals and target area, and the dimensions with the labels of their codes.
func (s *Server) indicatorCatalog(e *core.RequestEvent) error {
	_, cat, err := s.analystCatalog(e)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, cat.Doc())
}

// snapshotError turns a computing error into the answer the caller gets.
func snapshotError(err error, survey string) error {
	var reqErr *indicators.RequestError
	var stale *indicators.StaleError
	switch {
	case errors.As(err, &reqErr):
		return apiError(http.StatusBadRequest, reqErr.Error())
	case errors.As(err, &stale):
		return apiError(http.StatusConflict, fmt.Sprintf("the stored indicator facts of %d approved rows predate the current catalog: run `fieldbase indicators rebuild --survey %s` and ask again", stale.Rows, survey))
	}
	return fmt.Errorf("indicators: %w", err)
}

// PublishedGaps computes the gaps of a request over a survey's approved households, from
// the same snapshot as GET /api/indicators, each gap following the published flags of the
// one-dimension table of its dimension (a gap with a suppressed cell is suppressed).
func (s *Server) PublishedGaps(cat *indicators.Catalog, snap *indicators.Snapshot, req indicators.GapRequest) (*indicators.GapResult, error) {
	res, err := snap.Gaps(req)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, g := range res.Gaps {
		if !seen[g.Indicator] {
			seen[g.Indicator] = true
			ids = append(ids, g.Indicator)
		}
	}
	if len(ids) == 0 {
		return res, nil
	}
	// The table the API publishes for this dimension: its flags decide.
	table, err := snap.Compute(indicators.Request{Indicators: ids, By: []string{res.By}})
	if err == nil {
		err = suppress(cat, snap, table) // primary and secondary, as GET /api/indicators
	}
	if err != nil {
		return nil, err
	}
	res.ApplyTable(table)
	return res, nil
}

// indicatorGaps is GET /api/indicators/gaps?survey=mhs&by=DIM&a=CODE&b=CODE
// [&indicator=ID,…][&format=json|csv][&precision=full|display]: the gap R_a − R_b of each
// indicator with its design-based se, 95% interval and significance (indicators.md, "Gaps
// between groups"); without a and b, each code against the dimension's reference code.
func (s *Server) indicatorGaps(e *core.RequestEvent) error {
	sc, cat, err := s.analystCatalog(e)
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	survey := q.Get("survey")
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" {
		return apiError(http.StatusBadRequest, fmt.Sprintf("unknown format %q: gaps come as json or csv", format))
	}
	precision, err := indicators.ParsePrecision(q.Get("precision"), defaultPrecision[format])
	if err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	req := indicators.GapRequest{Indicators: splitList(q.Get("indicator")), By: q.Get("by")}
	if req.Indicators, err = measuredOnly(sc, cat, cat.Normalize(indicators.Request{Indicators: req.Indicators}).Indicators); err != nil {
		return err
	}
	a, b := strings.TrimSpace(q.Get("a")), strings.TrimSpace(q.Get("b"))
	if a != "" || b != "" {
		req.Pairs = [][2]string{{a, b}}
	}
	snap, err := s.scopedSnapshot(e.Request.Context(), sc, cat)
	if err != nil {
		return snapshotError(err, survey)
	}
	res, err := s.PublishedGaps(cat, snap, req)
	if err != nil {
		return snapshotError(err, survey)
	}
	h := e.Response.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", downloadName(format, survey, "gaps", []string{res.By}, q.Get("download") != ""))
	if format == "csv" {
		h.Set("Content-Type", indicators.ContentTypeCSV)
	} else {
		h.Set("Content-Type", indicators.ContentTypeJSON)
	}
	e.Response.WriteHeader(http.StatusOK)
	if format == "csv" {
		err = res.WriteCSV(e.Response, precision)
	} else {
		err = res.WriteJSON(e.Response, precision)
	}
	if err != nil {
		s.app.Logger().Error("indicators: writing the gaps failed", "survey", survey, "error", err)
	}
	return nil
}
