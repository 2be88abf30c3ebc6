package indicators

import (
	"fmt"
	"math"
)

// A server's snapshot lives as long as the server: every change Apply takes in adds a set
// of removed units and one of added units to the snapshot it makes. Without a bound a
// busy day would leave thousands of small sets, each with its columns, walked by every
// request. Beyond maxSets the sets after the first (the full read) are merged into one of
// removed units and one of added units: the same units and values, so the estimates are
// those of the sets merged up to rounding (the additions come in another order), the
// counts exactly the same.

// maxSets is the most sets a level keeps before Apply merges them.
const maxSets = 32

// compact merges the sets after the first: the first, then the removed units of the others
// in one set, then their added units in another.
func compact(sets []*unitSet) ([]*unitSet, error) {
	var neg, pos []*unitSet
	for _, s := range sets[1:] {
		if s.neg {
			neg = append(neg, s)
		} else {
			pos = append(pos, s)
		}
	}
	out := []*unitSet{sets[0]}
	for _, group := range [][]*unitSet{neg, pos} {
		if len(group) > 0 {
			m, err := merge(group)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// merge is one set of the units of sets (all removed or all added), in their order.
func merge(sets []*unitSet) (*unitSet, error) {
	first := sets[0]
	m := &unitSet{neg: first.neg, cols: make([]*column, len(first.cols)), code: make([]*packed, len(first.code))}
	for i, col := range first.cols {
		if col != nil {
			m.cols[i] = newColumn(col.in, 0, 0)
		}
	}
	for pos, p := range first.code {
		if p != nil {
			m.code[pos] = newPacked()
		}
	}
	var b entryBatch
	for _, s := range sets {
		base := int32(m.rows)
		pk, wk := 0, 0
		for u := int32(0); u < int32(s.rows); u++ {
			m.psu.push(s.psu.at(&pk, u))
			m.weight.push(s.weight.at(&wk, u))
			for pos, p := range s.code {
				if p != nil {
					m.code[pos].push(uint8(p.at(int(u))))
				}
			}
		}
		m.rows += s.rows
		for i, col := range s.cols {
			if col == nil {
				continue
			}
			uwk := 0 // cursor in the weight runs
			for walk := s.walk(col); walk.next(&b); {
				for j, u := range b.unit[:b.n] {
					uw := math.Float64frombits(s.weight.at(&uwk, u))
					if err := m.cols[i].push(base+u, []float64{b.y[j], b.x[j], b.w[j]}, uw); err != nil {
						return nil, fmt.Errorf("indicators: merging sets: %w", err)
					}
				}
			}
		}
	}
	m.tidy()
	return m, nil
}
