package indicators

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
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

type jsonCell struct {
	Indicator   string            `json:"indicator"`
	Dims        map[string]string `json:"dims"`
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

// WriteJSON writes {"survey", "generated_at", "cells": [...]}: each cell
// with its indicator, dims (the requested dimensions' codes, {} without a
// breakdown), figures (null when suppressed or without an interval; n_weighted
// null when suppressed), flag ("", "suppressed" or "low_reliability") and, for
// a suppressed cell, reason ("primary" or "secondary").
func (r *Result) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	head, err := json.Marshal(struct {
		Survey      string `json:"survey"`
		GeneratedAt string `json:"generated_at"`
	}{r.Survey, r.GeneratedAt.UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	bw.Write(head[:len(head)-1]) // leave the object open for the cells
	bw.WriteString(`,"cells":[`)
	for i := range r.Cells {
		c := &r.Cells[i]
		jc := jsonCell{Indicator: c.Indicator, Dims: make(map[string]string, len(r.By)),
			Estimate: finite(c.Estimate), SE: finite(c.SE), CILow: finite(c.CILow), CIHigh: finite(c.CIHigh),
			NUnweighted: c.NUnweighted, NWeighted: finite(weighted(c)), Flag: c.Flag, Reason: reason(c)}
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

// finite keeps JSON valid should a figure ever be NaN or infinite.
func finite(p *float64) *float64 {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return p
}

// WriteCSV writes the cells flat: indicator, one column per requested
// dimension (named by its id), then estimate, se, ci_low, ci_high,
// n_unweighted, n_weighted, flag. Nulls are empty fields.
func (r *Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := append(append([]string{"indicator"}, r.By...), cellColumns...)
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, len(head))
	for i := range r.Cells {
		c := &r.Cells[i]
		rec[0] = c.Indicator
		copy(rec[1:], c.Dims)
		k := 1 + len(r.By)
		rec[k] = fmtPtr(c.Estimate)
		rec[k+1] = fmtPtr(c.SE)
		rec[k+2] = fmtPtr(c.CILow)
		rec[k+3] = fmtPtr(c.CIHigh)
		rec[k+4] = strconv.Itoa(c.NUnweighted)
		rec[k+5] = fmtPtr(weighted(c))
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
