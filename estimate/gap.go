package estimate

import "math"

// Gap is the difference D = R_a − R_b between two cells of one
// accumulation (two codes of a dimension), scaled like the cells (so
// percentage points for percentages), with its design-based standard error
// sqrt(Var R_a + Var R_b − 2 Cov(R_a, R_b)) — both domains linearised on
// the full design: they share PSUs, so the covariance is not zero — and the
// 95% Wald interval on the t quantile with the full design's degrees of
// freedom (PSUs − strata), as R's svyby(…, covmat = TRUE), svycontrast and
// confint(…, df = degf(design)) give them (indicators.md, "Gaps between
// groups").
//
// Nil pointers are nulls: all of them when either cell is suppressed or has
// no weighted denominator, the interval (and Significant) when the design
// has no degrees of freedom.
type Gap struct {
	A, B        int      // the cell keys
	Estimate    *float64 // R_a − R_b, scaled
	SE          *float64
	CILow       *float64
	CIHigh      *float64
	Significant *bool // the interval excludes 0
	DF          int   // the full design's PSUs − strata
	// Flag is FlagSuppressed when either cell is, else FlagLowReliability
	// when either cell is, else "".
	Flag string
}

// Gap returns the gap between cells a and b of what was added since the
// last Reset, and false when either cell received no units (it is absent,
// so there is nothing to compare).
func (acc *Accumulator) Gap(a, b int, scale float64) (Gap, bool) {
	sa, sb := acc.sumsOf(a), acc.sumsOf(b)
	if sa == nil || sb == nil {
		return Gap{}, false
	}
	ya, xa, na := totals(sa)
	yb, xb, nb := totals(sb)
	if na == 0 || nb == 0 {
		return Gap{}, false
	}
	g := Gap{A: a, B: b, DF: acc.d.NumPSUs() - acc.d.NumStrata()}
	switch {
	case na < MinPublished || nb < MinPublished:
		g.Flag = FlagSuppressed
		return g, true
	case na < MinReliable || nb < MinReliable:
		g.Flag = FlagLowReliability
	}
	if xa == 0 || xb == 0 {
		return g, true
	}
	ra, rb := ya/xa, yb/xb
	v := acc.contrastVariance(sa, sb, ra, rb, xa, xb)
	vals := new([4]float64)
	vals[0] = (ra - rb) * scale
	vals[1] = math.Sqrt(v) * scale
	g.Estimate, g.SE = &vals[0], &vals[1]
	if g.DF <= 0 {
		return g, true
	}
	t := acc.tQuantile(g.DF)
	vals[2], vals[3] = vals[0]-t*vals[1], vals[0]+t*vals[1]
	g.CILow, g.CIHigh = &vals[2], &vals[3]
	sig := vals[2] > 0 || vals[3] < 0
	g.Significant = &sig
	return g, true
}

func (acc *Accumulator) sumsOf(key int) []psuSum {
	if key < 0 || key >= len(acc.sums) {
		return nil
	}
	return acc.sums[key]
}

func totals(s []psuSum) (y, x float64, n int64) {
	for i := range s {
		y += s[i].wy
		x += s[i].wx
		n += s[i].n
	}
	return y, x, n
}

// contrastVariance is the variance of R_a − R_b: the variance formula of
// Accumulator.variance applied to the PSU totals of the difference of the
// two domains' linearised values, d = z_a − z_b (z is zero in a PSU without
// units of its domain). Var, Cov and the stratum centring are all linear in
// the linearised values, so this is Var a + Var b − 2 Cov exactly; a
// stratum with a single PSU is centred on the grand mean, 0 for d as for
// each z.
func (acc *Accumulator) contrastVariance(sa, sb []psuSum, ra, rb, xa, xb float64) float64 {
	dz := func(p int32) float64 {
		return (sa[p].wy-ra*sa[p].wx)/xa - (sb[p].wy-rb*sb[p].wx)/xb
	}
	var v float64
	for _, stratum := range acc.d.stratumPSUs {
		if len(stratum) == 1 {
			d := dz(stratum[0])
			v += d * d
			continue
		}
		var sum float64
		for _, p := range stratum {
			sum += dz(p)
		}
		nh := float64(len(stratum))
		mean := sum / nh
		var ss float64
		for _, p := range stratum {
			d := dz(p) - mean
			ss += d * d
		}
		v += ss * nh / (nh - 1)
	}
	return v
}
