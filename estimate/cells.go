package estimate

import (
	"fmt"
	"math"
)

// Kind is how an indicator's ratio is reported and which interval it gets.
type Kind int

const (
	// Proportion: y in {0, 1}, x = 1; logit interval (R's svyciprop,
	// method "logit"); usually reported with scale 100.
	Proportion Kind = iota + 1
	// Mean: x = 1; Wald interval (svymean).
	Mean
	// Ratio: Σwy / Σwx of amounts; Wald interval (svyratio).
	Ratio
	// Rate: a proportion times a large scale (per 100,000); Wald interval.
	Rate
)

var kindNames = [...]string{Proportion: "proportion", Mean: "mean", Ratio: "ratio", Rate: "rate"}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind maps "proportion", "mean", "ratio" and "rate" to their Kind.
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if name != "" && name == s {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("estimate: unknown kind %q", s)
}

// Publication rules of indicators.md.
const (
	Level              = 0.95 // confidence level of every interval
	MinPublished       = 25   // fewer units: suppressed
	MinReliable        = 50   // fewer units: low reliability
	FlagSuppressed     = "suppressed"
	FlagLowReliability = "low_reliability"
)

// Cell is one published estimate. Nil pointers are nulls: all four for a
// suppressed cell (or one with Σ w·x = 0), the interval when the cell has 0
// degrees of freedom.
type Cell struct {
	Key         int      `json:"-"` // the cell key given to Add
	Estimate    *float64 `json:"estimate"`
	SE          *float64 `json:"se"`
	CILow       *float64 `json:"ci_low"`
	CIHigh      *float64 `json:"ci_high"`
	NUnweighted int      `json:"n_unweighted"` // units added
	NWeighted   float64  `json:"n_weighted"`   // Σ w·x
	DF          int      `json:"-"`            // PSUs with units - their strata
	Flag        string   `json:"flag"`         // "", FlagSuppressed or FlagLowReliability
}

// Cells returns one Cell per key that received units, by increasing key.
// Estimate, SE and interval are multiplied by scale (100 for percentages).
func (a *Accumulator) Cells(kind Kind, scale float64) []Cell {
	var out []Cell
	for key, s := range a.sums {
		if s == nil {
			continue
		}
		if c, ok := a.cell(key, s, kind, scale); ok {
			out = append(out, c)
		}
	}
	return out
}

func (a *Accumulator) cell(key int, s []psuSum, kind Kind, scale float64) (Cell, bool) {
	var y, x float64
	var n int64
	for i := range s {
		y += s[i].wy
		x += s[i].wx
		n += s[i].n
	}
	if n == 0 {
		return Cell{}, false
	}
	c := Cell{Key: key, NUnweighted: int(n), NWeighted: x}
	r := y / x
	v, psus, df := a.variance(s, r, x)
	c.DF = df
	switch {
	case n < MinPublished:
		c.Flag = FlagSuppressed
		return c, true
	case n < MinReliable:
		c.Flag = FlagLowReliability
	}
	if x == 0 { // no weighted denominator: the ratio is undefined
		return c, true
	}
	vals := new([4]float64)
	c.Estimate, c.SE = &vals[0], &vals[1]
	vals[0] = r * scale
	if psus == 1 {
		// The cell's linearised values sum to 0 over its one PSU: the
		// variance is 0, not the rounding noise v holds.
		v = 0
	}
	se := math.Sqrt(v)
	vals[1] = se * scale
	if df == 0 {
		// One PSU in each stratum holding the cell: no t quantile, no
		// interval. The se stands (it is 0 only for a single PSU).
		return c, true
	}
	t := a.tQuantile(df)
	lo, hi := r-t*se, r+t*se
	if kind == Proportion {
		lo, hi = logitInterval(r, se, t)
	}
	vals[2], vals[3] = lo*scale, hi*scale
	c.CILow, c.CIHigh = &vals[2], &vals[3]
	return c, true
}

// variance is the Taylor-linearised variance of the ratio r = Y/X of a
// domain whose per-PSU sums are s, over the whole design, the number of
// PSUs holding units of the domain, and its degrees of freedom (those PSUs
// minus the strata holding them).
//
// The linearised PSU total is z = (Σwy - r Σwx)/X, zero for PSUs without
// units of the domain. Each stratum with n_h >= 2 PSUs in the design adds
// n_h/(n_h-1) Σ (z - z̄_h)², its empty PSUs included. A stratum with a
// single PSU follows R's survey.lonely.psu = "adjust": the PSU is centred
// on the grand mean of the linearised variable, which is 0 (Σz = Y - rX =
// 0), so it adds z² with no n/(n-1) factor — exactly what survey's onestrat
// computes.
func (a *Accumulator) variance(s []psuSum, r, x float64) (v float64, psus, df int) {
	for _, stratum := range a.d.stratumPSUs {
		m, sum := 0, 0.0
		for _, p := range stratum {
			if s[p].n > 0 {
				m++
				sum += (s[p].wy - r*s[p].wx) / x
			}
		}
		if m == 0 {
			continue
		}
		psus += m
		df += m - 1
		if len(stratum) == 1 {
			v += sum * sum
			continue
		}
		nh := float64(len(stratum))
		mean := sum / nh
		ss := float64(len(stratum)-m) * mean * mean // the empty PSUs
		for _, p := range stratum {
			if s[p].n > 0 {
				d := (s[p].wy-r*s[p].wx)/x - mean
				ss += d * d
			}
		}
		v += ss * nh / (nh - 1)
	}
	return v, psus, df
}

// logitInterval is svyciprop's logit interval for a proportion p with
// standard error se: p ± t·se on the logit scale (delta method,
// se/(p(1-p))), mapped back. A proportion of exactly 0 or 1 has the
// degenerate interval [p, p].
func logitInterval(p, se, t float64) (lo, hi float64) {
	if p <= 0 || p >= 1 {
		return p, p
	}
	eta := math.Log(p / (1 - p))
	h := t * se / (p * (1 - p))
	return expit(eta - h), expit(eta + h)
}

func expit(eta float64) float64 { return 1 / (1 + math.Exp(-eta)) }

// tQuantile is the two-sided Level quantile for df degrees of freedom,
// cached because a run asks for the same few df over and over.
func (a *Accumulator) tQuantile(df int) float64 {
	for df >= len(a.tcache) {
		a.tcache = append(a.tcache, 0)
	}
	if a.tcache[df] == 0 {
		a.tcache[df] = TQuantile(1-(1-Level)/2, df)
	}
	return a.tcache[df]
}
