package indicators

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// direct sums, by cell label, Σw·y, Σw·x and n of one indicator over the
// decoded units, the way the spec defines a cell.
type sums struct {
	wy, wx float64
	n      int
}

func directCells(t *testing.T, c *Catalog, facts []string, id string, dims []string) map[string]*sums {
	t.Helper()
	in := c.Indicator(id)
	out := map[string]*sums{}
	for _, f := range facts {
		u := decodeT(t, c, f)
		v, ok := u.Value(id)
		if !ok {
			continue
		}
		codes := make([]string, len(dims))
		for i, d := range dims {
			codes[i] = u.Code(c, d)
			if in.Unit == Household && c.Dimension(d).PersonOnly {
				codes[i] = ""
			}
		}
		// every combination of code or margin, skipping missing codes
		for mask := 0; mask < 1<<len(dims); mask++ {
			parts := make([]string, len(dims))
			skip := false
			for i := range dims {
				parts[i] = total
				if mask&(1<<i) != 0 {
					if codes[i] == "" {
						skip = true
					}
					parts[i] = codes[i]
				}
			}
			if skip {
				continue
			}
			k := strings.Join(parts, "|")
			if len(dims) == 0 {
				k = total
			}
			s := out[k]
			if s == nil {
				s = &sums{}
				out[k] = s
			}
			s.wy += v.W * v.Y
			s.wx += v.W * v.X
			s.n++
		}
	}
	return out
}

func TestComputeDirect(t *testing.T) {
	_, c := mhs(t)
	hh, members := refFacts(t)
	src := flatten(hh, members)
	for _, tc := range []struct {
		id   string
		dims []string
	}{
		{"HH1", nil}, {"REM2", []string{"URBANISATION"}}, {"FIN1", []string{"SEX"}},
		{"DIS1", []string{"SEX", "AGE"}}, {"MIG1", []string{"HH_MIG_STATUS", "REGION"}},
		{"HH1", []string{"SEX", "AGE"}}, {"LAB4", []string{"DISABILITY_STATUS"}},
	} {
		in := c.Indicator(tc.id)
		facts := src.members
		if in.Unit == Household {
			facts = src.hh
		}
		want := directCells(t, c, facts, tc.id, tc.dims)
		res, err := c.Compute(Request{Indicators: []string{tc.id}, By: tc.dims}, src)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Cells) != len(want) {
			t.Errorf("%s by %v: %d cells, direct %d", tc.id, tc.dims, len(res.Cells), len(want))
		}
		for _, cell := range res.Cells {
			k := strings.Join(cell.Dims, "|")
			if len(tc.dims) == 0 {
				k = total
			}
			s := want[k]
			if s == nil {
				t.Errorf("%s by %v: cell %s not in the direct computation", tc.id, tc.dims, k)
				continue
			}
			if cell.NUnweighted != s.n || math.Abs(cell.NWeighted-s.wx) > 1e-9*s.wx {
				t.Errorf("%s %s: n %d, %v; direct %d, %v", tc.id, k, cell.NUnweighted, cell.NWeighted, s.n, s.wx)
			}
			if cell.Estimate != nil {
				if r := s.wy / s.wx * in.Scale; math.Abs(*cell.Estimate-r) > 1e-9*math.Abs(r) {
					t.Errorf("%s %s: estimate %v, direct %v", tc.id, k, *cell.Estimate, r)
				}
			} else if s.n >= 25 {
				t.Errorf("%s %s: no estimate for %d units", tc.id, k, s.n)
			}
		}
		// A household indicator is only broken down by the dimensions it has.
		if in.Unit == Household {
			for _, cell := range res.Cells {
				for i, d := range tc.dims {
					if c.Dimension(d).PersonOnly && cell.Dims[i] != total {
						t.Errorf("%s has a %s cell %s", tc.id, d, cell.Dims[i])
					}
				}
			}
		}
	}
}

func TestComputeOrderAndMargins(t *testing.T) {
	_, c := mhs(t)
	hh, members := refFacts(t)
	res, err := c.Compute(Request{Indicators: []string{"FIN1"}, By: []string{"SEX", "URBANISATION"}}, flatten(hh, members))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, cell := range res.Cells {
		got = append(got, strings.Join(cell.Dims, "|"))
	}
	want := "_T|_T _T|U _T|R M|_T M|U M|R F|_T F|U F|R"
	if strings.Join(got, " ") != want {
		t.Errorf("cells %s, want %s", strings.Join(got, " "), want)
	}
	if res.Period != "2026" || res.Households != 0 || res.Members == 0 {
		t.Errorf("period %q, rows read %d/%d", res.Period, res.Households, res.Members)
	}
}

