package indicators

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fieldbase/estimate"
)

// Snapshot is the facts of one read of a Source, decoded: the designs, the
// breakdown codes and the indicator entries. Catalog.Read keeps all of them
// (a few tens of MB for 100,000 households), so that a server can answer
// request after request without reading the facts again while the data
// does not change; Apply makes the snapshot of data that changed a little
// (households approved or reopened) without reading the rest again, and
// the cells of a request are kept once computed. A Snapshot is immutable
// (but for its cache of results) and safe for concurrent use.
type Snapshot struct {
	c       *Catalog
	hh, pp  *level // nil when not read
	codes   []*codebook
	years   map[string]int // interview years of the live rows
	period  string
	wantInd []bool
	wantDim []bool

	mu      sync.Mutex
	results map[string]*Result // by request key; at most maxResults

	histOnce sync.Once
	hist     atomic.Pointer[histograms] // for Counts, made on first use
	// prevHist is the histograms of the snapshot Apply made this one from, if it had them,
	// and counted the sets of each level (hh, pp) they hold: this snapshot's histograms are
	// those plus the sets Apply added.
	prevHist *histograms
	counted  [2]int
}

// maxResults bounds the results a snapshot keeps: the 1 + 7 single-dimension
// requests of a dashboard and a few dozen more.
const maxResults = 64

// level is one design (households or persons): the units read (sets[0]), then
// those added and removed by Apply, and the PSUs that hold units.
type level struct {
	b      *estimate.Builder // shared along a snapshot's Apply lineage, under mu
	keys   *keyArena         // the codes b keeps (keys.go), shared as b is
	mu     *sync.Mutex
	units  []int32 // live units per PSU
	design *estimate.Design
	sets   []*unitSet
	rows   int // live rows
}

func (l *level) count() int {
	if l == nil {
		return 0
	}
	return l.rows
}

// add counts the units of a new set into the PSUs and the rows.
func (l *level) add(s *unitSet) {
	if n := l.b.NumPSUs(); len(l.units) < n {
		l.units = append(l.units, make([]int32, n-len(l.units))...)
	}
	d := int32(1)
	if s.neg {
		d = -1
	}
	start := int32(0)
	for k, p := range s.psu.vals {
		end := s.psu.ends[k]
		l.units[p] += d * (end - start)
		start = end
	}
	l.rows += int(d) * s.rows
	l.sets = append(l.sets, s)
}

// Read decodes every facts row of src for every indicator and dimension.
func (c *Catalog) Read(src Source) (*Snapshot, error) {
	all := func(n int) []bool {
		b := make([]bool, n)
		for i := range b {
			b[i] = true
		}
		return b
	}
	return c.read(src, all(len(c.Indicators)), all(len(c.Dimensions)))
}

// read decodes what the wanted indicators and dimensions need.
func (c *Catalog) read(src Source, wantInd, wantDim []bool) (*Snapshot, error) {
	s := &Snapshot{c: c, wantInd: wantInd, wantDim: wantDim, codes: make([]*codebook, len(c.Dimensions)), years: map[string]int{}}
	for _, d := range c.Dimensions {
		if wantDim[d.pos] {
			s.codes[d.pos] = newCodebook(d)
		}
	}
	var needH, needP bool
	for _, in := range c.Indicators {
		if wantInd[in.index] {
			needH = needH || in.Unit == Household
			needP = needP || in.Unit == Person
		}
	}
	newLevel := func(each func(func(string) error) error, inds []*Indicator) (*level, error) {
		l := &level{b: estimate.NewBuilder(), keys: &keyArena{}, mu: &sync.Mutex{}}
		set, err := c.readLevel(each, inds, wantInd, s.codes, s.years, l.b, l.keys, false, true)
		if err != nil {
			return nil, err
		}
		l.add(set)
		l.design = l.b.Design() // every PSU read holds a unit
		return l, nil
	}
	var err error
	if needH {
		if s.hh, err = newLevel(src.Households, c.hhInds); err != nil {
			return nil, err
		}
	}
	if needP {
		if s.pp, err = newLevel(src.Members, c.personInds); err != nil {
			return nil, err
		}
	}
	s.period = modalYear(s.years)
	return s, nil
}

