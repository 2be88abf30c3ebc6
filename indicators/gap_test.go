package indicators

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"fieldbase/estimate"
)

// TestGapsReference recomputes every gap of testdata/gaps.csv (written by
// testdata/gaps.R with R's svyby(covmat = TRUE) + svycontrast from the same
// units.csv TestReference checks) and requires the same set of gaps, the
// same flags, n, df and significance, and estimate, se and interval to 1e-6
// relative.
func TestGapsReference(t *testing.T) {
	_, c := mhs(t)
	hh, members := refFacts(t)
	snap, err := c.Read(flatten(hh, members))
	if err != nil {
		t.Fatal(err)
	}
	ref := readCSV(t, "testdata/gaps.csv")
	want := map[string]map[string]string{}
	pairs := map[string][][2]string{}
	for _, r := range ref {
		key := r["indicator"] + "|" + r["dimension"] + "|" + r["a"] + "|" + r["b"]
		want[key] = r
		p := [2]string{r["a"], r["b"]}
		dup := false
		for _, q := range pairs[r["dimension"]] {
			dup = dup || q == p
		}
		if !dup {
			pairs[r["dimension"]] = append(pairs[r["dimension"]], p)
		}
	}
	if len(pairs) != 3 || len(pairs["MIGRATORY_STATUS"]) != 2 {
		t.Fatalf("the reference has pairs %v, want FB_NCIT and NB_RET − NB_NM, F − M, H_EMIG − H_NONE", pairs)
	}
	seen, numbers, maxRel := 0, 0, 0.0
	flags := map[string]int{}
	for dim, ps := range pairs {
		res, err := snap.Gaps(GapRequest{By: dim, Pairs: ps})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range res.Gaps {
			key := g.Indicator + "|" + g.Dim + "|" + g.A + "|" + g.B
			r, ok := want[key]
			if !ok {
				t.Errorf("gap %s is not in the R reference", key)
				continue
			}
			seen++
			flags[g.Flag]++
			if g.Flag != r["flag"] || strconv.Itoa(g.DF) != r["df"] ||
				strconv.Itoa(g.CellA.NUnweighted) != r["n_a"] || strconv.Itoa(g.CellB.NUnweighted) != r["n_b"] {
				t.Errorf("%s: flag %q df %d n %d/%d, R %q %s %s/%s", key, g.Flag, g.DF, g.CellA.NUnweighted, g.CellB.NUnweighted,
					r["flag"], r["df"], r["n_a"], r["n_b"])
			}
			sig := "NA"
			if g.Significant != nil {
				sig = strconv.FormatBool(*g.Significant)
			}
			if sig != r["significant"] {
				t.Errorf("%s: significant %s, R %s", key, sig, r["significant"])
			}
			scale := c.Indicator(g.Indicator).Scale
			for _, f := range []struct {
				col string
				got *float64
			}{{"estimate", g.Estimate}, {"se", g.SE}, {"ci_low", g.CILow}, {"ci_high", g.CIHigh}} {
				if r[f.col] == "NA" || f.got == nil {
					if r[f.col] != "NA" || f.got != nil {
						t.Errorf("%s: %s is %s in R, %s in Go", key, f.col, r[f.col], fmtPtr(f.got))
					}
					continue
				}
				w, err := strconv.ParseFloat(r[f.col], 64)
				if err != nil {
					t.Fatal(err)
				}
				numbers++
				rel := 0.0
				if tiny := 1e-12 * scale; math.Abs(w) > tiny || math.Abs(*f.got) > tiny {
					rel = math.Abs(*f.got-w) / math.Max(math.Abs(*f.got), math.Abs(w))
				}
				maxRel = math.Max(maxRel, rel)
				if rel > 1e-6 {
					t.Errorf("%s: %s %.17g, R %.17g (rel %.2g)", key, f.col, *f.got, w, rel)
				}
			}
		}
	}
	if seen != len(ref) {
		t.Errorf("matched %d gaps, R has %d", seen, len(ref))
	}
	t.Logf("%d gaps match R: %d numbers, max relative deviation %.2g, flags %v", seen, numbers, maxRel, flags)
	if flags[""] == 0 || flags[estimate.FlagSuppressed] == 0 || flags[estimate.FlagLowReliability] == 0 {
		t.Errorf("the reference is too thin: flags %v", flags)
	}
}

