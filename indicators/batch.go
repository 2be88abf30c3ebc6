package indicators

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"fieldbase/estimate"
)

// A dashboard asks for every indicator by none and by each dimension, one request after
// the other, after each change of the data. Computed one by one, each of those requests
// passes over every unit of every indicator's population and adds each unit to the total
// again. singles computes them all at once: per indicator, one pass for a group of
// dimensions whose cells fit batchKeys (the accumulator holds a vector of PSU sums per
// cell), the total added in the first pass only. The sums are the same additions in the
// same order as one request's, so the cells are the same to the bit.

// singlesWorkers is the goroutines of singles: the two cores of a field office's server
// (memory: one accumulator each, batchKeys × PSUs × 24 bytes).
const singlesWorkers = 2

// batchKeys bounds the cells of one pass (memory: batchKeys × PSUs × 24 bytes).
const batchKeys = 24

// batchable says whether a request is one of those singles answers: every indicator, by
// at most one dimension, on a snapshot read for every dimension.
func (s *Snapshot) batchable(req Request, dims []*Dimension) bool {
	if len(req.Indicators) != 0 || len(dims) > 1 {
		return false
	}
	for _, want := range s.wantDim {
		if !want {
			return false
		}
	}
	for _, want := range s.wantInd {
		if !want {
			return false
		}
	}
	return true
}

// singles computes the request by none and the request by each dimension, every
// indicator, keyed as cached keys them.
func (s *Snapshot) singles() map[string]*Result {
	c := s.c
	now := time.Now().UTC()
	newResult := func(by []string) *Result {
		return &Result{Survey: c.Survey, By: by, GeneratedAt: now, Period: s.period,
			Households: s.Households(), Members: s.Members(), cat: c}
	}
	none := newResult([]string{})
	byDim := make([]*Result, len(c.Dimensions))
	for i, d := range c.Dimensions {
		byDim[i] = newResult([]string{d.ID})
	}
	// Indicators are computed by up to singlesWorkers goroutines, household ones first
	// (a worker drops its household accumulator when it reaches the person ones), each
	// indicator's cells apart, then put together in catalog order.
	type cellsOf struct {
		none  []Cell
		byDim [][]Cell // by dimension position
	}
	cells := make([]cellsOf, len(c.Indicators))
	var order []*Indicator
	for _, unit := range []string{Household, Person} {
		for _, in := range c.Indicators {
			if in.Unit == unit && s.levelOf(in) != nil {
				order = append(order, in)
			}
		}
	}
	groups := s.dimGroups()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(singlesWorkers, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			var accH, accP *estimate.Accumulator
			sc := new(scratch)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(order) {
					return
				}
				in := order[i]
				l, acc := s.pp, &accP
				if in.Unit == Household {
					l, acc = s.hh, &accH
				} else {
					accH = nil
				}
				if *acc == nil {
					*acc = estimate.NewAccumulator(l.design)
				}
				out := &cells[in.index]
				out.byDim = make([][]Cell, len(c.Dimensions))
				for gi, g := range groups {
					a := *acc
					a.Reset()
					for _, set := range l.sets {
						if col := set.cols[in.index]; col != nil {
							addGroup(a, set, col, g, gi == 0, sc)
						}
					}
					for _, ec := range a.Cells(in.Kind, in.Scale) {
						if ec.Key == 0 {
							out.none = append(out.none, Cell{Indicator: in.ID, Dims: []string{}, Cell: ec})
							for _, d := range c.Dimensions { // each breakdown starts with the margin
								out.byDim[d.pos] = append(out.byDim[d.pos], Cell{Indicator: in.ID, Dims: []string{total}, Cell: ec})
							}
							continue
						}
						d, code := g.of(ec.Key)
						ec.Key = code
						out.byDim[d.pos] = append(out.byDim[d.pos], Cell{Indicator: in.ID, Dims: []string{s.codes[d.pos].name(code)}, Cell: ec})
					}
				}
			}
		})
	}
	wg.Wait()
	for _, in := range c.Indicators {
		none.Cells = append(none.Cells, cells[in.index].none...)
		for _, d := range c.Dimensions {
			byDim[d.pos].Cells = append(byDim[d.pos].Cells, cells[in.index].byDim[d.pos]...)
		}
	}
	out := map[string]*Result{requestKey(c.Indicators, nil): none}
	for _, d := range c.Dimensions {
		out[requestKey(c.Indicators, []*Dimension{d})] = byDim[d.pos]
	}
	return out
}

// levelOf is the design of an indicator's unit (nil when not read).
func (s *Snapshot) levelOf(in *Indicator) *level {
	if in.Unit == Household {
		return s.hh
	}
	return s.pp
}

// dimGroup is the dimensions of one pass: dimension k's code c is cell base[k] + c.
type dimGroup struct {
	dims []*Dimension
	base []int
}

// of is the dimension and code of a cell key (> 0) of the group.
func (g dimGroup) of(key int) (*Dimension, int) {
	k := len(g.base) - 1
	for k > 0 && key <= g.base[k] {
		k--
	}
	return g.dims[k], key - g.base[k]
}

func (s *Snapshot) dimGroups() []dimGroup {
	var groups []dimGroup
	var g dimGroup
	next := 0 // the last key used in g
	for _, d := range s.c.Dimensions {
		n := len(s.codes[d.pos].names)
		if len(g.dims) > 0 && next+n >= batchKeys {
			groups = append(groups, g)
			g, next = dimGroup{}, 0
		}
		g.dims = append(g.dims, d)
		g.base = append(g.base, next)
		next += n
	}
	if len(g.dims) > 0 || len(groups) == 0 {
		groups = append(groups, g)
	}
	return groups
}

// addGroup is unitSet.add for the dimensions of a group (and the total when asked).
func addGroup(acc *estimate.Accumulator, s *unitSet, col *column, g dimGroup, withTotal bool, sc *scratch) {
	sw, n := 1.0, int64(1)
	if s.neg {
		sw, n = -1, -1
	}
	codes := make([]*packed, len(g.dims))
	for k, d := range g.dims {
		codes[k] = s.code[d.pos]
	}
	b := &sc.b
	for len(sc.codes) < len(codes) {
		sc.codes = append(sc.codes, [batchLen]uint8{})
	}
	cs := sc.codes[:len(codes)] // the batch's codes, by dimension of the group
	for wk := s.walk(col); wk.next(b); {
		for k, code := range codes {
			code.unpack(cs[k][:b.n], b.unit[:b.n])
		}
		for j := range b.unit[:b.n] {
			p := int(b.psu[j])
			w, y, x := b.w[j]*sw, b.y[j], b.x[j]
			if withTotal {
				acc.AddN(p, 0, w, y, x, n)
			}
			for k := range cs {
				if c := int(cs[k][j]); c > 0 {
					acc.AddN(p, g.base[k]+c, w, y, x, n)
				}
			}
		}
	}
}
