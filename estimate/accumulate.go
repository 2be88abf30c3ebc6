package estimate

// Accumulator collects, for one indicator, per (cell, PSU) sums of w·y,
// w·x and the unit count in a single pass over the units; Cells then turns
// them into estimates. Memory is one dense PSU vector per cell key used
// (24 bytes × PSUs), kept across Reset so that one Accumulator serves
// indicator after indicator without allocating. Not safe for concurrent
// use: give each goroutine its own (they may share the Design).
type Accumulator struct {
	d      *Design
	sums   [][]psuSum // by cell key; nil until the key is first used
	tcache []float64  // t quantiles by df, filled lazily
}

type psuSum struct {
	wy, wx float64
	n      int64
}

// NewAccumulator returns an empty Accumulator over design d.
func NewAccumulator(d *Design) *Accumulator {
	return &Accumulator{d: d}
}

// Add adds one unit to one cell: psu is the unit's index from Builder.PSU,
// cell a caller-chosen key >= 0 (keep keys small and dense: they index a
// slice), w the unit's weight, y and x its numerator and denominator
// values. Call Add once for every cell the unit belongs to (the total and
// each breakdown), and only for units in the indicator's population.
func (a *Accumulator) Add(psu, cell int, w, y, x float64) {
	if cell >= len(a.sums) || a.sums[cell] == nil {
		a.open(cell)
	}
	s := &a.sums[cell][psu]
	s.wy += w * y
	s.wx += w * x
	s.n++
}

func (a *Accumulator) open(cell int) {
	for cell >= len(a.sums) {
		a.sums = append(a.sums, nil)
	}
	a.sums[cell] = make([]psuSum, a.d.NumPSUs())
}

// Reset empties the Accumulator for the next indicator, keeping its memory.
func (a *Accumulator) Reset() {
	for _, s := range a.sums {
		clear(s)
	}
}

// AddN is Add of n units that together weigh w: n = -1 with -w takes back one
// Add of the same unit to the same cell (w·y negated is exact), so that a
// snapshot that changed little (a household reopened) updates its sums instead
// of adding every unit again.
func (a *Accumulator) AddN(psu, cell int, w, y, x float64, n int64) {
	if cell >= len(a.sums) || a.sums[cell] == nil {
		a.open(cell)
	}
	s := &a.sums[cell][psu]
	s.wy += w * y
	s.wx += w * x
	s.n += n
}
