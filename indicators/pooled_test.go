package indicators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"fieldbase/form"
	"fieldbase/schemas"
	"fieldbase/synth"
)

// mhs v1 and v2 side by side (spec/indicators.md "Poverty and remittance indicators"): the
// reference households of TestReference, every second one interviewed with v2 (its v1
// answers unchanged, the income module added by synth.V2). The poverty indicators come
// from the v2 households only, every other indicator pools both versions.
//
// The R reference of POV1–POV3 and REM4 is testdata/v2/reference.csv, written by the same
// script as the v1 one (testdata/v2/reference.R is a link to it) from testdata/v2/units.csv:
//
//	go test ./indicators -run TestReferenceV2 -update && Rscript indicators/testdata/v2/reference.R

// v2Indicators are the indicators only mhs v2 measures.
var v2Indicators = []string{"POV1", "POV2", "POV3", "REM4"}

var (
	v2Once   sync.Once
	v2Sv     *form.Survey
	v2Cat    *Catalog
	v2Err    error
	mixOnce  sync.Once
	mixHH    []string
	mixMem   [][]string
	mixIsV2  []bool
	mixError error
)

// mhsV2 returns the shipped mhs v2 and the catalog compiled strictly against it: every
// indicator of the shipped catalog must compile against the newest version.
func mhsV2(t testing.TB) (*form.Survey, *Catalog) {
	t.Helper()
	v2Once.Do(func() {
		v2Sv, v2Err = form.Load(schemas.MHSv2)
		if v2Err == nil {
			v2Cat, v2Err = Load(schemas.Indicators, v2Sv)
		}
	})
	if v2Err != nil {
		t.Fatal(v2Err)
	}
	return v2Sv, v2Cat
}

// mixFacts is refFacts with every second household made a v2 one and its facts computed
// under the v2 catalog, as ingest does for a v2 push.
func mixFacts(t testing.TB) (hh []string, members [][]string, isV2 []bool) {
	v1, c1 := mhs(t)
	v2, c2 := mhsV2(t)
	mixOnce.Do(func() {
		today := synth.FieldworkStart.AddDate(0, 0, 90)
		k := 0
		mixError = synth.Generate(synth.Options{Households: refHouseholds, Seed: refSeed, Today: today}, func(it synth.Item) error {
			sv, c := v1, c1
			k++
			if k%2 == 0 {
				synth.V2(it.Envelope, refSeed)
				sv, c = v2, c2
			}
			raw, err := json.Marshal(it.Envelope)
			if err != nil {
				return err
			}
			var env form.Envelope
			if err := json.Unmarshal(raw, &env); err != nil {
				return err
			}
			if env.Version != sv.Version {
				return fmt.Errorf("household %s: envelope version %d, survey %d", env.ID, env.Version, sv.Version)
			}
			res := sv.Validate(&env, today)
			if len(res.Errors) > 0 {
				return fmt.Errorf("synthetic v%d household %s is invalid: %v", sv.Version, env.ID, res.Errors[0])
			}
			h, m := c.Facts(sv, res.Data)
			mixHH = append(mixHH, h)
			mixMem = append(mixMem, m)
			mixIsV2 = append(mixIsV2, sv == v2)
			return nil
		})
	})
	if mixError != nil {
		t.Fatal(mixError)
	}
	return mixHH, mixMem, mixIsV2
}

// measuredOnly is the catalog with the indicators its version measures (the v1 reference
// files know nothing of the v2 indicators).
func measuredOnly(sv *form.Survey, c *Catalog) (*form.Survey, *Catalog) {
	only := *c
	only.Indicators = nil
	for _, in := range c.Indicators {
		if in.Measured() {
			only.Indicators = append(only.Indicators, in)
		}
	}
	return sv, &only
}

