package indicators

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"fieldbase/estimate"
)

// Content types of the writers.
const (
	ContentTypeJSON = "application/json; charset=utf-8"
	ContentTypeCSV  = "text/csv; charset=utf-8"
	ContentTypeSDMX = "application/vnd.sdmx.data+csv; version=2.0.0"
)

// cellColumns are the figures of a cell, after the indicator and the codes.
var cellColumns = []string{"estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "flag"}

// Precision of the figures a writer prints.
type Precision int

const (
	// Full: the shortest decimal that reads back as the computed float.
	Full Precision = iota
	// Display: rounded to the indicator's decimals (the se to one more,
	// n_weighted to whole units), as a table for people shows them.
	Display
)

// ParsePrecision reads "full" or "display" ("" is def).
func ParsePrecision(s string, def Precision) (Precision, error) {
	switch strings.ToLower(s) {
	case "":
		return def, nil
	case "full":
		return Full, nil
	case "display":
		return Display, nil
	}
	return 0, &RequestError{Param: "precision", Value: s, Msg: fmt.Sprintf("unknown precision %q: use full or display", s)}
}

type jsonCell struct {
	Indicator   string            `json:"indicator"`
	Name        string            `json:"name"`
	SDG         string            `json:"sdg"`
	Unit        string            `json:"unit"`
	Decimals    int               `json:"decimals"`
	Dims        map[string]string `json:"dims"`
	Labels      map[string]string `json:"labels"`
	Estimate    *float64          `json:"estimate"`
	SE          *float64          `json:"se"`
	CILow       *float64          `json:"ci_low"`
	CIHigh      *float64          `json:"ci_high"`
	NUnweighted int               `json:"n_unweighted"`
	NWeighted   *float64          `json:"n_weighted"`
	Flag        string            `json:"flag"`
	Reason      string            `json:"reason,omitempty"`
}

// weighted is a cell's n_weighted as published: none for a suppressed cell, whose n_weighted
// divided by a household's weight can give a person's answer back (indicators.md).
func weighted(c *Cell) *float64 {
	if c.Flag == estimate.FlagSuppressed {
		return nil
	}
	return &c.NWeighted
}

// reason is why a suppressed cell is held back ("primary" or "secondary"), "" otherwise.
func reason(c *Cell) string {
	switch {
	case c.Flag != estimate.FlagSuppressed:
		return ""
	case c.Suppression == "":
		return "primary"
	}
	return c.Suppression
}

// jsonDimension is a requested dimension as the JSON answer describes it.
type jsonDimension struct {
	ID     string            `json:"id"`
	Name   string            `json:"name"`
	Codes  []string          `json:"codes"`
	Labels map[string]string `json:"labels"`
}

// dimensionsOf describes the dimensions ids for the JSON answers.
func (c *Catalog) dimensionsOf(ids []string) []jsonDimension {
	out := []jsonDimension{}
	for _, id := range ids {
		d := c.dimByID[id]
		if d == nil {
			continue
		}
		jd := jsonDimension{ID: d.ID, Name: d.Name, Codes: d.Codes, Labels: map[string]string{total: d.Label(total)}}
		for _, code := range d.Codes {
			jd.Labels[code] = d.Label(code)
		}
		out = append(out, jd)
	}
	return out
}

// labelsOf names the codes of a cell, dimension by dimension.
func (c *Catalog) labelsOf(by, codes []string) map[string]string {
	m := make(map[string]string, len(by))
	for k, id := range by {
		if d := c.dimByID[id]; d != nil {
			m[id] = d.Label(codes[k])
		} else {
			m[id] = codes[k]
		}
	}
	return m
}

// WriteJSON writes {"survey", "generated_at", "precision", "dimensions",
// "cells": [...]}: each cell with its indicator, name, SDG target, unit,
// display decimals, dims (the requested dimensions' codes, {} without a
// breakdown) and their labels, figures (null when suppressed or without an
// interval; n_weighted null when suppressed), flag ("", "suppressed" or
// "low_reliability") and, for a suppressed cell, reason ("primary" or
// "secondary").
func (r *Result) WriteJSON(w io.Writer) error { return r.WriteJSONPrecision(w, Full) }

// WriteJSONPrecision is WriteJSON with figures at precision p.
func (r *Result) WriteJSONPrecision(w io.Writer, p Precision) error {
	bw := bufio.NewWriter(w)
	head, err := json.Marshal(struct {
		Survey      string          `json:"survey"`
		GeneratedAt string          `json:"generated_at"`
		Precision   string          `json:"precision"`
		Dimensions  []jsonDimension `json:"dimensions"`
	}{r.Survey, r.GeneratedAt.UTC().Format(time.RFC3339), precisionName(p), r.cat.dimensionsOf(r.By)})
	if err != nil {
		return err
	}
	bw.Write(head[:len(head)-1]) // leave the object open for the cells
	bw.WriteString(`,"cells":[`)
	for i := range r.Cells {
		c := &r.Cells[i]
		f := r.cat.figures(c.Indicator, &c.Cell, p)
		jc := jsonCell{Indicator: c.Indicator, Dims: make(map[string]string, len(r.By)),
			Labels:   r.cat.labelsOf(r.By, c.Dims),
			Estimate: f.est, SE: f.se, CILow: f.lo, CIHigh: f.hi,
			NUnweighted: c.NUnweighted, NWeighted: f.nw, Flag: c.Flag, Reason: reason(c)}
		if in := r.cat.byID[c.Indicator]; in != nil {
			jc.Name, jc.SDG, jc.Unit, jc.Decimals = in.Name, in.SDG, in.Measure(), in.Decimals
		}
		for k, dim := range r.By {
			jc.Dims[dim] = c.Dims[k]
		}
		b, err := json.Marshal(jc)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(b)
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

func precisionName(p Precision) string {
	if p == Display {
		return "display"
	}
	return "full"
}

// figures are a cell's numbers at a precision: nil stays nil, NaN and
// infinities become nil (JSON has no such numbers).
type figures struct {
	est, se, lo, hi *float64
	nw              *float64 // none for a suppressed cell (see weighted)
}

func (c *Catalog) figures(id string, cell *estimate.Cell, p Precision) figures {
	f := figures{est: finite(cell.Estimate), se: finite(cell.SE), lo: finite(cell.CILow), hi: finite(cell.CIHigh)}
	if cell.Flag != estimate.FlagSuppressed {
		nw := cell.NWeighted
		f.nw = finite(&nw)
	}
	if p != Display {
		return f
	}
	dec := c.decimals(id)
	f.est, f.lo, f.hi = round(f.est, dec), round(f.lo, dec), round(f.hi, dec)
	f.se = round(f.se, dec+1)
	f.nw = round(f.nw, 0)
	return f
}

// decimals is the display decimals of an indicator (1 if unknown).
func (c *Catalog) decimals(id string) int {
	if in := c.byID[id]; in != nil {
		return in.Decimals
	}
	return 1
}

// fmtFixed prints a figure with dec decimals, "" for null.
func fmtFixed(p *float64, dec int) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', dec, 64)
}

// round rounds to dec decimals, halves away from zero (15000.5 is 15001,
// as people round; strconv would print the even 15000).
func round(p *float64, dec int) *float64 {
	if p == nil {
		return nil
	}
	shift := math.Pow10(dec)
	v := math.Round(*p*shift) / shift
	if v == 0 {
		v = 0 // no -0
	}
	return &v
}

// finite keeps JSON valid should a figure ever be NaN or infinite.
func finite(p *float64) *float64 {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return p
}

// WriteCSV writes the cells flat at full precision (see WriteCSVPrecision).
func (r *Result) WriteCSV(w io.Writer) error { return r.WriteCSVPrecision(w, Full) }

// WriteCSVPrecision writes the cells flat: indicator, its name, SDG target
// and unit, then per requested dimension its code (column named by the
// dimension id) and the code's label (<id>_label), then estimate, se,
// ci_low, ci_high, n_unweighted, n_weighted, flag. Nulls are empty fields.
func (r *Result) WriteCSVPrecision(w io.Writer, p Precision) error {
	cw := csv.NewWriter(w)
	head := []string{"indicator", "name", "sdg", "unit"}
	for _, dim := range r.By {
		head = append(head, dim, dim+"_label")
	}
	head = append(head, cellColumns...)
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, len(head))
	for i := range r.Cells {
		c := &r.Cells[i]
		rec[0], rec[1], rec[2], rec[3] = c.Indicator, "", "", ""
		if in := r.cat.byID[c.Indicator]; in != nil {
			rec[1], rec[2], rec[3] = in.Name, in.SDG, in.Measure()
		}
		k := 4
		for j, dim := range r.By {
			rec[k] = c.Dims[j]
			rec[k+1] = c.Dims[j]
			if d := r.cat.dimByID[dim]; d != nil {
				rec[k+1] = d.Label(c.Dims[j])
			}
			k += 2
		}
		f := r.cat.figures(c.Indicator, &c.Cell, p)
		num := fmtPtr
		if p == Display { // fixed decimals: 42.0 stays 42.0
			dec := r.cat.decimals(c.Indicator)
			num = func(v *float64) string { return fmtFixed(v, dec) }
			rec[k+1] = fmtFixed(f.se, dec+1)
		} else {
			rec[k+1] = fmtPtr(f.se)
		}
		rec[k] = num(f.est)
		rec[k+2] = num(f.lo)
		rec[k+3] = num(f.hi)
		rec[k+4] = strconv.Itoa(c.NUnweighted)
		rec[k+5] = fmtPtr(f.nw)
		rec[k+6] = c.Flag
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SDMXColumns is the SDMX-CSV 2.0 header of indicators.md.
var SDMXColumns = []string{"STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA",
	"SEX", "AGE", "URBANISATION", "DISABILITY_STATUS", "MIGRATORY_STATUS", "HH_MIG_STATUS", "REGION",
	"TIME_PERIOD", "OBS_VALUE", "UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS", "SE", "CI_LOWER", "CI_UPPER", "N_UNWTD"}

// sdmxDims are the header's dimension columns (indexes 7..13).
const sdmxFirstDim, sdmxLastDim = 7, 13

// DefaultDataflow is the STRUCTURE_ID used when SDMXOptions.Dataflow is "".
const DefaultDataflow = "NSO:DF_MIGSDG(1.0)"

// SDMXOptions are the SDMX-CSV values that do not come from the cells.
type SDMXOptions struct {
	Dataflow   string // AGENCY:DF_ID(VERSION); DefaultDataflow if ""
	RefArea    string // REF_AREA: the survey's country (settings.country), e.g. NPL
	TimePeriod string // TIME_PERIOD; Result.Period (interview year) if ""
}

// WriteSDMX writes the cells as SDMX-CSV 2.0 (indicators.md): one row per
// cell, the indicator id as SERIES, _T for the dimensions not broken down,
// an empty OBS_VALUE and CONF_STATUS C for a suppressed cell (else F),
// OBS_STATUS U for a low-reliability cell (else A). A requested dimension
// without an SDMX column is an error.
func (r *Result) WriteSDMX(w io.Writer, opt SDMXOptions) error {
	if opt.Dataflow == "" {
		opt.Dataflow = DefaultDataflow
	}
	if opt.TimePeriod == "" {
		opt.TimePeriod = r.Period
	}
	col := make([]int, len(r.By)) // header index of each requested dimension
	for k, dim := range r.By {
		col[k] = -1
		for j := sdmxFirstDim; j <= sdmxLastDim; j++ {
			if SDMXColumns[j] == dim {
				col[k] = j
			}
		}
		if col[k] < 0 {
			return fmt.Errorf("indicators: dimension %s has no SDMX-CSV column", dim)
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(SDMXColumns); err != nil {
		return err
	}
	rec := make([]string, len(SDMXColumns))
	for i := range r.Cells {
		c := &r.Cells[i]
		in := r.cat.byID[c.Indicator]
		rec[0], rec[1], rec[2], rec[3], rec[4] = "dataflow", opt.Dataflow, "I", "A", "N"
		rec[5], rec[6] = c.Indicator, opt.RefArea
		for j := sdmxFirstDim; j <= sdmxLastDim; j++ {
			rec[j] = total
		}
		for k, j := range col {
			rec[j] = c.Dims[k]
		}
		rec[14] = opt.TimePeriod
		rec[15] = fmtPtr(c.Estimate)
		rec[16] = ""
		if in != nil {
			rec[16] = in.UnitMeasure
		}
		rec[17] = "A"
		if c.Flag == estimate.FlagLowReliability {
			rec[17] = "U"
		}
		rec[18] = "F"
		switch reason(c) {
		case "primary":
			rec[18] = "C" // confidential
		case "secondary":
			rec[18] = "D" // secondary confidentiality (SDMX CL_CONF_STATUS)
		}
		rec[19] = fmtPtr(c.SE)
		rec[20] = fmtPtr(c.CILow)
		rec[21] = fmtPtr(c.CIHigh)
		rec[22] = strconv.Itoa(c.NUnweighted)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func fmtPtr(p *float64) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return ""
	}
	return fmtNum(*p)
}

// fmtNum writes the shortest exact decimal, without an exponent unless the
// number is tiny or huge (as encoding/json does).
func fmtNum(f float64) string {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