// TestGapsRequests checks the refusals and the defaults of a gap request.
func TestGapsRequests(t *testing.T) {
	_, c := mhs(t)
	hh, members := refFacts(t)
	snap, err := c.Read(flatten(hh, members))
	if err != nil {
		t.Fatal(err)
	}
	// Lower case names; no pairs: every code against the reference (NB_NM).
	res, err := snap.Gaps(GapRequest{By: "migratory_status", Indicators: []string{"fin1"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range res.Gaps {
		got = append(got, g.A+"-"+g.B)
	}
	if strings.Join(got, ",") != "NB_RET-NB_NM,FB_CIT-NB_NM,FB_NCIT-NB_NM" {
		t.Errorf("default pairs %v", got)
	}
	// The difference is the difference of the published cells.
	one, err := snap.Compute(Request{Indicators: []string{"FIN1"}, By: []string{"MIGRATORY_STATUS"}})
	if err != nil {
		t.Fatal(err)
	}
	est := map[string]float64{}
	for _, cell := range one.Cells {
		if cell.Estimate != nil {
			est[cell.Dims[0]] = *cell.Estimate
		}
	}
	g := res.Gaps[0]
	if g.Estimate == nil || math.Abs(*g.Estimate-(est["NB_RET"]-est["NB_NM"])) > 1e-9 {
		t.Errorf("gap %v, cells %v", g.Estimate, est)
	}
	// Household indicators have no gap by a person-only dimension.
	res, err = snap.Gaps(GapRequest{By: "MIGRATORY_STATUS", Pairs: [][2]string{{"FB_NCIT", "NB_NM"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range res.Gaps {
		if c.Indicator(g.Indicator).Unit == Household {
			t.Errorf("household indicator %s has a gap by migratory status", g.Indicator)
		}
	}
	for _, tc := range []struct {
		req  GapRequest
		says string
	}{
		{GapRequest{}, "one dimension"},
		{GapRequest{By: "SEX,AGE"}, "one dimension"},
		{GapRequest{By: "COLOUR"}, "COLOUR"},
		{GapRequest{By: "SEX", Pairs: [][2]string{{"F", "X"}}}, `"X" is not a code of SEX`},
		{GapRequest{By: "SEX", Pairs: [][2]string{{"F", "f"}}}, "two different codes"},
		{GapRequest{By: "SEX", Pairs: [][2]string{{"F", ""}}}, "both codes"},
		{GapRequest{By: "SEX", Indicators: []string{"NOPE"}}, "NOPE"},
	} {
		_, err := snap.Gaps(tc.req)
		var re *RequestError
		if err == nil || !strings.Contains(err.Error(), tc.says) || !asRequestError(err, &re) {
			t.Errorf("%+v: error %v, want a request error saying %q", tc.req, err, tc.says)
		}
	}
}

func asRequestError(err error, re **RequestError) bool {
	e, ok := err.(*RequestError)
	*re = e
	return ok
}

// TestGapApplyTable: a cell suppressed in the published table (say by
// secondary suppression) suppresses the gap.
func TestGapApplyTable(t *testing.T) {
	_, c := mhs(t)
	hh, members := refFacts(t)
	snap, err := c.Read(flatten(hh, members))
	if err != nil {
		t.Fatal(err)
	}
	res, err := snap.Gaps(GapRequest{By: "SEX", Indicators: []string{"FIN1"}, Pairs: [][2]string{{"F", "M"}}})
	if err != nil || len(res.Gaps) != 1 || res.Gaps[0].Estimate == nil {
		t.Fatalf("%v %+v", err, res)
	}
	table, err := snap.Compute(Request{Indicators: []string{"FIN1"}, By: []string{"SEX"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range table.Cells {
		if table.Cells[i].Dims[0] == "M" {
			table.Cells[i].Flag = estimate.FlagSuppressed
			table.Cells[i].Estimate = nil
		}
	}
	res.ApplyTable(table)
	if g := res.Gaps[0]; g.Flag != estimate.FlagSuppressed || g.Estimate != nil || g.SE != nil || g.Significant != nil || g.CellB.Estimate != nil {
		t.Errorf("gap after suppressing M: %+v", g)
	}
}
