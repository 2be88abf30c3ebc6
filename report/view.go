package report

import (
	"fmt"
	"strings"

	"fieldbase/estimate"
	"fieldbase/indicators"
)

// page is what the template shows: the areas with their indicators, then the facts.
type page struct {
	Title     string
	Subtitle  string
	Generated string
	Facts     Facts
	Areas     []areaView
	Shown     int // indicators with at least one published cell
	Flags     map[string]string
}

type areaView struct {
	ID, Name, About string
	Indicators      []*indView
}

type indView struct {
	ID, Name, SDG, Unit, GapUnit, Definition, Level string
	Decimals                                        int
	Rows                                            []rowView
	Gaps                                            []gapView
	Notes                                           []string
	Published                                       bool
	chart                                           chartData
}

// rowView is one published cell: Key is "INDICATOR|DIM|CODE" (DIM "_T" for the total), Full
// the estimate at full precision (the test compares it with the API's cell), Est, Lo, Hi as
// displayed.
type rowView struct {
	Key, Group, Label, Est, Lo, Hi, SE, Full, Flag, Reason string
	N                                                      int
	NewGroup                                               bool // the first row of its group
}

type gapView struct {
	Key, Label, Est, Lo, Hi, Full, Flag string
	Significant                         string // "yes", "no" or "" (no interval)
	NA, NB                              int
}

// chartData is one indicator's figures for the charts (charts.js).
type chartData struct {
	Unit    string      `json:"unit"`
	GapUnit string      `json:"gap_unit"`
	Rows    []chartCell `json:"rows"`
	Gaps    []chartCell `json:"gaps"`
}

type chartCell struct {
	Key   string   `json:"key"`
	Group string   `json:"group"`
	Label string   `json:"label"`
	Est   *float64 `json:"est"`
	Lo    *float64 `json:"lo"`
	Hi    *float64 `json:"hi"`
	Flag  string   `json:"flag"`
	Sig   *bool    `json:"sig,omitempty"`
	N     int      `json:"n"`
}

