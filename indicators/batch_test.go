package indicators

import (
	"fmt"
	"reflect"
	"testing"
)

// The dashboard's requests computed together (singles) give the cells each request gives
// alone, to the bit, also on a snapshot updated by Apply.
func TestSinglesMatchOneByOne(t *testing.T) {
	_, c := mhs(t)
	hs := synthHouseholds(t, 600, 11)
	snap, err := c.Read(sourceOf(hs[:500]))
	if err != nil {
		t.Fatal(err)
	}
	next, err := snap.Apply(sourceOf(hs[:20]), sourceOf(hs[500:]))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Snapshot{snap, next} {
		all := s.singles()
		reqs := []Request{{}}
		for _, d := range c.Dimensions {
			reqs = append(reqs, Request{By: []string{d.ID}})
		}
		if len(all) != len(reqs) {
			t.Fatalf("%d results for %d requests", len(all), len(reqs))
		}
		cells := 0
		for _, req := range reqs {
			inds, dims, err := c.resolve(req)
			if err != nil {
				t.Fatal(err)
			}
			if !s.batchable(req, dims) {
				t.Fatalf("request %v is not batchable", req)
			}
			one, err := s.compute(req, inds, dims)
			if err != nil {
				t.Fatal(err)
			}
			got := all[requestKey(inds, dims)]
			if got == nil || len(got.Cells) != len(one.Cells) || len(one.Cells) == 0 {
				t.Fatalf("by %v: %v cells, want %d", req.By, got, len(one.Cells))
			}
			for i := range one.Cells {
				if !reflect.DeepEqual(got.Cells[i], one.Cells[i]) {
					t.Fatalf("by %v cell %d:\n got  %+v\n want %+v", req.By, i, got.Cells[i], one.Cells[i])
				}
			}
			if !reflect.DeepEqual(got.By, one.By) || got.Households != one.Households || got.Members != one.Members || got.Period != one.Period {
				t.Fatalf("by %v: result %+v, want %+v", req.By, got, one)
			}
			cells += len(one.Cells)
		}
		t.Logf("%d cells over %d requests", cells, len(reqs))
	}
	if snap.batchable(Request{Indicators: []string{c.Indicators[0].ID}}, nil) {
		t.Fatal("a request for some indicators is computed alone")
	}
}

// Counts of a snapshot Apply made from one that had counted: the previous histograms plus
// the sets Apply added, the same counts as Compute's, along a lineage of updates.
func TestCountsAfterApplyFromCounted(t *testing.T) {
	_, c := mhs(t)
	all := synthHouseholds(t, 700, 23)
	snap, err := c.Read(sourceOf(all[:600]))
	if err != nil {
		t.Fatal(err)
	}
	reqs := []Request{{}, {By: []string{"AGE", "REGION"}}, {By: []string{"SEX"}}, {By: []string{"HH_MIG_STATUS", "URBANISATION"}}}
	s := snap
	for step, change := range [][2][]household{{all[:50], all[600:650]}, {all[600:610], nil}, {nil, all[650:]}} {
		if _, err := s.Counts(reqs[0]); err != nil { // the histograms of s are made
			t.Fatal(err)
		}
		if s, err = s.Apply(sourceOf(change[0]), sourceOf(change[1])); err != nil {
			t.Fatal(err)
		}
		if s.prevHist == nil {
			t.Fatalf("step %d: Apply did not pass the counted histograms on", step)
		}
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
				t.Fatalf("step %d %v: %d cells counted, %d computed", step, req.By, len(got.Cells), len(want.Cells))
			}
			for i, g := range got.Cells {
				w := want.Cells[i]
				if g.Indicator != w.Indicator || fmt.Sprint(g.Dims) != fmt.Sprint(w.Dims) || g.NUnweighted != w.NUnweighted || g.Flag != w.Flag {
					t.Fatalf("step %d %v cell %d: counted %s %v n=%d, computed %s %v n=%d", step, req.By, i, g.Indicator, g.Dims, g.NUnweighted, w.Indicator, w.Dims, w.NUnweighted)
				}
			}
		}
	}
}