func TestPooledCatalog(t *testing.T) {
	_, c1 := mhs(t)
	_, c2 := mhsV2(t)
	if c1.FactsPrefix() != c2.FactsPrefix() {
		t.Fatalf("the v1 and v2 compilations of one catalog write different facts prefixes %q, %q", c1.FactsPrefix(), c2.FactsPrefix())
	}
	for _, in := range c1.Indicators {
		v2only := strings.Contains(strings.Join(v2Indicators, ","), in.ID)
		if in.Measured() == v2only {
			t.Errorf("%s: measured by v1 %v (missing %q)", in.ID, in.Measured(), in.Missing)
		}
		if v2only && !(strings.HasPrefix(in.Missing, "mhs version 1 has no field n_business") && strings.Contains(in.Missing, "g_earn")) {
			t.Errorf("%s: Missing %q does not say which field v1 lacks", in.ID, in.Missing)
		}
		if !c2.Indicator(in.ID).Measured() {
			t.Errorf("%s is not measured by v2: %s", in.ID, c2.Indicator(in.ID).Missing)
		}
	}
	// Strict Load against v1 refuses the v2 indicators, naming the field.
	v1, _ := mhs(t)
	if _, err := Load(schemas.Indicators, v1); err == nil || !strings.Contains(err.Error(), "g_earn") {
		t.Errorf("strict Load against v1: %v, want an error naming g_earn", err)
	}
	// setting('x') reads the version's own settings; a missing setting is refused by Load.
	def := strings.Replace(string(schemas.MHSv2), `"poverty_line": 6000, `, "", 1)
	noLine, err := form.Load([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(schemas.Indicators, noLine); err == nil || !strings.Contains(err.Error(), "no setting poverty_line") {
		t.Errorf("Load without poverty_line: %v", err)
	}
	pc, err := LoadPooled(schemas.Indicators, noLine)
	if err != nil {
		t.Fatal(err)
	}
	if m := pc.Indicator("POV1").Missing; !strings.Contains(m, "no setting poverty_line") || pc.Indicator("POV2").Missing != "" {
		t.Errorf("pooled without poverty_line: POV1 %q, POV2 %q", m, pc.Indicator("POV2").Missing)
	}
}

// TestPoolingKeepsV1Cells: every indicator that v1 measures gives exactly the same cells
// over the v1+v2 mix as over the same households all interviewed with v1, and the poverty
// indicators count the members of v2 households only.
func TestPoolingKeepsV1Cells(t *testing.T) {
	_, c1 := mhs(t)
	_, c2 := mhsV2(t)
	hh1, mem1 := refFacts(t)
	hh, mem, isV2 := mixFacts(t)
	var v1only []string
	for _, in := range c1.Indicators {
		if in.Measured() {
			v1only = append(v1only, in.ID)
		}
	}
	for _, by := range [][]string{nil, {"SEX"}, {"MIGRATORY_STATUS"}, {"REGION", "URBANISATION"}, {"HH_MIG_STATUS", "AGE"}} {
		before, err := c1.Compute(Request{Indicators: v1only, By: by}, flatten(hh1, mem1))
		if err != nil {
			t.Fatal(err)
		}
		after, err := c2.Compute(Request{Indicators: v1only, By: by}, flatten(hh, mem))
		if err != nil {
			t.Fatal(err)
		}
		if len(before.Cells) < 20 || !reflect.DeepEqual(before.Cells, after.Cells) {
			t.Errorf("by %v: %d cells over v1 only, %d over the mix, or they differ", by, len(before.Cells), len(after.Cells))
		}
	}
	res, err := c2.Compute(Request{Indicators: v2Indicators}, flatten(hh, mem))
	if err != nil {
		t.Fatal(err)
	}
	v2members, v2hh, v1hh := 0, 0, 0
	for i, m := range mem {
		if isV2[i] {
			v2members += len(m)
			v2hh++
		} else {
			v1hh++
		}
	}
	got := map[string]Cell{}
	for _, cell := range res.Cells {
		got[cell.Indicator] = cell
	}
	for _, id := range []string{"POV1", "POV2", "POV3"} {
		if got[id].NUnweighted != v2members || got[id].Estimate == nil {
			t.Errorf("%s: n %d, want the %d members of the v2 households; estimate %v", id, got[id].NUnweighted, v2members, got[id].Estimate)
		}
	}
	if n := got["REM4"].NUnweighted; n == 0 || n >= v2hh {
		t.Errorf("REM4: n %d, want some of the %d v2 households", n, v2hh)
	}
	p1, p3 := *got["POV1"].Estimate, *got["POV3"].Estimate
	if !(p1 > 5 && p1 < 95 && p3 > p1) {
		t.Errorf("POV1 %.2f%%, POV3 %.2f%%: want a poverty rate that is neither 0 nor 100 and higher without remittances", p1, p3)
	}
	t.Logf("%d v1 and %d v2 households; POV1 %.2f%% POV2 %.2f%% POV3 %.2f%% REM4 %.2f%%", v1hh, v2hh, p1, *got["POV2"].Estimate, p3, *got["REM4"].Estimate)
}

func TestReferenceV2(t *testing.T) {
	_, c := mhsV2(t)
	hh, members, _ := mixFacts(t)
	// The reference files hold the v2 indicators only: the others are TestReference's.
	only := *c
	only.Indicators = nil
	for _, id := range v2Indicators {
		only.Indicators = append(only.Indicators, c.Indicator(id))
	}
	var units, inds bytes.Buffer
	if err := writeUnits(&units, &only, hh, members); err != nil {
		t.Fatal(err)
	}
	writeIndicatorsCSV(&inds, &only)
	if *update {
		for path, b := range map[string][]byte{"testdata/v2/units.csv": units.Bytes(), "testdata/v2/indicators.csv": inds.Bytes()} {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Skip("wrote testdata/v2/units.csv and indicators.csv: now run Rscript indicators/testdata/v2/reference.R")
	}
	for path, got := range map[string][]byte{"testdata/v2/units.csv": units.Bytes(), "testdata/v2/indicators.csv": inds.Bytes()} {
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got) {
			t.Fatalf("%s differs from the facts of the synthetic v1+v2 households: regenerate (see the comment at the top of pooled_test.go)", path)
		}
	}
	ref := readCSV(t, "testdata/v2/reference.csv")
	want := map[string]map[string]string{}
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
		res, err := c.Compute(Request{Indicators: v2Indicators, By: dims}, src)
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
	t.Logf("POV1-POV3, REM4: %d cells over %d breakdowns match R: %d numbers, max relative deviation %.2g; flags %v",
		seen, len(bys), st.numbers, st.maxRel, st.flags)
	if len(ref) < 200 || st.flags["suppressed"] == 0 || st.flags["low_reliability"] == 0 || st.flags[""] == 0 {
		t.Errorf("the reference is too thin: %d cells, flags %v", len(ref), st.flags)
	}
}
