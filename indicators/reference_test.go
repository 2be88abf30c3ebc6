package indicators

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"fieldbase/form"
	"fieldbase/synth"
)

// The R reference: synthetic households → facts (as at ingest) →
// testdata/units.csv, the unit-level layout that estimate's reference.R
// reads (testdata/reference.R is a link to it) → testdata/reference.csv.
// TestReference recomputes every cell from the same facts and needs no R.
// After a change of the catalog, the facts layout or synth, regenerate:
//
//	go test ./indicators -run TestReference -update && Rscript indicators/testdata/reference.R
var update = flag.Bool("update", false, "rewrite testdata/units.csv and testdata/indicators.csv (then run Rscript indicators/testdata/reference.R)")

const (
	refHouseholds = 800
	refSeed       = 20261001
)

var (
	refOnce    sync.Once
	refHH      []string
	refMembers [][]string
)

// refFacts generates the reference households and computes their facts the
// way ingest does: JSON envelope, validation (calculates filled), Facts.
// Computed once; callers must not modify the slices.
func refFacts(t testing.TB) (hh []string, members [][]string) {
	refOnce.Do(func() { refHH, refMembers = makeRefFacts(t) })
	if refHH == nil {
		t.Fatal("reference facts failed")
	}
	return refHH, refMembers
}

func makeRefFacts(t testing.TB) (hh []string, members [][]string) {
	sv, c := mhs(t)
	today := synth.FieldworkStart.AddDate(0, 0, 90)
	err := synth.Generate(synth.Options{Households: refHouseholds, Seed: refSeed, Today: today}, func(it synth.Item) error {
		raw, err := json.Marshal(it.Envelope)
		if err != nil {
			return err
		}
		var env form.Envelope
		if err := json.Unmarshal(raw, &env); err != nil {
			return err
		}
		res := sv.Validate(&env, today)
		if len(res.Errors) > 0 {
			return fmt.Errorf("synthetic household %s is invalid: %v", env.ID, res.Errors[0])
		}
		h, m := c.Facts(sv, res.Data)
		hh = append(hh, h)
		members = append(members, m)
		return nil
	})
	if err != nil {
		t.Error(err)
		return nil, nil
	}
	return hh, members
}

