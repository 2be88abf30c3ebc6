package estimate

import (
	"math"
	"testing"
)

// unit is one test unit; times repeats it so that cells pass the
// publication threshold without changing ratio or variance (duplicating
// every unit k times scales each PSU total and the denominator alike).
type unit struct {
	stratum, psu string
	cell         int
	w, y, x      float64
}

func run(units []unit, times int, kind Kind, scale float64) map[int]Cell {
	b := NewBuilder()
	idx := make([]int, len(units))
	for i, u := range units {
		idx[i] = b.PSU(u.stratum, u.psu)
	}
	a := NewAccumulator(b.Design())
	for k := 0; k < times; k++ {
		for i, u := range units {
			a.Add(idx[i], u.cell, u.w, u.y, u.x)
		}
	}
	out := map[int]Cell{}
	for _, c := range a.Cells(kind, scale) {
		out[c.Key] = c
	}
	return out
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: null, want %.12g", what, want)
	} else if math.Abs(*got-want) > 1e-12*math.Max(1, math.Abs(want)) {
		t.Errorf("%s: %.15g, want %.15g", what, *got, want)
	}
}

func null(t *testing.T, what string, got *float64) {
	t.Helper()
	if got != nil {
		t.Errorf("%s: %v, want null", what, *got)
	}
}

// Stratum A has PSUs 1 and 2, stratum B a single PSU "1" (a different PSU:
// labels are per stratum). Per copy: A/1 holds y = 1, 0; A/2 holds 1, 1;
// B/1 holds 0, 0; all w = x = 1. Cell 0 is everything, cell 1 is A/1 and
// B/1, cell 2 is A/2 alone.
var handUnits = []unit{
	{"A", "1", 0, 1, 1, 1}, {"A", "1", 0, 1, 0, 1},
	{"A", "2", 0, 1, 1, 1}, {"A", "2", 0, 1, 1, 1},
	{"B", "1", 0, 1, 0, 1}, {"B", "1", 0, 1, 0, 1},
	{"A", "1", 1, 1, 1, 1}, {"A", "1", 1, 1, 0, 1},
	{"B", "1", 1, 1, 0, 1}, {"B", "1", 1, 1, 0, 1},
	{"A", "2", 2, 1, 1, 1}, {"A", "2", 2, 1, 1, 1},
}

func TestHandComputedMean(t *testing.T) {
	cells := run(handUnits, 15, Mean, 1)
	// Per copy (the 15 copies cancel): cell 0 has Y = 3, X = 6, R = 1/2.
	// PSU totals z = (Y_psu - R X_psu)/X: A/1 (1-1)/6 = 0, A/2 (2-1)/6 = 1/6,
	// B/1 (0-1)/6 = -1/6.
	// Stratum A: 2/(2-1) * 2 * (1/12)² = 1/36. Lonely B, centred on the
	// grand mean 0: (1/6)² = 1/36. se = sqrt(1/18); df = 3 PSUs - 2 strata.
	c := cells[0]
	se := math.Sqrt(1.0 / 18)
	t1 := 12.706204736174707 // qt(0.975, 1)
	near(t, "estimate", c.Estimate, 0.5)
	near(t, "se", c.SE, se)
	near(t, "ci_low", c.CILow, 0.5-t1*se)
	near(t, "ci_high", c.CIHigh, 0.5+t1*se)
	if c.DF != 1 || c.NUnweighted != 90 || c.NWeighted != 90 || c.Flag != "" {
		t.Errorf("cell 0: df %d n %d nw %v flag %q", c.DF, c.NUnweighted, c.NWeighted, c.Flag)
	}

	// Cell 1: Y = 1, X = 4, R = 1/4; A/1 (1-1/2)/4 = 1/8, A/2 empty = 0,
	// B/1 (0-1/2)/4 = -1/8. Stratum A: 2 * 2 * (1/16)² = 1/64 (the empty PSU
	// counts); B: 1/64. df = 2 PSUs - 2 strata = 0: no interval, se stays.
	c = cells[1]
	near(t, "cell 1 estimate", c.Estimate, 0.25)
	near(t, "cell 1 se", c.SE, math.Sqrt(1.0/32))
	null(t, "cell 1 ci_low", c.CILow)
	null(t, "cell 1 ci_high", c.CIHigh)
	if c.DF != 0 || c.NUnweighted != 60 {
		t.Errorf("cell 1: df %d n %d", c.DF, c.NUnweighted)
	}

	// Cell 2: one PSU: se exactly 0, no interval.
	c = cells[2]
	near(t, "cell 2 estimate", c.Estimate, 1)
	if c.SE == nil || *c.SE != 0 || c.CILow != nil || c.DF != 0 {
		t.Errorf("cell 2: se %s ci %s df %d, want 0, null, 0", fmtPtr(c.SE), fmtPtr(c.CILow), c.DF)
	}
}

