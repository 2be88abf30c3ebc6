package estimate

import (
	"encoding/csv"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestReference recomputes every cell of testdata/reference.csv (written by
// testdata/reference.R with R's survey package from testdata/units.csv) and
// requires the same cell set, estimate, se and interval to 1e-6 relative,
// the same nulls, n and df exactly and n_weighted to 1e-9.
func TestReference(t *testing.T) {
	units := readTable(t, "testdata/units.csv")
	inds := readTable(t, "testdata/indicators.csv")
	ref := readTable(t, "testdata/reference.csv")

	// reference rows by indicator, then breakdown, then cell label
	want := map[string]map[string]map[string]map[string]string{}
	for _, r := range ref.rows {
		byInd := want[r["indicator"]]
		if byInd == nil {
			byInd = map[string]map[string]map[string]string{}
			want[r["indicator"]] = byInd
		}
		if byInd[r["by"]] == nil {
			byInd[r["by"]] = map[string]map[string]string{}
		}
		byInd[r["by"]][r["cell"]] = r
	}
	if len(want) != len(inds.rows) || len(inds.rows) != 21 {
		t.Fatalf("reference has %d indicators, catalog %d, want 21", len(want), len(inds.rows))
	}

	var s refStats
	for _, ind := range inds.rows {
		kind, err := ParseKind(ind["kind"])
		if err != nil {
			t.Fatal(err)
		}
		scale := parseNum(t, ind["scale"])
		id, unit := ind["id"], ind["unit"]
		var rows []map[string]string
		b := NewBuilder()
		var psu []int
		for _, u := range units.rows {
			if u["type"] == unit {
				rows = append(rows, u)
				psu = append(psu, b.PSU(u["stratum"], u["psu"]))
			}
		}
		acc := NewAccumulator(b.Design())
		if len(want[id]) != 13 {
			t.Errorf("%s: %d breakdowns in reference, want 13", id, len(want[id]))
		}
		for by, cells := range want[id] {
			dims := []string{}
			if by != "none" {
				dims = strings.Split(by, "+")
			}
			acc.Reset()
			labels := map[string]int{}
			var names []string
			for i, u := range rows {
				if u["in_"+id] != "1" {
					continue
				}
				w, y, x := parseNum(t, u["w_"+id]), parseNum(t, u["y_"+id]), parseNum(t, u["x_"+id])
				for _, l := range cellLabels(u, dims, unit) {
					k, ok := labels[l]
					if !ok {
						k = len(names)
						labels[l] = k
						names = append(names, l)
					}
					acc.Add(psu[i], k, w, y, x)
				}
			}
			got := acc.Cells(kind, scale)
			if len(got) != len(cells) {
				t.Errorf("%s by %s: %d cells, reference %d", id, by, len(got), len(cells))
			}
			for _, c := range got {
				r, ok := cells[names[c.Key]]
				if !ok {
					t.Errorf("%s by %s: cell %s not in reference", id, by, names[c.Key])
					continue
				}
				s.compare(t, id+" "+by+" "+names[c.Key], c, r, kind, scale)
			}
		}
	}
	t.Logf("%d cells, %d numbers compared, max relative deviation %.2g (svyciprop's glm: %.2g); "+
		"flags %v; df 0: %d with se 0, %d with se > 0; [p, p] intervals: %d",
		s.cells, s.numbers, s.maxRel, s.maxRelGLM, s.flags, s.df0Zero, s.df0SE, s.degenerate)
	if s.cells != len(ref.rows) {
		t.Errorf("compared %d cells, reference has %d", s.cells, len(ref.rows))
	}
	if s.flags[FlagSuppressed] == 0 || s.flags[FlagLowReliability] == 0 || s.flags[""] == 0 {
		t.Errorf("reference misses a flag: %v", s.flags)
	}
	if s.df0Zero == 0 || s.df0SE == 0 || s.degenerate == 0 {
		t.Error("reference misses a df-0 cell (one PSU, or one PSU in each of several strata) or a 0/100% proportion")
	}
}

// cellLabels lists the cells a unit belongs to for a breakdown, labelled as
// reference.R does: for each subset of dims kept, codes joined by "|" with
// "_T" for the others; household units have only _T for person-only dims.
func cellLabels(u map[string]string, dims []string, unit string) []string {
	if len(dims) == 0 {
		return []string{"_T"}
	}
	var out []string
	for mask := 0; mask < 1<<len(dims); mask++ {
		parts := make([]string, len(dims))
		for j, dim := range dims {
			parts[j] = "_T"
			personOnly := dim == "AGE" || dim == "MIGRATORY_STATUS" || dim == "DISABILITY_STATUS"
			if mask&(1<<j) != 0 && !(unit == "H" && personOnly) {
				parts[j] = u[dim]
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	sort.Strings(out)
	return dedup(out)
}

func dedup(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

type refStats struct {
	cells, numbers    int
	maxRel, maxRelGLM float64
	flags             map[string]int
	df0Zero, df0SE    int
	degenerate        int
}

func (s *refStats) compare(t *testing.T, name string, c Cell, r map[string]string, kind Kind, scale float64) {
	t.Helper()
	s.cells++
	if s.flags == nil {
		s.flags = map[string]int{}
	}
	s.flags[c.Flag]++
	if c.Flag != r["flag"] {
		t.Errorf("%s: flag %q, R %q", name, c.Flag, r["flag"])
	}
	if strconv.Itoa(c.NUnweighted) != r["n_unweighted"] || strconv.Itoa(c.DF) != r["df"] {
		t.Errorf("%s: n %d df %d, R n %s df %s", name, c.NUnweighted, c.DF, r["n_unweighted"], r["df"])
	}
	if nw := parseNum(t, r["n_weighted"]); math.Abs(c.NWeighted-nw) > 1e-9*nw {
		t.Errorf("%s: n_weighted %.17g, R %.17g", name, c.NWeighted, nw)
	}
	for _, f := range []struct {
		col string
		got *float64
	}{{"estimate", c.Estimate}, {"se", c.SE}, {"ci_low", c.CILow}, {"ci_high", c.CIHigh}} {
		if r[f.col] == "NA" || f.got == nil {
			if r[f.col] != "NA" || f.got != nil {
				t.Errorf("%s: %s is %s in R, %v in Go", name, f.col, r[f.col], fmtPtr(f.got))
			}
			continue
		}
		want := parseNum(t, r[f.col])
		s.numbers++
		rel := 0.0
		// R's "exact" zeros (the se of a 0/100% cell) are rounding noise.
		if tiny := 1e-15 * scale; math.Abs(want) > tiny || math.Abs(*f.got) > tiny {
			rel = math.Abs(*f.got-want) / math.Max(math.Abs(*f.got), math.Abs(want))
		}
		// svyciprop's estimate and interval come from a glm whose IRLS
		// stops at a relative deviance change of 1e-8, which leaves up to
		// ~1e-7 in p; everything else R computes in closed form.
		tol, worst := 1e-9, &s.maxRel
		if kind == Proportion && f.col != "se" {
			tol, worst = 1e-6, &s.maxRelGLM
		}
		*worst = math.Max(*worst, rel)
		if rel > tol {
			t.Errorf("%s: %s %.17g, R %.17g (rel %.2g)", name, f.col, *f.got, want, rel)
		}
	}
	if c.DF == 0 && c.SE != nil {
		if *c.SE == 0 {
			s.df0Zero++
		} else {
			s.df0SE++
		}
	}
	if c.CILow != nil && *c.CILow == *c.Estimate && *c.CIHigh == *c.Estimate {
		s.degenerate++
	}
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'g', 17, 64)
}

type table struct {
	rows []map[string]string
}

func readTable(t *testing.T, path string) table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var tb table
	for _, rec := range recs[1:] {
		m := make(map[string]string, len(rec))
		for i, v := range rec {
			m[recs[0][i]] = v
		}
		tb.rows = append(tb.rows, m)
	}
	return tb
}

func parseNum(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}
