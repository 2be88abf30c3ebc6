package indicators

import (
	"fmt"
	"time"

	"fieldbase/estimate"
)

// Snapshot is the facts of one read of a Source, decoded: the designs, the
// breakdown codes and the indicator entries. Catalog.Read keeps all of them
// (a few tens of MB for 100,000 households), so that a server can answer
// request after request without reading the facts again while the data
// does not change. It is immutable and safe for concurrent use.
type Snapshot struct {
	c       *Catalog
	hh, pp  *unitSet // nil when not read
	codes   []*codebook
	period  string
	wantInd []bool
	wantDim []bool
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
	s := &Snapshot{c: c, wantInd: wantInd, wantDim: wantDim, codes: make([]*codebook, len(c.Dimensions))}
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
	years := map[string]int{}
	var err error
	if needH {
		if s.hh, err = c.readLevel(src.Households, c.hhInds, wantInd, s.codes, years); err != nil {
			return nil, err
		}
	}
	if needP {
		if s.pp, err = c.readLevel(src.Members, c.personInds, wantInd, s.codes, years); err != nil {
			return nil, err
		}
	}
	s.period = modalYear(years)
	return s, nil
}

// Households and Members are the facts rows read (0 for a level not read).
func (s *Snapshot) Households() int { return s.hh.count() }
func (s *Snapshot) Members() int    { return s.pp.count() }

// Compute is Catalog.Compute over the snapshot.
func (s *Snapshot) Compute(req Request) (*Result, error) {
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
	res := &Result{Survey: s.c.Survey, By: append([]string{}, req.By...), GeneratedAt: time.Now().UTC(),
		Period: s.period, Households: s.Households(), Members: s.Members(), cat: s.c}
	// One accumulator per unit level and request: concurrent requests
	// share the snapshot, not their sums.
	var accH, accP *estimate.Accumulator
	for _, in := range inds {
		set, acc := s.pp, &accP
		if in.Unit == Household {
			set, acc = s.hh, &accH
		}
		if *acc == nil {
			*acc = estimate.NewAccumulator(set.design)
		}
		res.Cells = set.cells(res.Cells, *acc, in, dims, s.codes)
	}
	return res, nil
}

// cells appends the cells of one indicator broken down by dims.
func (s *unitSet) cells(out []Cell, acc *estimate.Accumulator, in *Indicator, dims []*Dimension, codes []*codebook) []Cell {
	var d [2][]uint8 // the units' codes of each requested dimension
	var cb [2]*codebook
	for i, dim := range dims {
		d[i], cb[i] = s.code[dim.pos], codes[dim.pos]
	}
	stride := 0 // key = c1*stride + c2 for two dimensions
	if len(dims) == 2 {
		stride = len(cb[1].names) + 1
	}
	acc.Reset()
	if col := s.cols[in.index]; col != nil {
		s.add(acc, col, d[0], d[1], stride)
	}
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
