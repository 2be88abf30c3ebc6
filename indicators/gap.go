package indicators

import (
	"fmt"
	"strings"
	"time"

	"fieldbase/estimate"
)

// GapRequest asks for the gaps R_a − R_b of indicators between codes of one
// dimension (indicators.md, "Gaps between groups").
type GapRequest struct {
	Indicators []string // ids; empty means every indicator the dimension applies to
	By         string   // the dimension
	// Pairs are the (a, b) code pairs; none means every other code of the
	// dimension against its reference code (the catalog's "reference").
	Pairs [][2]string
}

// Gap is one published gap: the indicator, the dimension and the two
// codes, the two cells compared and the difference.
type Gap struct {
	Indicator string
	Dim       string
	A, B      string
	CellA     Cell // the cells as Compute publishes them (by = [Dim])
	CellB     Cell
	estimate.Gap
}

// GapResult is the computed gaps of a request.
type GapResult struct {
	Survey      string
	By          string
	Period      string
	GeneratedAt time.Time
	Gaps        []Gap

	cat *Catalog
}

// resolveGaps checks a gap request against the catalog, ignoring the case
// of ids and codes, and returns its indicators, dimension and code pairs.
func (c *Catalog) resolveGaps(req GapRequest) ([]*Indicator, *Dimension, [][2]string, error) {
	if strings.TrimSpace(req.By) == "" {
		return nil, nil, nil, &RequestError{Param: "by", Msg: fmt.Sprintf("a gap needs one dimension in by (one of %s)", strings.Join(c.dimensionIDs(), ", "))}
	}
	if strings.Contains(req.By, ",") {
		return nil, nil, nil, &RequestError{Param: "by", Value: req.By, Msg: fmt.Sprintf("a gap is between codes of one dimension, got by=%s", req.By)}
	}
	norm := c.Normalize(Request{Indicators: req.Indicators, By: []string{req.By}})
	inds, dims, err := c.resolve(norm)
	if err != nil {
		return nil, nil, nil, err
	}
	d := dims[0]
	pairs := req.Pairs
	if len(pairs) == 0 {
		if d.Reference == "" {
			return nil, nil, nil, &RequestError{Param: "a", Msg: fmt.Sprintf("dimension %s has no reference code: name the two codes (a and b, from %s)", d.ID, strings.Join(d.Codes, ", "))}
		}
		for _, code := range d.Codes {
			if code != d.Reference && code != "_Z" {
				pairs = append(pairs, [2]string{code, d.Reference})
			}
		}
	}
	out := make([][2]string, len(pairs))
	for i, p := range pairs {
		for j, code := range p {
			param := [2]string{"a", "b"}[j]
			if code == "" {
				return nil, nil, nil, &RequestError{Param: param, Msg: fmt.Sprintf("a gap needs both codes a and b (codes of %s: %s)", d.ID, strings.Join(d.Codes, ", "))}
			}
			k, ok := d.Code(code)
			if !ok || k == total {
				return nil, nil, nil, &RequestError{Param: param, Value: code, Msg: fmt.Sprintf("%q is not a code of %s (its codes are %s)", code, d.ID, strings.Join(d.Codes, ", "))}
			}
			out[i][j] = k
		}
		if out[i][0] == out[i][1] {
			return nil, nil, nil, &RequestError{Param: "b", Value: out[i][1], Msg: fmt.Sprintf("a gap compares two different codes, got %s twice", out[i][0])}
		}
	}
	if len(req.Indicators) == 0 && d.PersonOnly { // household indicators have no cells by a person-only dimension
		var keep []*Indicator
		for _, in := range inds {
			if in.Unit == Person {
				keep = append(keep, in)
			}
		}
		inds = keep
	}
	return inds, d, out, nil
}

// Gaps computes the gaps of a request from the snapshot: per indicator one
// pass over its population, adding each unit to the cell of its code, then
// the difference of the two cells with their covariance. A pair where
// either code has no unit of the indicator's population is absent (as its
// cell is); a household indicator under a person-only dimension has none.
func (s *Snapshot) Gaps(req GapRequest) (*GapResult, error) {
	inds, d, pairs, err := s.c.resolveGaps(req)
	if err != nil {
		return nil, err
	}
	if !s.wantDim[d.pos] {
		return nil, fmt.Errorf("indicators: the snapshot was read without dimension %s", d.ID)
	}
	res := &GapResult{Survey: s.c.Survey, By: d.ID, Period: s.period, GeneratedAt: time.Now().UTC(), cat: s.c}
	cb := s.codes[d.pos]
	var accH, accP *estimate.Accumulator
	for _, in := range inds {
		if !s.wantInd[in.index] {
			return nil, fmt.Errorf("indicators: the snapshot was read without indicator %s", in.ID)
		}
		if in.Unit == Household && d.PersonOnly {
			continue
		}
		set, acc := s.pp, &accP
		if in.Unit == Household {
			set, acc = s.hh, &accH
		}
		if *acc == nil {
			*acc = estimate.NewAccumulator(set.design)
		}
		a := *acc
		a.Reset()
		set.addAll(a, in, []*Dimension{d}, 0)
		cells := map[int]estimate.Cell{}
		for _, c := range a.Cells(in.Kind, in.Scale) {
			cells[c.Key] = c
		}
		for _, p := range pairs {
			ka, kb := int(cb.index(p[0])), int(cb.index(p[1]))
			g, ok := a.Gap(ka, kb, in.Scale)
			if !ok {
				continue
			}
			res.Gaps = append(res.Gaps, Gap{Indicator: in.ID, Dim: d.ID, A: p[0], B: p[1], Gap: g,
				CellA: Cell{Indicator: in.ID, Dims: []string{p[0]}, Cell: cells[ka]},
				CellB: Cell{Indicator: in.ID, Dims: []string{p[1]}, Cell: cells[kb]}})
		}
	}
	return res, nil
}

// ApplyTable makes each gap follow the published flags of its two cells in
// table (a one-dimension result by the gaps' dimension, after any
// disclosure control): a gap with a suppressed cell is suppressed, whatever
// made the cell suppressed (primary or secondary suppression).
func (r *GapResult) ApplyTable(table *Result) {
	if table == nil || len(table.By) != 1 || table.By[0] != r.By {
		return
	}
	flags := map[string]Cell{}
	for _, c := range table.Cells {
		flags[c.Indicator+"|"+c.Dims[0]] = c
	}
	for i := range r.Gaps {
		g := &r.Gaps[i]
		ca, okA := flags[g.Indicator+"|"+g.A]
		cb, okB := flags[g.Indicator+"|"+g.B]
		if okA {
			g.CellA = ca
		}
		if okB {
			g.CellB = cb
		}
		if ca.Flag == estimate.FlagSuppressed || cb.Flag == estimate.FlagSuppressed {
			g.Gap = estimate.Gap{A: g.Gap.A, B: g.Gap.B, DF: g.DF, Flag: estimate.FlagSuppressed}
		}
	}
}
