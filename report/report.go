// Package report makes the migration profile of a survey: one self-contained HTML file (the
// chart library and the data inlined, nothing fetched) and a PDF printed from it by headless
// Chromium. It is organised by the target areas of the indicator catalog (rights and
// exploitation, recruitment costs, remittance costs, …): for each indicator its definition,
// a chart and a table of levels by migratory status and by household migration status with
// 95% intervals, the main gaps with their significance, sample sizes and reliability notes;
// then the survey's design and fieldwork facts.
//
// Every number comes from a Source: the server's published cells and gaps (the same the API
// serves, after disclosure control), never recomputed here.
package report

import (
	"fmt"
	"time"

	"fieldbase/indicators"
)

// Source gives the published cells and gaps of a survey, as GET /api/indicators and GET
// /api/indicators/gaps answer them.
type Source interface {
	Table(by []string) (*indicators.Result, error)
	Gaps(req indicators.GapRequest) (*indicators.GapResult, error)
}

// Facts are the survey's design and fieldwork facts.
type Facts struct {
	Survey          string // form_id
	Title           string
	Version         int
	Country         string
	FieldworkStart  string // settings.fieldwork_start
	FirstInterview  string // YYYY-MM-DD of the approved households
	LastInterview   string
	Households      int // approved households
	Members         int // their roster rows
	PSUs, Strata    int // of the household design
	Teams           int
	Enumerators     int
	SubmissionsSeen int // every stored submission, whatever its status
}

// The breakdowns of the profile: levels by migratory status (persons) and by household
// migration status (persons and households); gaps against the reference code of each, and
// between women and men.
var (
	levelDims = []string{"MIGRATORY_STATUS", "HH_MIG_STATUS"}
	gapDims   = []string{"MIGRATORY_STATUS", "HH_MIG_STATUS", "SEX"}
)

// Input is everything a profile shows.
type Input struct {
	Catalog     *indicators.Catalog
	Facts       Facts
	Total       *indicators.Result
	Levels      []*indicators.Result // by levelDims, in that order
	Gaps        []*indicators.GapResult
	GeneratedAt time.Time
}

// Build reads the profile's cells and gaps from src.
func Build(cat *indicators.Catalog, src Source, facts Facts) (*Input, error) {
	in := &Input{Catalog: cat, Facts: facts, GeneratedAt: time.Now().UTC()}
	var err error
	if in.Total, err = src.Table(nil); err != nil {
		return nil, fmt.Errorf("report: totals: %w", err)
	}
	for _, d := range levelDims {
		if cat.Dimension(d) == nil {
			continue
		}
		t, err := src.Table([]string{d})
		if err != nil {
			return nil, fmt.Errorf("report: cells by %s: %w", d, err)
		}
		in.Levels = append(in.Levels, t)
	}
	for _, d := range gapDims {
		dim := cat.Dimension(d)
		if dim == nil {
			continue
		}
		req := indicators.GapRequest{By: d}
		if d == "SEX" {
			req.Pairs = [][2]string{{"F", "M"}}
		} else if dim.Reference == "" {
			continue
		}
		g, err := src.Gaps(req)
		if err != nil {
			return nil, fmt.Errorf("report: gaps by %s: %w", d, err)
		}
		in.Gaps = append(in.Gaps, g)
	}
	return in, nil
}
