package indicators

import (
	"fmt"
	"math"
	"testing"

	"fieldbase/synth"
)

// household is one synthetic household's facts: its own row and its members'.
type household struct {
	hh      string
	members []string
}

func synthHouseholds(t *testing.T, n int, seed int64) []household {
	t.Helper()
	sv, c := mhs(t)
	var out []household
	err := synth.Generate(synth.Options{Households: n, Seed: seed}, func(it synth.Item) error {
		h, m := c.Facts(sv, it.Envelope["data"].(map[string]any))
		out = append(out, household{h, m})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sourceOf(hs ...[]household) *memSource {
	src := &memSource{}
	for _, list := range hs {
		for _, h := range list {
			src.hh = append(src.hh, h.hh)
			src.members = append(src.members, h.members...)
		}
	}
	return src
}

// TestApplyMatchesRead: a snapshot updated with Apply (households removed, some
// of them the last of their PSU, and others added, with a code the catalog does
// not list) gives the cells of a fresh Read of the data it describes, and leaves
// the snapshot it came from as it was.
func TestApplyMatchesRead(t *testing.T) {
	_, c := mhs(t)
	all := synthHouseholds(t, 1500, 11)
	base, later := all[:1200], all[1200:]
	// The first 150 households are whole PSUs (synth visits a PSU's dwellings
	// together): removing them removes PSUs from the design.
	removed := base[:150]
	odd := later[0]
	odd.hh = replaceCode(t, c, odd.hh, "REGION", "R9")
	added := append([]household{odd}, later[1:]...)

	snap, err := c.Read(sourceOf(base))
	if err != nil {
		t.Fatal(err)
	}
	reqs := []Request{{}, {By: []string{"REGION", "AGE"}}}
	for _, d := range c.Dimensions {
		reqs = append(reqs, Request{By: []string{d.ID}})
	}
	before := map[int]*Result{}
	for i, req := range reqs {
		if before[i], err = snap.Compute(req); err != nil {
			t.Fatal(err)
		}
	}
	// Two steps, as a server sees changes come.
	mid, err := snap.Apply(sourceOf(removed[:70]), sourceOf(added[:100]))
	if err != nil {
		t.Fatal(err)
	}
	got, err := mid.Apply(sourceOf(removed[70:]), sourceOf(added[100:]))
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.Read(sourceOf(base[150:], added))
	if err != nil {
		t.Fatal(err)
	}
	sameSnapshots(t, got, want, reqs)
	for i, req := range reqs {
		b, err := snap.Compute(req)
		if err != nil {
			t.Fatal(err)
		}
		sameCells(t, fmt.Sprint("first snapshot after Apply ", req.By), b, before[i])
	}
	if r, _ := got.Compute(Request{By: []string{"REGION"}}); !hasCode(r, "R9") {
		t.Errorf("the added household's region R9 has no cell")
	}
	// Removing everything leaves no cell and no row.
	empty, err := want.Apply(sourceOf(base[150:], added), &memSource{})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := empty.Compute(Request{}); len(r.Cells) != 0 || empty.Households() != 0 || empty.Members() != 0 {
		t.Errorf("after removing every household: %d cells, %d households, %d members", len(r.Cells), empty.Households(), empty.Members())
	}
}

func replaceCode(t *testing.T, c *Catalog, facts, dim, code string) string {
	t.Helper()
	r, ok := c.split(facts)
	if !ok {
		t.Fatalf("facts %q", facts)
	}
	codes := splitComma(r.codes)
	codes[c.dimByID[dim].pos] = code
	joined := ""
	for i, k := range codes {
		if i > 0 {
			joined += ","
		}
		joined += k
	}
	return c.prefix + "|" + r.stratum + "|" + r.psu + "|" + r.weight + "|" + r.period + "|" + joined + "|" + r.entries
}

func splitComma(s string) []string {
	var out []string
	for {
		out = append(out, firstField(s))
		if len(firstField(s)) == len(s) {
			return out
		}
		s = afterComma(s)
	}
}

func hasCode(r *Result, code string) bool {
	for _, c := range r.Cells {
		for _, d := range c.Dims {
			if d == code {
				return true
			}
		}
	}
	return false
}

// sameCells compares two results cell by cell: the same cells, counts and
// flags, estimates equal up to rounding.
// sameSnapshots checks that got holds the rows of want and gives its cells for reqs.
func sameSnapshots(t *testing.T, got, want *Snapshot, reqs []Request) {
	t.Helper()
	if got.Households() != want.Households() || got.Members() != want.Members() {
		t.Fatalf("rows %d/%d, want %d/%d", got.Households(), got.Members(), want.Households(), want.Members())
	}
	for _, req := range reqs {
		g, err := got.Compute(req)
		if err != nil {
			t.Fatal(err)
		}
		w, err := want.Compute(req)
		if err != nil {
			t.Fatal(err)
		}
		sameCells(t, fmt.Sprint(req.By), g, w)
	}
}

func sameCells(t *testing.T, what string, got, want *Result) {
	t.Helper()
	key := func(c Cell) string { return fmt.Sprint(c.Indicator, c.Dims) }
	wm := map[string]Cell{}
	for _, c := range want.Cells {
		wm[key(c)] = c
	}
	if len(got.Cells) != len(want.Cells) {
		t.Errorf("%s: %d cells, want %d", what, len(got.Cells), len(want.Cells))
	}
	for _, g := range got.Cells {
		w, ok := wm[key(g)]
		if !ok {
			t.Errorf("%s: cell %s not in the fresh read", what, key(g))
			continue
		}
		if g.NUnweighted != w.NUnweighted || g.Flag != w.Flag || g.DF != w.DF || !close(g.NWeighted, w.NWeighted) {
			t.Errorf("%s %s: n %d/%d flag %q/%q df %d/%d nw %v/%v", what, key(g), g.NUnweighted, w.NUnweighted, g.Flag, w.Flag, g.DF, w.DF, g.NWeighted, w.NWeighted)
		}
		for _, p := range [][2]*float64{{g.Estimate, w.Estimate}, {g.SE, w.SE}, {g.CILow, w.CILow}, {g.CIHigh, w.CIHigh}} {
			if (p[0] == nil) != (p[1] == nil) || (p[0] != nil && !close(*p[0], *p[1])) {
				t.Errorf("%s %s: %v vs %v", what, key(g), fmtp(p[0]), fmtp(p[1]))
			}
		}
	}
}

func close(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func fmtp(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// TestCountsMatchCompute: Counts gives the cells of Compute with the same n and flags, for
// the total, each dimension and pairs, on a snapshot read in full and on one updated by
// Apply (removed units taken off the counts).
func TestCountsMatchCompute(t *testing.T) {
	_, c := mhs(t)
	all := synthHouseholds(t, 900, 21)
	snap, err := c.Read(sourceOf(all[:800]))
	if err != nil {
		t.Fatal(err)
	}
	applied, err := snap.Apply(sourceOf(all[:120]), sourceOf(all[800:]))
	if err != nil {
		t.Fatal(err)
	}
	reqs := []Request{{}, {By: []string{"AGE", "REGION"}}, {By: []string{"SEX", "DISABILITY_STATUS"}}, {Indicators: []string{"HH1", "LAB1"}, By: []string{"URBANISATION", "AGE"}}}
	for _, d := range c.Dimensions {
		reqs = append(reqs, Request{By: []string{d.ID}})
	}
	for name, s := range map[string]*Snapshot{"read": snap, "applied": applied} {
		for _, req := range reqs {
			want, err := s.Compute(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Counts(req)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Cells) != len(want.Cells) {
				t.Errorf("%s %v: %d cells counted, %d computed", name, req.By, len(got.Cells), len(want.Cells))
				continue
			}
			for i, g := range got.Cells {
				w := want.Cells[i]
				if g.Indicator != w.Indicator || fmt.Sprint(g.Dims) != fmt.Sprint(w.Dims) || g.NUnweighted != w.NUnweighted || g.Flag != w.Flag {
					t.Errorf("%s %v cell %d: counted %s %v n=%d %q, computed %s %v n=%d %q", name, req.By, i,
						g.Indicator, g.Dims, g.NUnweighted, g.Flag, w.Indicator, w.Dims, w.NUnweighted, w.Flag)
					break
				}
			}
		}
	}
}
