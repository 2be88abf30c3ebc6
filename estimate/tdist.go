package estimate

import "math"

// TQuantile returns the p-quantile of Student's t distribution with df
// degrees of freedom (R's qt(p, df)). It is accurate to about 1e-13
// relative for df >= 1; df < 1 gives NaN.
//
// The tail probability comes from the regularized incomplete beta function
// (continued fraction), and the quantile from Newton steps on that tail,
// started from a Cornish-Fisher expansion around the normal quantile.
func TQuantile(p float64, df int) float64 {
	switch {
	case df < 1 || math.IsNaN(p) || p < 0 || p > 1:
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	case p == 0.5:
		return 0
	}
	// Solve on the smaller tail q so that small tail probabilities keep
	// their relative precision.
	q, sign := 1-p, 1.0
	if p < 0.5 {
		q, sign = p, -1.0
	}
	return sign * tUpper(q, float64(df))
}

// tUpper returns t > 0 with P(T > t) = q for 0 < q < 0.5.
func tUpper(q, nu float64) float64 {
	switch nu {
	case 1: // Cauchy
		return 1 / math.Tan(math.Pi*q)
	case 2:
		return (1 - 2*q) / math.Sqrt(2*q*(1-q))
	}
	t := cornishFisher(normalUpper(q), nu)
	lo, hi := 0.0, math.Inf(1)
	// g is P(T > t) - q, from the tail when q is small and from the
	// central probability 1 - 2q (exact for q >= 1/4) when q is near 1/2.
	c := 2 * (0.5 - q)
	for i := 0; i < 100; i++ {
		tail, central := tProbs(t, nu)
		g := tail - q
		if q >= 0.25 {
			g = (c - central) / 2
		}
		if g > 0 {
			lo = t // tail still too heavy: root is to the right
		} else {
			hi = t
		}
		next := t + g/tDensity(t, nu)
		if !(next > lo && next < hi) { // Newton left the bracket
			if math.IsInf(hi, 1) {
				next = 2 * t
			} else {
				next = (lo + hi) / 2
			}
		}
		if math.Abs(next-t) <= 1e-15*t {
			return next
		}
		t = next
	}
	return t
}

// cornishFisher is the expansion of the t quantile in powers of 1/nu around
// the normal quantile z (Abramowitz & Stegun 26.7.5); close enough for
// Newton to converge in a few steps.
func cornishFisher(z, nu float64) float64 {
	z2 := z * z
	g1 := (z2 + 1) * z / 4
	g2 := ((5*z2+16)*z2 + 3) * z / 96
	g3 := (((3*z2+19)*z2+17)*z2 - 15) * z / 384
	return z + g1/nu + g2/(nu*nu) + g3/(nu*nu*nu)
}

// tProbs returns P(T > t) and P(|T| < t) for t >= 0, each to full
// relative precision: the tail is I_x(nu/2, 1/2)/2 and the central part
// I_y(1/2, nu/2) with x = nu/(nu+t²), y = 1-x; the continued fraction is
// evaluated for whichever converges, the other follows by complement.
// For large nu the prefactor x^a y^b / B(a, b) is computed from log1p and a
// Stirling difference, because log(x) of a rounded x near 1 and
// lgamma(a+1/2) - lgamma(a) both lose digits when a is in the thousands.
func tProbs(t, nu float64) (tail, central float64) {
	a := nu / 2
	t2 := t * t
	x := nu / (nu + t2)
	y := t2 / (nu + t2) // 1 - x without cancellation
	logx := -math.Log1p(t2 / nu)
	logy := math.Log(y)
	lg, _ := math.Lgamma(0.5)
	front := math.Exp(a*logx + 0.5*logy + lgammaHalfStep(a) - lg)
	if x < (a+1)/(a+2.5) {
		tail = front * betaCF(a, 0.5, x, y) / a / 2
		return tail, 1 - 2*tail
	}
	central = front * betaCF(0.5, a, y, x) / 0.5
	return (1 - central) / 2, central
}

