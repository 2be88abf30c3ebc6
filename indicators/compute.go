package indicators

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"fieldbase/estimate"
)

// total is the code of a dimension's margin (no breakdown).
const total = "_T"

// MaxBy is the most dimensions a request may break down by.
const MaxBy = 2

// Request says which cells to compute.
type Request struct {
	Indicators []string // ids; empty means every indicator, in catalog order
	By         []string // 0 to MaxBy dimension ids
}

// Source streams the stored facts texts of the approved units (the caller
// filters by status). Each function calls fn once per row, in any order,
// and stops at fn's first error and returns it.
type Source interface {
	Households(fn func(facts string) error) error
	Members(fn func(facts string) error) error
}

// RequestError is a request naming an unknown indicator or dimension, or
// asking for too many dimensions. Param is "indicator" or "by".
type RequestError struct {
	Param string
	Value string
	Msg   string
}

func (e *RequestError) Error() string { return e.Msg }

// Result is the computed cells of a request.
type Result struct {
	Survey      string
	By          []string // the requested dimension ids, in request order
	Period      string   // interview year of most households (TIME_PERIOD)
	GeneratedAt time.Time
	Cells       []Cell
	Households  int // household facts rows read
	Members     int // member facts rows read

	cat *Catalog
}

// Cell is one published estimate: the indicator, its codes (parallel to
// Result.By, "_T" for a margin) and the estimate package's figures, scaled.
type Cell struct {
	Indicator string
	Dims      []string
	estimate.Cell
}

// resolve checks the request against the catalog.
func (c *Catalog) resolve(req Request) ([]*Indicator, []*Dimension, error) {
	var inds []*Indicator
	if len(req.Indicators) == 0 {
		inds = c.Indicators
	}
	seen := map[string]bool{}
	for _, id := range req.Indicators {
		in := c.byID[id]
		if in == nil {
			return nil, nil, &RequestError{Param: "indicator", Value: id,
				Msg: fmt.Sprintf("unknown indicator %q (the catalog has %s)", id, strings.Join(c.indicatorIDs(), ", "))}
		}
		if !seen[id] {
			seen[id] = true
			inds = append(inds, in)
		}
	}
	if len(req.By) > MaxBy {
		return nil, nil, &RequestError{Param: "by", Value: strings.Join(req.By, ","),
			Msg: fmt.Sprintf("at most %d dimensions can be combined, got %d (%s)", MaxBy, len(req.By), strings.Join(req.By, ","))}
	}
	var dims []*Dimension
	for i, id := range req.By {
		d := c.dimByID[id]
		if d == nil {
			return nil, nil, &RequestError{Param: "by", Value: id,
				Msg: fmt.Sprintf("unknown dimension %q (the catalog has %s)", id, strings.Join(c.dimensionIDs(), ", "))}
		}
		for _, prev := range req.By[:i] {
			if prev == id {
				return nil, nil, &RequestError{Param: "by", Value: id, Msg: fmt.Sprintf("dimension %s is asked twice", id)}
			}
		}
		dims = append(dims, d)
	}
	return inds, dims, nil
}

func (c *Catalog) indicatorIDs() []string {
	ids := make([]string, len(c.Indicators))
	for i, in := range c.Indicators {
		ids[i] = in.ID
	}
	return ids
}

func (c *Catalog) dimensionIDs() []string {
	ids := make([]string, len(c.Dimensions))
	for i, d := range c.Dimensions {
		ids[i] = d.ID
	}
	return ids
}

// Compute estimates every cell of the request: for each indicator, the
// total and, with dimensions, every combination of codes present in its
// population plus the _T margins. It reads households only if a household
// indicator is asked, members only if a person indicator is. Facts not
// written by this catalog make it fail with a *StaleError; a bad request
// gives a *RequestError.
func (c *Catalog) Compute(req Request, src Source) (*Result, error) {
	res, err := c.ComputeEach([]Request{req}, src)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// ComputeEach is Compute for several requests (say the total and each
// dimension) over one read of the facts: reading dominates the cost.
func (c *Catalog) ComputeEach(reqs []Request, src Source) ([]*Result, error) {
	wantInd := make([]bool, len(c.Indicators))
	wantDim := make([]bool, len(c.Dimensions))
	for _, req := range reqs {
		inds, dims, err := c.resolve(req)
		if err != nil {
			return nil, err
		}
		for _, in := range inds {
			wantInd[in.index] = true
		}
		for _, d := range dims {
			wantDim[d.pos] = true
		}
	}
	snap, err := c.read(src, wantInd, wantDim)
	if err != nil {
		return nil, err
	}
	out := make([]*Result, len(reqs))
	for i, req := range reqs {
		if out[i], err = snap.Compute(req); err != nil {
			return nil, err
		}
	}
	return out, nil
}

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

// codebook numbers the codes of one requested dimension: the catalog's
// codes first (publication order), then any other code met in the facts.
type codebook struct {
	names []string
	extra map[string]uint8
}

func newCodebook(d *Dimension) *codebook {
	return &codebook{names: append([]string{}, d.Codes...)}
}

// index returns 1 + the code's number, 0 for no code.
func (cb *codebook) index(code string) uint8 {
	if code == "" {
		return 0
	}
	code = unescape(code)
	for i, n := range cb.names {
		if n == code {
			return uint8(i + 1)
		}
	}
	if k, ok := cb.extra[code]; ok {
		return k
	}
	if len(cb.names) >= 254 { // a dimension is a short code list; more reads as no code
		return 0
	}
	if cb.extra == nil {
		cb.extra = map[string]uint8{}
	}
	cb.names = append(cb.names, code)
	cb.extra[code] = uint8(len(cb.names))
	return uint8(len(cb.names))
}

// name is the code of index k (0 is the margin, _T).
func (cb *codebook) name(k int) string {
	if k == 0 {
		return total
	}
	return cb.names[k-1]
}

// modalYear is the period of most rows (the earliest on a tie).
func modalYear(years map[string]int) string {
	keys := make([]string, 0, len(years))
	for k := range years {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best := ""
	for _, k := range keys {
		if best == "" || years[k] > years[best] {
			best = k
		}
	}
	return best
}