// writeUnits writes facts in estimate/testdata's units.csv layout: id, type
// (H or P), hh, stratum, psu, the dimension codes, then in_, w_, y_, x_ per
// indicator (empty on rows of the other unit type; outside the population
// in_ is 0, w the row's weight, y and x 0).
func writeUnits(out io.Writer, c *Catalog, hh []string, members [][]string) error {
	w := bufio.NewWriter(out)
	w.WriteString("id,type,hh,stratum,psu")
	for _, d := range c.Dimensions {
		w.WriteString("," + d.ID)
	}
	for _, in := range c.Indicators {
		fmt.Fprintf(w, ",in_%s,w_%s,y_%s,x_%s", in.ID, in.ID, in.ID, in.ID)
	}
	w.WriteString("\n")
	row := func(id, typ string, h int, facts string) error {
		u, err := c.Decode(facts)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s,%s,%d,%s,%s", id, typ, h, u.Stratum, u.PSU)
		for _, code := range u.Codes {
			w.WriteString("," + code)
		}
		for _, in := range c.Indicators {
			if (in.Unit == Household) != (typ == "H") {
				w.WriteString(",,,,")
				continue
			}
			v, ok := u.Value(in.ID)
			if !ok {
				v = Value{W: u.Weight}
			}
			fmt.Fprintf(w, ",%d,%s,%s,%s", b2i(ok), num17(v.W), num17(v.Y), num17(v.X))
		}
		w.WriteString("\n")
		return nil
	}
	for i := range hh {
		if err := row(fmt.Sprintf("H%06d", i+1), "H", i+1, hh[i]); err != nil {
			return err
		}
		for j, m := range members[i] {
			if err := row(fmt.Sprintf("P%06d-%02d", i+1, j+1), "P", i+1, m); err != nil {
				return err
			}
		}
	}
	return w.Flush()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func num17(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// writeIndicatorsCSV writes the catalog as reference.R wants it.
func writeIndicatorsCSV(out io.Writer, c *Catalog) {
	fmt.Fprintln(out, "id,unit,kind,scale")
	for _, in := range c.Indicators {
		u := "P"
		if in.Unit == Household {
			u = "H"
		}
		fmt.Fprintf(out, "%s,%s,%s,%s\n", in.ID, u, in.Kind, num17(in.Scale))
	}
}

// memSource serves facts from memory.
type memSource struct {
	hh, members []string
}

func (m *memSource) Households(fn func(string) error) error {
	for _, f := range m.hh {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func (m *memSource) Members(fn func(string) error) error {
	for _, f := range m.members {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func flatten(hh []string, members [][]string) *memSource {
	s := &memSource{hh: hh}
	for _, m := range members {
		s.members = append(s.members, m...)
	}
	return s
}

func TestReference(t *testing.T) {
	_, c := mhs(t)
	_, wc := measuredOnly(mhs(t)) // for the files: the v2 indicators have their own (pooled_test.go)
	hh, members := refFacts(t)
	var units, inds bytes.Buffer
	if err := writeUnits(&units, wc, hh, members); err != nil {
		t.Fatal(err)
	}
	writeIndicatorsCSV(&inds, wc)
	if *update {
		if err := os.WriteFile("testdata/units.csv", units.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/indicators.csv", inds.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("wrote testdata/units.csv and testdata/indicators.csv: now run Rscript indicators/testdata/reference.R")
	}
	for _, f := range []struct {
		path string
		got  []byte
	}{{"testdata/units.csv", units.Bytes()}, {"testdata/indicators.csv", inds.Bytes()}} {
		want, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, f.got) {
			t.Fatalf("%s differs from the facts of the synthetic households: the catalog, facts or synth changed; regenerate (see the comment on update)", f.path)
		}
	}

	ref := readCSV(t, "testdata/reference.csv")
	want := map[string]map[string]string{} // indicator|by|cell → row
	bys := map[string]bool{}
	for _, r := range ref {
		want[r["indicator"]+"|"+r["by"]+"|"+r["cell"]] = r
		bys[r["by"]] = true
	}
	src := flatten(hh, members)
	var st matchStats
	seen := 0
	for by := range bys {
		var dims []string
		if by != "none" {
			dims = strings.Split(by, "+")
		}
		res, err := c.Compute(Request{By: dims}, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, cell := range res.Cells {
			label := total
			if len(dims) > 0 {
				label = strings.Join(cell.Dims, "|")
			}
			key := cell.Indicator + "|" + by + "|" + label
			r, ok := want[key]
			if !ok {
				t.Errorf("cell %s is not in the R reference", key)
				continue
			}
			seen++
			st.compare(t, key, cell, r, c.Indicator(cell.Indicator))
		}
	}
	if seen != len(ref) {
		t.Errorf("matched %d cells, R has %d", seen, len(ref))
	}
	t.Logf("%d cells over %d breakdowns match R: %d numbers, max relative deviation %.2g; flags %v; df-0 cells %d; [p, p] intervals %d",
		seen, len(bys), st.numbers, st.maxRel, st.flags, st.df0, st.degenerate)
	if len(ref) < 1000 || st.flags["suppressed"] == 0 || st.flags["low_reliability"] == 0 || st.flags[""] == 0 {
		t.Errorf("the reference is too thin: %d cells, flags %v", len(ref), st.flags)
	}
}

type matchStats struct {
	numbers         int
	maxRel          float64
	flags           map[string]int
	df0, degenerate int
}

func (s *matchStats) compare(t *testing.T, name string, c Cell, r map[string]string, in *Indicator) {
	t.Helper()
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
	if c.DF == 0 {
		s.df0++
	}
	nw, _ := strconv.ParseFloat(r["n_weighted"], 64)
	if math.Abs(c.NWeighted-nw) > 1e-9*math.Abs(nw) {
		t.Errorf("%s: n_weighted %.17g, R %.17g", name, c.NWeighted, nw)
	}
	for _, f := range []struct {
		col string
		got *float64
	}{{"estimate", c.Estimate}, {"se", c.SE}, {"ci_low", c.CILow}, {"ci_high", c.CIHigh}} {
		if r[f.col] == "NA" || f.got == nil {
			if r[f.col] != "NA" || f.got != nil {
				t.Errorf("%s: %s is %s in R, %s in Go", name, f.col, r[f.col], fmtPtr(f.got))
			}
			continue
		}
		want, err := strconv.ParseFloat(r[f.col], 64)
		if err != nil {
			t.Fatalf("%s: %s %q: %v", name, f.col, r[f.col], err)
		}
		s.numbers++
		rel := 0.0
		// R's zeros (the se of a 0 or 100% cell) are rounding noise.
		if tiny := 1e-15 * in.Scale; math.Abs(want) > tiny || math.Abs(*f.got) > tiny {
			rel = math.Abs(*f.got-want) / math.Max(math.Abs(*f.got), math.Abs(want))
		}
		s.maxRel = math.Max(s.maxRel, rel)
		if rel > 1e-6 {
			t.Errorf("%s: %s %.17g, R %.17g (rel %.2g)", name, f.col, *f.got, want, rel)
		}
	}
	if c.CILow != nil && *c.CILow == *c.Estimate && *c.CIHigh == *c.Estimate {
		s.degenerate++
	}
}

func readCSV(t *testing.T, path string) []map[string]string {
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
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := make(map[string]string, len(rec))
		for i, v := range rec {
			m[recs[0][i]] = v
		}
		rows = append(rows, m)
	}
	return rows
}