// lgammaHalfStep is lgamma(a+1/2) - lgamma(a) without the cancellation of
// two large lgamma values.
func lgammaHalfStep(a float64) float64 {
	if a < 20 {
		p, _ := math.Lgamma(a + 0.5)
		q, _ := math.Lgamma(a)
		return p - q
	}
	// Stirling: lgamma(x) = (x-1/2)log x - x + log(2π)/2 + Σ B2k/(2k(2k-1)x^(2k-1)).
	b := a + 0.5
	d := a*math.Log1p(0.5/a) - 0.5 + 0.5*math.Log(a)
	series := func(x float64) float64 {
		x2 := x * x
		return (1.0/12 - (1.0/360-(1.0/1260-1.0/(1680*x2))/x2)/x2) / x
	}
	return d + series(b) - series(a)
}

// tDensity is the Student t density at t.
func tDensity(t, nu float64) float64 {
	return math.Exp(lgammaHalfStep(nu/2) - 0.5*math.Log(nu*math.Pi) - (nu+1)/2*math.Log1p(t*t/nu))
}

// betaCF evaluates the continued fraction for I_x(a, b) by the modified
// Lentz method (Numerical Recipes, betacf); y = 1 - x.
func betaCF(a, b, x, y float64) float64 {
	const tiny = 1e-300
	qab, qap, qam := a+b, a+1, a-1
	// 1 - (a+b)x/(a+1), rearranged: for large a and x near 1 the plain
	// form cancels to a few digits.
	c, d := 1.0, ((1-b)*x+qap*y)/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1.0; m <= 100000; m++ {
		m2 := 2 * m
		aa := m * (b - m) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return h
}

// normalUpper returns z with P(Z > z) = q for 0 < q <= 0.5 (Wichura's
// AS 241, PPND16, about 1e-16 relative).
func normalUpper(q float64) float64 {
	if c := 0.5 - q; c <= 0.425 {
		r := 0.180625 - c*c
		return c * (((((((2509.0809287301226727*r+33430.575583588128105)*r+67265.770927008700853)*r+
			45921.953931549871457)*r+13731.693765509461125)*r+1971.5909503065514427)*r+
			133.14166789178437745)*r + 3.387132872796366608) /
			(((((((5226.495278852545925*r+28729.085735721942674)*r+39307.89580009271061)*r+
				21213.794301586595867)*r+5394.1960214247511077)*r+687.1870074920579083)*r+
				42.313330701600911252)*r + 1)
	}
	r := math.Sqrt(-math.Log(q))
	if r <= 5 {
		r -= 1.6
		return (((((((7.7454501427834140764e-4*r+0.0227238449892691845833)*r+0.24178072517745061177)*r+
			1.27045825245236838258)*r+3.64784832476320460504)*r+5.7694972214606914055)*r+
			4.6303378461565452959)*r + 1.42343711074968357734) /
			(((((((1.05075007164441684324e-9*r+5.475938084995344946e-4)*r+0.0151986665636164571966)*r+
				0.14810397642748007459)*r+0.68976733498510000455)*r+1.6763848301838038494)*r+
				2.05319162663775882187)*r + 1)
	}
	r -= 5
	return (((((((2.01033439929228813265e-7*r+2.71155556874348757815e-5)*r+0.0012426609473880784386)*r+
		0.026532189526576123093)*r+0.29656057182850489123)*r+1.7848265399172913358)*r+
		5.4637849111641143699)*r + 6.6579046435011037772) /
		(((((((2.04426310338993978564e-15*r+1.4215117583164458887e-7)*r+1.8463183175100546818e-5)*r+
			7.868691311456132591e-4)*r+0.0148753612908506148525)*r+0.13692988092273580531)*r+
			0.59983220655588793769)*r + 1)
}