// Apply returns the snapshot of the data after removed's rows left it and
// added's rows joined it: a household reopened is removed, one approved is
// added, one whose facts changed is both. removed must hold rows the snapshot
// has (the same facts texts). The cost is that of the rows given, not of the
// snapshot; the estimates equal those of a fresh Read up to rounding. Apply
// calls on snapshots of one lineage (s, then what Apply returned …) are
// serialised inside; each returns a new snapshot and leaves s as it was.
func (s *Snapshot) Apply(removed, added Source) (*Snapshot, error) {
	ns := &Snapshot{c: s.c, wantInd: s.wantInd, wantDim: s.wantDim, codes: make([]*codebook, len(s.codes)),
		years: make(map[string]int, len(s.years))}
	if h := s.hist.Load(); h != nil {
		ns.prevHist = h
		ns.counted = [2]int{len(s.hh.setsOrNil()), len(s.pp.setsOrNil())}
	}
	for i, cb := range s.codes {
		ns.codes[i] = cb.clone()
	}
	for k, v := range s.years {
		ns.years[k] = v
	}
	apply := func(li int, l *level, rm, add func(func(string) error) error, inds []*Indicator) (*level, error) {
		if l == nil {
			return nil, nil
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		nl := &level{b: l.b, keys: l.keys, mu: l.mu, units: append([]int32(nil), l.units...), sets: l.sets[:len(l.sets):len(l.sets)], rows: l.rows}
		if len(nl.sets) >= maxSets {
			var err error
			if nl.sets, err = compact(nl.sets); err != nil {
				return nil, err
			}
			ns.counted[li] = len(nl.sets) // the parent's histograms hold the same units
		}
		for _, neg := range []bool{true, false} {
			each := add
			if neg {
				each = rm
			}
			set, err := s.c.readLevel(each, inds, s.wantInd, ns.codes, ns.years, nl.b, nl.keys, neg, false)
			if err != nil {
				return nil, err
			}
			if set.rows > 0 {
				nl.add(set)
			}
		}
		nl.design = nl.b.DesignLive(nl.units)
		return nl, nil
	}
	var err error
	if ns.hh, err = apply(0, s.hh, removed.Households, added.Households, s.c.hhInds); err != nil {
		return nil, err
	}
	if ns.pp, err = apply(1, s.pp, removed.Members, added.Members, s.c.personInds); err != nil {
		return nil, err
	}
	for k, v := range ns.years {
		if v <= 0 {
			delete(ns.years, k)
		}
	}
	ns.period = modalYear(ns.years)
	return ns, nil
}

// Households and Members are the facts rows read (0 for a level not read).
func (s *Snapshot) Households() int { return s.hh.count() }
func (s *Snapshot) Members() int    { return s.pp.count() }

// Compute is Catalog.Compute over the snapshot. The cells are kept for the
// same request on the same snapshot; each call returns its own copy of the
// result and of its cells (a caller may hold a cell back), sharing the
// estimates they point to.
func (s *Snapshot) Compute(req Request) (*Result, error) {
	res, err := s.cached(req)
	if err != nil {
		return nil, err
	}
	cp := *res
	cp.By = append([]string{}, res.By...)
	cp.Cells = append([]Cell(nil), res.Cells...)
	for i := range cp.Cells {
		cp.Cells[i].Dims = append([]string(nil), res.Cells[i].Dims...)
	}
	return &cp, nil
}

func (s *Snapshot) cached(req Request) (*Result, error) {
	inds, dims, err := s.c.resolve(req)
	if err != nil {
		return nil, err
	}
	key := requestKey(inds, dims)
	s.mu.Lock()
	res := s.results[key]
	s.mu.Unlock()
	if res != nil {
		return res, nil
	}
	if s.batchable(req, dims) {
		all := s.singles()
		s.mu.Lock()
		if s.results == nil || len(s.results)+len(all) > maxResults {
			s.results = map[string]*Result{}
		}
		for k, r := range all {
			s.results[k] = r
		}
		s.mu.Unlock()
		return all[key], nil
	}
	if res, err = s.compute(req, inds, dims); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.results == nil || len(s.results) >= maxResults {
		s.results = map[string]*Result{}
	}
	s.results[key] = res
	s.mu.Unlock()
	return res, nil
}

func requestKey(inds []*Indicator, dims []*Dimension) string {
	var b strings.Builder
	for _, in := range inds {
		b.WriteString(in.ID)
		b.WriteByte(',')
	}
	b.WriteByte('|')
	for _, d := range dims {
		b.WriteString(d.ID)
		b.WriteByte(',')
	}
	return b.String()
}

func (s *Snapshot) compute(req Request, inds []*Indicator, dims []*Dimension) (*Result, error) {
	for _, in := range inds {
		if !s.wantInd[in.index] {
			return nil, fmt.Errorf("indicators: the snapshot was read without indicator %s", in.ID)
		}
	}
	for _, d := range dims {
		if !s.wantDim[d.pos] {
			return nil, fmt.Errorf("indicators: the snapshot was read without dimension %s", d.ID)
		}
	}
	res := &Result{Survey: s.c.Survey, By: append([]string{}, req.By...), GeneratedAt: time.Now().UTC(),
		Period: s.period, Households: s.Households(), Members: s.Members(), cat: s.c}
	// One accumulator per unit level and request: concurrent requests
	// share the snapshot, not their sums.
	var accH, accP *estimate.Accumulator
	for _, in := range inds {
		l, acc := s.pp, &accP
		if in.Unit == Household {
			l, acc = s.hh, &accH
		}
		if *acc == nil {
			*acc = estimate.NewAccumulator(l.design)
		}
		res.Cells = l.cells(res.Cells, *acc, in, dims, s.codes)
	}
	return res, nil
}

// cells appends the cells of one indicator broken down by dims.
func (l *level) cells(out []Cell, acc *estimate.Accumulator, in *Indicator, dims []*Dimension, codes []*codebook) []Cell {
	var cb [2]*codebook
	for i, dim := range dims {
		cb[i] = codes[dim.pos]
	}
	stride := 0 // key = c1*stride + c2 for two dimensions
	if len(dims) == 2 {
		stride = len(cb[1].names) + 1
	}
	acc.Reset()
	l.addAll(acc, in, dims, stride)
	for _, ec := range acc.Cells(in.Kind, in.Scale) {
		cell := Cell{Indicator: in.ID, Dims: make([]string, len(dims)), Cell: ec}
		ks := [2]int{ec.Key, 0}
		if stride > 0 {
			ks = [2]int{ec.Key / stride, ec.Key % stride}
		}
		for i := range dims {
			cell.Dims[i] = cb[i].name(ks[i])
		}
		out = append(out, cell)
	}
	return out
}

// addAll puts the population of one indicator, every set of the level, into
// acc: the total and the cells of dims (key c1*stride + c2 for two).
func (l *level) addAll(acc *estimate.Accumulator, in *Indicator, dims []*Dimension, stride int) {
	b := new(entryBatch)
	for _, s := range l.sets {
		var d [2]*packed // the units' codes of each requested dimension
		for i, dim := range dims {
			d[i] = s.code[dim.pos]
		}
		if col := s.cols[in.index]; col != nil {
			s.add(acc, col, d[0], d[1], stride, b)
		}
	}
}

// Counts is Compute without the estimates: the same cells (every one that holds units of
// the indicator's population), each with its unweighted n and its publication flag, and
// nothing else. Disclosure control needs only these, over every table a request can ask
// for; they come from one count per unit and indicator (over the combination of all the
// unit's codes), made once per snapshot, instead of a pass of the estimator per table.
func (s *Snapshot) Counts(req Request) (*Result, error) {
	inds, dims, err := s.c.resolve(req)
	if err != nil {
		return nil, err
	}
	for _, in := range inds {
		if !s.wantInd[in.index] {
			return nil, fmt.Errorf("indicators: the snapshot was read without indicator %s", in.ID)
		}
	}
	for _, d := range dims {
		if !s.wantDim[d.pos] {
			return nil, fmt.Errorf("indicators: the snapshot was read without dimension %s", d.ID)
		}
	}
	h := s.histograms()
	res := &Result{Survey: s.c.Survey, By: append([]string{}, req.By...), GeneratedAt: time.Now().UTC(),
		Period: s.period, Households: s.Households(), Members: s.Members(), cat: s.c}
	var cb [2]*codebook
	for i, d := range dims {
		cb[i] = s.codes[d.pos]
	}
	stride := 0
	if len(dims) == 2 {
		stride = len(cb[1].names) + 1
	}
	size := 1 // cell keys are below size
	switch len(dims) {
	case 1:
		size = len(cb[0].names) + 1
	case 2:
		size = (len(cb[0].names) + 1) * stride
	}
	n := make([]int, size)
	for _, in := range inds {
		clear(n)
		for combo, k := range h.count[in.index] {
			var c [2]int
			for i, d := range dims {
				c[i] = (combo / h.mult[d.pos]) % h.radix[d.pos]
			}
			n[0] += k
			switch len(dims) {
			case 1:
				if c[0] > 0 {
					n[c[0]] += k
				}
			case 2:
				if c[0] > 0 {
					n[c[0]*stride] += k
				}
				if c[1] > 0 {
					n[c[1]] += k
					if c[0] > 0 {
						n[c[0]*stride+c[1]] += k
					}
				}
			}
		}
		for key, k := range n {
			if k <= 0 {
				continue
			}
			cell := Cell{Indicator: in.ID, Dims: make([]string, len(dims)), Cell: estimate.Cell{Key: key, NUnweighted: n[key]}}
			switch {
			case n[key] < estimate.MinPublished:
				cell.Flag = estimate.FlagSuppressed
			case n[key] < estimate.MinReliable:
				cell.Flag = estimate.FlagLowReliability
			}
			ks := [2]int{key, 0}
			if stride > 0 {
				ks = [2]int{key / stride, key % stride}
			}
			for i := range dims {
				cell.Dims[i] = cb[i].name(ks[i])
			}
			res.Cells = append(res.Cells, cell)
		}
	}
	return res, nil
}

// histograms counts, per indicator, the population units of each combination of codes of
// the snapshot's dimensions (a mixed-radix number: code of dimension d times mult[d]).
type histograms struct {
	radix, mult []int
	count       []map[int]int // by indicator index: combination -> units (removed ones taken off)
}

func (s *Snapshot) histograms() *histograms {
	s.histOnce.Do(func() {
		h := &histograms{radix: make([]int, len(s.codes)), mult: make([]int, len(s.codes)), count: make([]map[int]int, len(s.c.Indicators))}
		m := 1
		for pos, cb := range s.codes {
			h.radix[pos], h.mult[pos] = 1, m
			if cb != nil {
				h.radix[pos] = len(cb.names) + 1
			}
			m *= h.radix[pos]
		}
		from := [2]int{}
		if p := s.prevHist; p != nil && slices.Equal(p.radix, h.radix) {
			// The codes did not change: the previous counts stand, plus the new sets.
			for i := range h.count {
				h.count[i] = maps.Clone(p.count[i])
			}
			from = s.counted
		} else {
			for i := range h.count {
				h.count[i] = map[int]int{}
			}
		}
		s.prevHist = nil // not kept beyond its use
		for li, l := range []*level{s.hh, s.pp} {
			if l == nil {
				continue
			}
			for _, set := range l.sets[from[li]:] {
				sign := 1
				if set.neg {
					sign = -1
				}
				if m <= math.MaxInt32 {
					countSet(h, set, unitKeys[int32](h, set), sign)
				} else { // many codes met beyond the catalog's
					countSet(h, set, unitKeys[int64](h, set), sign)
				}
			}
		}
		s.hist.Store(h)
	})
	return s.hist.Load()
}

// bytes is the memory of the snapshot's columns (not its cached results).
func (s *Snapshot) bytes() int {
	n := 0
	for _, l := range []*level{s.hh, s.pp} {
		if l == nil {
			continue
		}
		n += len(l.units) * 4
		for _, set := range l.sets {
			n += set.bytes()
		}
	}
	return n
}

func (l *level) setsOrNil() []*unitSet {
	if l == nil {
		return nil
	}
	return l.sets
}

// unitKeys is each unit's combination of codes.
func unitKeys[K int32 | int64](h *histograms, set *unitSet) []K {
	keys := make([]K, set.rows)
	for pos, code := range set.code {
		if code == nil || code.mask == 0 {
			continue
		}
		mult := K(h.mult[pos])
		for u := range keys {
			keys[u] += K(code.at(u)) * mult
		}
	}
	return keys
}

// countSet adds (sign +1) or takes off (-1) the set's population units to the histograms.
// Units of one PSU share most codes: runs of one key are counted before the map.
func countSet[K int32 | int64](h *histograms, set *unitSet, keys []K, sign int) {
	for _, col := range set.cols {
		if col == nil {
			continue
		}
		cnt := h.count[col.in.index]
		last, run := K(-1), 0
		var buf [batchLen]int32
		for wk := set.walk(col); ; {
			n := wk.units(buf[:])
			if n == 0 {
				break
			}
			for _, u := range buf[:n] {
				if k := keys[u]; k != last {
					if run > 0 {
						cnt[int(last)] += sign * run
					}
					last, run = k, 0
				}
				run++
			}
		}
		if run > 0 {
			cnt[int(last)] += sign * run
		}
	}
}
