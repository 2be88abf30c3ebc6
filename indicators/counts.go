package indicators

import "fieldbase/estimate"

// CellCount is what disclosure control needs of a cell: its indicator, codes (parallel to
// the request's By, "_T" for a margin) and unweighted count.
type CellCount struct {
	Indicator string
	Dims      []string
	N         int
	// Suppressed is primary suppression: too few units to publish (estimate.MinPublished).
	Suppressed bool
}

// Counts returns the cells Compute would give for req with their unweighted counts only,
// without estimating anything: secondary suppression works over every one- and
// two-dimension table, and counting is a small part of the cost of estimating.
func (s *Snapshot) Counts(req Request) ([]CellCount, error) {
	inds, dims, err := s.c.resolve(req)
	if err != nil {
		return nil, err
	}
	var out []CellCount
	var counts []int
	for _, in := range inds {
		set := s.pp
		if in.Unit == Household {
			set = s.hh
		}
		if set == nil {
			continue
		}
		var cb [2]*codebook
		for i, dim := range dims {
			cb[i] = s.codes[dim.pos]
		}
		stride, size := 0, 1
		switch len(dims) {
		case 1:
			size = len(cb[0].names) + 1
		case 2:
			stride = len(cb[1].names) + 1
			size = (len(cb[0].names) + 1) * stride
		}
		counts = append(counts[:0], make([]int, size)...)
		// The keys of unitSet.add, counted instead of summed (a set leaving the snapshot
		// counts -1), over every set of the level.
		for _, us := range set.sets {
			col := us.cols[in.index]
			if col == nil {
				continue
			}
			var d [2][]uint8
			for i, dim := range dims {
				d[i] = us.code[dim.pos]
			}
			one := 1
			if us.neg {
				one = -1
			}
			for _, u := range col.unit {
				counts[0] += one
				switch {
				case d[1] != nil:
					c1, c2 := int(d[0][u]), int(d[1][u])
					if c1 > 0 {
						counts[c1*stride] += one
					}
					if c2 > 0 {
						counts[c2] += one
						if c1 > 0 {
							counts[c1*stride+c2] += one
						}
					}
				case d[0] != nil:
					if c1 := int(d[0][u]); c1 > 0 {
						counts[c1] += one
					}
				}
			}
		}
		for k := range counts {
			if counts[k] == 0 {
				continue
			}
			cell := CellCount{Indicator: in.ID, Dims: make([]string, len(dims)), N: counts[k],
				Suppressed: counts[k] < estimate.MinPublished}
			ks := [2]int{k, 0}
			if stride > 0 {
				ks = [2]int{k / stride, k % stride}
			}
			for i := range dims {
				cell.Dims[i] = cb[i].name(ks[i])
			}
			out = append(out, cell)
		}
	}
	return out, nil
}
