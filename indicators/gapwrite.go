package indicators

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"fieldbase/estimate"
)

type jsonGapCell struct {
	Code        string   `json:"code"`
	Label       string   `json:"label"`
	Estimate    *float64 `json:"estimate"`
	SE          *float64 `json:"se"`
	CILow       *float64 `json:"ci_low"`
	CIHigh      *float64 `json:"ci_high"`
	NUnweighted int      `json:"n_unweighted"`
	Flag        string   `json:"flag"`
}

type jsonGap struct {
	Indicator   string      `json:"indicator"`
	Name        string      `json:"name"`
	SDG         string      `json:"sdg"`
	Unit        string      `json:"unit"` // of the difference: percentage points for a percentage
	Decimals    int         `json:"decimals"`
	Dim         string      `json:"dim"`
	A           jsonGapCell `json:"a"`
	B           jsonGapCell `json:"b"`
	Estimate    *float64    `json:"estimate"`
	SE          *float64    `json:"se"`
	CILow       *float64    `json:"ci_low"`
	CIHigh      *float64    `json:"ci_high"`
	DF          int         `json:"df"`
	Significant *bool       `json:"significant"`
	Flag        string      `json:"flag"`
}

func (r *GapResult) jsonGap(g *Gap, p Precision) jsonGap {
	in := r.cat.byID[g.Indicator]
	d := r.cat.dimByID[g.Dim]
	f := r.cat.figures(g.Indicator, gapAsCell(g), p)
	jg := jsonGap{Indicator: g.Indicator, Dim: g.Dim, Estimate: f.est, SE: f.se, CILow: f.lo, CIHigh: f.hi,
		DF: g.DF, Significant: g.Significant, Flag: g.Flag,
		A: r.jsonGapCell(g.A, &g.CellA, d, p), B: r.jsonGapCell(g.B, &g.CellB, d, p)}
	if in != nil {
		jg.Name, jg.SDG, jg.Unit, jg.Decimals = in.Name, in.SDG, in.GapMeasure(), in.Decimals
	}
	return jg
}

func (r *GapResult) jsonGapCell(code string, c *Cell, d *Dimension, p Precision) jsonGapCell {
	f := r.cat.figures(c.Indicator, &c.Cell, p)
	jc := jsonGapCell{Code: code, Label: code, Estimate: f.est, SE: f.se, CILow: f.lo, CIHigh: f.hi,
		NUnweighted: c.NUnweighted, Flag: c.Flag}
	if d != nil {
		jc.Label = d.Label(code)
	}
	return jc
}

// WriteJSON writes {"survey", "generated_at", "by", "dimensions", "gaps":
// [...]}: per gap the indicator, its name, SDG target, the unit of the
// difference, the two cells compared (code, label, estimate, interval, n,
// flag), the difference a − b with se, interval, df and significant (null
// without an interval), and the flag.
func (r *GapResult) WriteJSON(w io.Writer, p Precision) error {
	doc := struct {
		Survey      string          `json:"survey"`
		GeneratedAt string          `json:"generated_at"`
		By          string          `json:"by"`
		Precision   string          `json:"precision"`
		Dimensions  []jsonDimension `json:"dimensions"`
		Gaps        []jsonGap       `json:"gaps"`
	}{Survey: r.Survey, GeneratedAt: r.GeneratedAt.UTC().Format(time.RFC3339), By: r.By,
		Precision: precisionName(p), Dimensions: r.cat.dimensionsOf([]string{r.By}), Gaps: []jsonGap{}}
	for i := range r.Gaps {
		doc.Gaps = append(doc.Gaps, r.jsonGap(&r.Gaps[i], p))
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return bw.Flush()
}

// GapColumns is the header of the gaps CSV.
var GapColumns = []string{"indicator", "name", "sdg", "unit", "dimension", "a", "a_label", "b", "b_label",
	"estimate", "se", "ci_low", "ci_high", "df", "significant", "flag",
	"estimate_a", "n_unweighted_a", "flag_a", "estimate_b", "n_unweighted_b", "flag_b"}

// WriteCSV writes one row per gap (GapColumns); nulls are empty fields,
// significant is "true", "false" or empty.
func (r *GapResult) WriteCSV(w io.Writer, p Precision) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(GapColumns); err != nil {
		return err
	}
	for i := range r.Gaps {
		jg := r.jsonGap(&r.Gaps[i], p)
		num := fmtPtr
		se := fmtPtr(jg.SE)
		if p == Display {
			num = func(v *float64) string { return fmtFixed(v, jg.Decimals) }
			se = fmtFixed(jg.SE, jg.Decimals+1)
		}
		sig := ""
		if jg.Significant != nil {
			sig = strconv.FormatBool(*jg.Significant)
		}
		rec := []string{jg.Indicator, jg.Name, jg.SDG, jg.Unit, jg.Dim, jg.A.Code, jg.A.Label, jg.B.Code, jg.B.Label,
			num(jg.Estimate), se, num(jg.CILow), num(jg.CIHigh), strconv.Itoa(jg.DF), sig, jg.Flag,
			num(jg.A.Estimate), strconv.Itoa(jg.A.NUnweighted), jg.A.Flag,
			num(jg.B.Estimate), strconv.Itoa(jg.B.NUnweighted), jg.B.Flag}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// gapAsCell lends a gap's figures to the cell formatter.
func gapAsCell(g *Gap) *estimate.Cell {
	return &estimate.Cell{Estimate: g.Estimate, SE: g.SE, CILow: g.CILow, CIHigh: g.CIHigh}
}