func TestHandComputedProportion(t *testing.T) {
	cells := run(handUnits, 15, Proportion, 100)
	// Cell 0 as above on the logit scale: η = logit(1/2) = 0, se_η =
	// se/(p(1-p)) = 4 se.
	c := cells[0]
	se := math.Sqrt(1.0 / 18)
	h := 12.706204736174707 * 4 * se
	near(t, "estimate", c.Estimate, 50)
	near(t, "se", c.SE, 100*se)
	near(t, "ci_low", c.CILow, 100/(1+math.Exp(h)))
	near(t, "ci_high", c.CIHigh, 100/(1+math.Exp(-h)))
}

func TestDegenerateProportion(t *testing.T) {
	// Two PSUs of one stratum, every y = 0 (cell 0) or every y = 1
	// (cell 1): the interval is [p, p], se 0.
	units := []unit{
		{"A", "1", 0, 2, 0, 1}, {"A", "2", 0, 3, 0, 1},
		{"A", "1", 1, 2, 1, 1}, {"A", "2", 1, 3, 1, 1},
	}
	cells := run(units, 30, Proportion, 100)
	for key, p := range map[int]float64{0: 0, 1: 100} {
		c := cells[key]
		near(t, "estimate", c.Estimate, p)
		near(t, "se", c.SE, 0)
		near(t, "ci_low", c.CILow, p)
		near(t, "ci_high", c.CIHigh, p)
		if c.DF != 1 {
			t.Errorf("df %d, want 1", c.DF)
		}
	}
}

func TestFlags(t *testing.T) {
	for n, flag := range map[int]string{24: FlagSuppressed, 25: FlagLowReliability, 49: FlagLowReliability, 50: ""} {
		units := []unit{{"A", "1", 0, 1, 1, 1}, {"A", "2", 0, 1, 0, 1}}
		b := NewBuilder()
		p1, p2 := b.PSU("A", "1"), b.PSU("A", "2")
		a := NewAccumulator(b.Design())
		for i := 0; i < n; i++ {
			u := units[i%2]
			a.Add([]int{p1, p2}[i%2], 7, u.w, u.y, u.x)
		}
		cells := a.Cells(Proportion, 100)
		if len(cells) != 1 || cells[0].Key != 7 {
			t.Fatalf("n %d: cells %+v", n, cells)
		}
		c := cells[0]
		if c.Flag != flag || c.NUnweighted != n {
			t.Errorf("n %d: flag %q n %d", n, c.Flag, c.NUnweighted)
		}
		if (flag == FlagSuppressed) != (c.Estimate == nil && c.SE == nil && c.CILow == nil && c.CIHigh == nil) {
			t.Errorf("n %d: nulls wrong: %+v", n, c)
		}
	}
}

func TestBuilderNestsPSUs(t *testing.T) {
	b := NewBuilder()
	a1, b1, a1again, a2 := b.PSU("A", "1"), b.PSU("B", "1"), b.PSU("A", "1"), b.PSU("A", "2")
	if a1 == b1 || a1 != a1again || a2 == a1 {
		t.Errorf("indices %d %d %d %d", a1, b1, a1again, a2)
	}
	d := b.Design()
	if d.NumPSUs() != 3 || d.NumStrata() != 2 {
		t.Errorf("%d PSUs %d strata", d.NumPSUs(), d.NumStrata())
	}
	b.PSU("C", "9")
	if d.NumPSUs() != 3 {
		t.Error("Design changed after later PSU calls")
	}
}

func TestResetAndAbsentCells(t *testing.T) {
	b := NewBuilder()
	p := b.PSU("A", "1")
	q := b.PSU("A", "2")
	a := NewAccumulator(b.Design())
	for i := 0; i < 30; i++ {
		a.Add(p, 3, 1, 1, 1)
		a.Add(q, 5, 1, 0, 1)
	}
	if got := len(a.Cells(Rate, 1e5)); got != 2 {
		t.Fatalf("%d cells, want 2", got)
	}
	a.Reset()
	if got := a.Cells(Rate, 1e5); len(got) != 0 {
		t.Fatalf("after Reset: %+v", got)
	}
	for i := 0; i < 30; i++ {
		a.Add(p, 5, 2, 1, 1)
	}
	got := a.Cells(Ratio, 100)
	if len(got) != 1 || got[0].Key != 5 || *got[0].Estimate != 100 || got[0].NWeighted != 60 {
		t.Fatalf("after reuse: %+v", got)
	}
}

func TestKindNames(t *testing.T) {
	for _, k := range []Kind{Proportion, Mean, Ratio, Rate} {
		if got, err := ParseKind(k.String()); err != nil || got != k {
			t.Errorf("%v: %v %v", k, got, err)
		}
	}
	if _, err := ParseKind("median"); err == nil {
		t.Error("median parsed")
	}
}