func TestComputeRequestErrors(t *testing.T) {
	_, c := mhs(t)
	src := &memSource{}
	for _, tc := range []struct {
		req         Request
		param, name string
	}{
		{Request{Indicators: []string{"HH1", "NOPE"}}, "indicator", "NOPE"},
		{Request{By: []string{"SEX", "COLOUR"}}, "by", "COLOUR"},
		{Request{By: []string{"SEX", "AGE", "REGION"}}, "by", "SEX,AGE,REGION"},
		{Request{By: []string{"SEX", "SEX"}}, "by", "SEX"},
	} {
		_, err := c.Compute(tc.req, src)
		var re *RequestError
		if !errors.As(err, &re) || re.Param != tc.param || re.Value != tc.name || !strings.Contains(re.Error(), tc.name) {
			t.Errorf("%+v: error %v, want a RequestError on %s naming %s", tc.req, err, tc.param, tc.name)
		}
	}
}

func TestComputeStale(t *testing.T) {
	_, c := mhs(t)
	hh, members := refFacts(t)
	src := flatten(hh[:10], members[:10]) // flatten copies the member facts
	src.members[3] = strings.Replace(src.members[3], c.FactsPrefix(), "1.00000000", 1)
	src.members[4] = ""
	_, err := c.Compute(Request{}, src)
	var se *StaleError
	if !errors.As(err, &se) || se.Rows != 2 {
		t.Fatalf("error %v, want a StaleError for 2 rows", err)
	}
	// Household indicators alone do not read the members.
	if _, err := c.Compute(Request{Indicators: []string{"HH1"}}, src); err != nil {
		t.Errorf("household indicator: %v", err)
	}
}

func TestComputeEachMatchesCompute(t *testing.T) {
	_, c := mhs(t)
	hh, members := refFacts(t)
	src := flatten(hh, members)
	reqs := []Request{{}, {By: []string{"AGE"}}, {Indicators: []string{"REM2", "LAB1"}, By: []string{"REGION", "SEX"}}}
	all, err := c.ComputeEach(reqs, src)
	if err != nil {
		t.Fatal(err)
	}
	for i, req := range reqs {
		one, err := c.Compute(req, src)
		if err != nil {
			t.Fatal(err)
		}
		if len(one.Cells) != len(all[i].Cells) {
			t.Fatalf("request %d: %d cells alone, %d together", i, len(one.Cells), len(all[i].Cells))
		}
		for k := range one.Cells {
			a, b := one.Cells[k], all[i].Cells[k]
			if a.Indicator != b.Indicator || strings.Join(a.Dims, "|") != strings.Join(b.Dims, "|") ||
				a.NWeighted != b.NWeighted || fmtPtr(a.Estimate) != fmtPtr(b.Estimate) || fmtPtr(a.SE) != fmtPtr(b.SE) {
				t.Errorf("request %d cell %d differs: %+v vs %+v", i, k, a, b)
			}
		}
	}
}

func TestSnapshotConcurrent(t *testing.T) {
	_, c := mhs(t)
	hh, members := refFacts(t)
	src := flatten(hh, members)
	snap, err := c.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Households() != len(hh) || snap.Members() != len(src.members) {
		t.Errorf("snapshot rows %d/%d", snap.Households(), snap.Members())
	}
	reqs := []Request{{}, {By: []string{"SEX", "AGE"}}, {Indicators: []string{"REM2"}, By: []string{"REGION"}}}
	want := make([]*Result, len(reqs))
	for i, req := range reqs {
		if want[i], err = c.Compute(req, src); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func() {
			for i, req := range reqs {
				got, err := snap.Compute(req)
				if err == nil && len(got.Cells) != len(want[i].Cells) {
					err = errors.New("cell count differs")
				}
				for k := 0; err == nil && k < len(got.Cells); k++ {
					if fmtPtr(got.Cells[k].SE) != fmtPtr(want[i].Cells[k].SE) {
						err = errors.New("se differs from Compute")
					}
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if _, err := snap.Compute(Request{By: []string{"NOPE"}}); err == nil {
		t.Error("unknown dimension accepted by a snapshot")
	}
}