// view turns the input into the page and the charts' data.
func (in *Input) view() (*page, map[string]chartData) {
	cat := in.Catalog
	p := &page{Title: "Migration profile", Facts: in.Facts, Generated: in.GeneratedAt.Format("2 January 2006, 15:04 UTC"),
		Flags: indicators.FlagNotes}
	p.Subtitle = in.Facts.Title
	if in.Facts.Country != "" {
		p.Subtitle += " — " + in.Facts.Country
	}
	inds := map[string]*indView{}
	var order []*indView
	for _, ind := range cat.Indicators {
		v := &indView{ID: ind.ID, Name: ind.Name, SDG: ind.SDG, Unit: ind.Measure(), GapUnit: ind.GapMeasure(),
			Definition: ind.Definition, Level: ind.Unit, Decimals: ind.Decimals}
		v.chart = chartData{Unit: v.Unit, GapUnit: v.GapUnit, Rows: []chartCell{}, Gaps: []chartCell{}}
		inds[ind.ID] = v
		order = append(order, v)
	}
	add := func(res *indicators.Result, dimName string) {
		for i := range res.Cells {
			c := &res.Cells[i]
			v := inds[c.Indicator]
			if v == nil {
				continue
			}
			dim, code, label := "_T", "_T", indicators.LabelTotal
			if len(res.By) == 1 {
				dim, code = res.By[0], c.Dims[0]
				if code == "_T" {
					continue // the total row comes from the total table
				}
				label = cat.Dimension(dim).Label(code)
			}
			r := rowView{Key: c.Indicator + "|" + dim + "|" + code, Group: dimName, Label: label, N: c.NUnweighted,
				Est: indicators.FormatFigure(c.Estimate, v.Decimals), Lo: indicators.FormatFigure(c.CILow, v.Decimals),
				Hi: indicators.FormatFigure(c.CIHigh, v.Decimals), SE: indicators.FormatFigure(c.SE, v.Decimals+1),
				Full: indicators.FormatFull(c.Estimate), Flag: c.Flag}
			if c.Flag == estimate.FlagSuppressed {
				r.Reason = c.Suppression
				if r.Reason == "" {
					r.Reason = "primary"
				}
			}
			r.NewGroup = len(v.Rows) == 0 || v.Rows[len(v.Rows)-1].Group != dimName
			v.Rows = append(v.Rows, r)
			v.Published = v.Published || c.Estimate != nil
			v.chart.Rows = append(v.chart.Rows, chartCell{Key: r.Key, Group: dimName, Label: label, Est: c.Estimate,
				Lo: c.CILow, Hi: c.CIHigh, Flag: c.Flag, N: c.NUnweighted})
		}
	}
	add(in.Total, "All")
	for _, t := range in.Levels {
		add(t, shortName(cat.Dimension(t.By[0]).Name))
	}
	for _, gr := range in.Gaps {
		d := cat.Dimension(gr.By)
		for i := range gr.Gaps {
			g := &gr.Gaps[i]
			v := inds[g.Indicator]
			if v == nil {
				continue
			}
			label := d.Label(g.A) + " − " + d.Label(g.B)
			gv := gapView{Key: g.Indicator + "|" + g.Dim + "|" + g.A + "|" + g.B, Label: label,
				Est: indicators.FormatFigure(g.Estimate, v.Decimals), Lo: indicators.FormatFigure(g.CILow, v.Decimals),
				Hi: indicators.FormatFigure(g.CIHigh, v.Decimals), Full: indicators.FormatFull(g.Estimate), Flag: g.Flag,
				NA: g.CellA.NUnweighted, NB: g.CellB.NUnweighted}
			if g.Significant != nil {
				gv.Significant = map[bool]string{true: "yes", false: "no"}[*g.Significant]
			}
			v.Gaps = append(v.Gaps, gv)
			v.chart.Gaps = append(v.chart.Gaps, chartCell{Key: gv.Key, Group: shortName(d.Name), Label: label, Est: g.Estimate,
				Lo: g.CILow, Hi: g.CIHigh, Flag: g.Flag, Sig: g.Significant})
		}
	}
	for _, v := range order {
		v.Notes = notes(v)
		if v.Published {
			p.Shown++
		}
	}
	// Areas in catalog order; indicators without an area (or with an unknown one) last.
	placed := map[string]bool{}
	for _, a := range cat.Areas {
		av := areaView{ID: a.ID, Name: a.Name, About: a.About}
		for _, v := range order {
			if catInd := cat.Indicator(v.ID); catInd != nil && catInd.Area == a.ID {
				av.Indicators = append(av.Indicators, v)
				placed[v.ID] = true
			}
		}
		p.Areas = append(p.Areas, av)
	}
	other := areaView{ID: "other", Name: "Other indicators"}
	for _, v := range order {
		if !placed[v.ID] {
			other.Indicators = append(other.Indicators, v)
		}
	}
	if len(other.Indicators) > 0 {
		p.Areas = append(p.Areas, other)
	}
	charts := map[string]chartData{}
	for _, v := range order {
		charts[v.ID] = v.chart
	}
	return p, charts
}

// notes are an indicator's reliability notes: which cells are held back or unreliable.
func notes(v *indView) []string {
	var sup, low []string
	for _, r := range v.Rows {
		name := r.Label
		if r.Group != "All" {
			name = r.Group + ": " + r.Label
		}
		switch r.Flag {
		case estimate.FlagSuppressed:
			why := "fewer than 25 sampled units"
			if r.Reason == "secondary" {
				why = "held back so that a suppressed cell cannot be derived from the others"
			}
			sup = append(sup, fmt.Sprintf("%s (n = %d, %s)", name, r.N, why))
		case estimate.FlagLowReliability:
			low = append(low, fmt.Sprintf("%s (n = %d)", name, r.N))
		}
	}
	var out []string
	if len(sup) > 0 {
		out = append(out, "Not published: "+join(sup)+".")
	}
	if len(low) > 0 {
		out = append(out, "Low reliability (25–49 sampled units), read with care: "+join(low)+".")
	}
	if len(v.Rows) == 0 {
		out = append(out, "No approved household is in this indicator's population yet.")
	}
	return out
}

// shortName is a dimension's name without its parenthesised detail.
func shortName(name string) string {
	if i := strings.Index(name, " ("); i > 0 {
		return name[:i]
	}
	return name
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}
