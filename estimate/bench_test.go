package estimate

import (
	"fmt"
	"sync"
	"testing"

	"fieldbase/estimate/internal/unitgen"
)

// benchSet is the benchmark's synthetic survey: about 100,000 households
// and 475,000 persons in ~4,500 PSUs, with the unit → PSU index and cell
// key layout the indicator layer would precompute (not timed).
type benchSet struct {
	data     *unitgen.Data
	designs  map[byte]*Design
	psu      []int  // by unit
	offset   []int  // cell key of a dimension's first code; key 0 is _T
	personal []bool // dimension applies to persons only
	kinds    []Kind // by indicator
	scales   []float64
}

var (
	benchOnce sync.Once
	bench     *benchSet
)

func benchData(tb testing.TB) *benchSet {
	benchOnce.Do(func() {
		// The same data as mkunits -households 100000 (see testdata/bench.R).
		d := unitgen.Generate(100000, unitgen.ReferenceSeed)
		s := &benchSet{data: d, designs: map[byte]*Design{}, psu: make([]int, len(d.Units))}
		builders := map[byte]*Builder{'H': NewBuilder(), 'P': NewBuilder()}
		for i, u := range d.Units {
			s.psu[i] = builders[u.Type].PSU(d.Strata[u.Stratum], fmt.Sprint(u.PSU))
		}
		for t, b := range builders {
			s.designs[t] = b.Design()
		}
		next := 1
		for dim := range unitgen.Dims {
			s.offset = append(s.offset, next)
			next += len(unitgen.Codes[dim])
		}
		s.personal = unitgen.PersonOnly
		for _, ind := range unitgen.Indicators {
			k, err := ParseKind(ind.Kind)
			if err != nil {
				panic(err)
			}
			s.kinds = append(s.kinds, k)
			s.scales = append(s.scales, ind.Scale)
		}
		bench = s
	})
	return bench
}

// estimateAll computes indicators start, start+step, ... for the total and
// each single dimension, reusing one Accumulator per unit type, and returns
// the number of cells.
func (s *benchSet) estimateAll(start, step int) int {
	d := s.data
	accs := map[byte]*Accumulator{'H': NewAccumulator(s.designs['H']), 'P': NewAccumulator(s.designs['P'])}
	cells := 0
	for ind := start; ind < len(unitgen.Indicators); ind += step {
		unit := unitgen.Indicators[ind].Unit
		acc := accs[unit]
		acc.Reset()
		col := &d.Columns[ind]
		for k, u := range col.Units {
			w, y, x := d.W(ind, u), col.Y[k], col.XAt(k)
			p := s.psu[u]
			acc.Add(p, 0, w, y, x)
			codes := &d.Units[u].Codes
			for dim, off := range s.offset {
				if unit == 'H' && s.personal[dim] {
					continue
				}
				acc.Add(p, off+int(codes[dim]), w, y, x)
			}
		}
		cells += len(acc.Cells(s.kinds[ind], s.scales[ind]))
	}
	return cells
}

// BenchmarkAllCells: 21 indicators × (total + 7 single dimensions) over
// the 100k-household design, one goroutine.
func BenchmarkAllCells(b *testing.B) {
	s := benchData(b)
	b.ReportMetric(float64(len(s.data.Units)), "units")
	cells := 0
	for b.Loop() {
		cells = s.estimateAll(0, 1)
	}
	b.ReportMetric(float64(cells), "cells/op")
}

// BenchmarkAllCells2 splits the indicators over two goroutines sharing the
// Designs, as a 2-core server would.
func BenchmarkAllCells2(b *testing.B) {
	s := benchData(b)
	for b.Loop() {
		var wg sync.WaitGroup
		wg.Go(func() { s.estimateAll(0, 2) })
		wg.Go(func() { s.estimateAll(1, 2) })
		wg.Wait()
	}
}
