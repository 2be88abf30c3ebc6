package indicators

import (
	"fmt"
	"math"
	"sort"
	"strconv"
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
	inds, dims, err := c.resolve(req)
	if err != nil {
		return nil, err
	}
	res := &Result{Survey: c.Survey, By: append([]string{}, req.By...), GeneratedAt: time.Now().UTC(), cat: c}
	codes := make([]*codebook, len(dims))
	for i, d := range dims {
		codes[i] = newCodebook(d)
	}
	var needH, needP bool
	for _, in := range inds {
		needH = needH || in.Unit == Household
		needP = needP || in.Unit == Person
	}
	years := map[string]int{}
	var hh, pp *unitSet
	if needH {
		if hh, err = c.read(src.Households, c.hhInds, inds, dims, codes, years); err != nil {
			return nil, err
		}
		res.Households = hh.rows
	}
	if needP {
		if pp, err = c.read(src.Members, c.personInds, inds, dims, codes, years); err != nil {
			return nil, err
		}
		res.Members = pp.rows
	}
	res.Period = modalYear(years)

	var stride int // key = c1*stride + c2 for two dimensions
	if len(dims) == 2 {
		stride = len(codes[1].names) + 1
	}
	for _, in := range inds {
		set := pp
		if in.Unit == Household {
			set = hh
		}
		col := set.cols[in.index]
		acc := set.accumulator()
		acc.Reset()
		if col != nil {
			set.add(acc, col, len(dims), stride)
		}
		for _, ec := range acc.Cells(in.Kind, in.Scale) {
			cell := Cell{Indicator: in.ID, Dims: make([]string, len(dims)), Cell: ec}
			k1, k2 := ec.Key, 0
			if stride > 0 {
				k1, k2 = ec.Key/stride, ec.Key%stride
			}
			ks := [2]int{k1, k2}
			for i := range dims {
				cell.Dims[i] = codes[i].name(ks[i])
			}
			res.Cells = append(res.Cells, cell)
		}
	}
	return res, nil
}

// unitSet is one design (all household rows, or all member rows) read from
// facts, with the entries of the requested indicators as columns.
type unitSet struct {
	rows   int
	design *estimate.Design
	acc    *estimate.Accumulator
	psu    []int32    // by unit
	code   [2][]uint8 // by requested dimension, by unit: 0 = no code (_T only), k = codebook code k
	cols   []*column  // by catalog indicator index; nil when not requested
}

// column holds one indicator's population: unit indices and y, x, w.
type column struct {
	unit    []int32
	y, x, w []float64
}

func (s *unitSet) accumulator() *estimate.Accumulator {
	if s.acc == nil {
		s.acc = estimate.NewAccumulator(s.design)
	}
	return s.acc
}

// add puts every population unit into the total and its breakdown cells.
func (s *unitSet) add(acc *estimate.Accumulator, col *column, ndims, stride int) {
	for i, u := range col.unit {
		p, w, y, x := int(s.psu[u]), col.w[i], col.y[i], col.x[i]
		acc.Add(p, 0, w, y, x)
		switch ndims {
		case 1:
			if c1 := int(s.code[0][u]); c1 > 0 {
				acc.Add(p, c1, w, y, x)
			}
		case 2:
			c1, c2 := int(s.code[0][u]), int(s.code[1][u])
			if c1 > 0 {
				acc.Add(p, c1*stride, w, y, x)
			}
			if c2 > 0 {
				acc.Add(p, c2, w, y, x)
				if c1 > 0 {
					acc.Add(p, c1*stride+c2, w, y, x)
				}
			}
		}
	}
}

// read decodes every facts row of one unit level: the design from all rows,
// codes of the requested dimensions, and the entries of the requested
// indicators of that level (level lists them in facts order).
func (c *Catalog) read(each func(func(string) error) error, level, inds []*Indicator,
	dims []*Dimension, codes []*codebook, years map[string]int) (*unitSet, error) {
	s := &unitSet{cols: make([]*column, len(c.Indicators))}
	for _, in := range inds {
		if in.Unit == level[0].Unit {
			s.cols[in.index] = &column{}
		}
	}
	b := estimate.NewBuilder()
	var (
		stale               int
		staleSample         string
		lastStratum, lastPS string
		lastPSU             = -1
	)
	err := each(func(facts string) error {
		r, ok := c.split(facts)
		if !ok {
			if stale == 0 {
				staleSample = sample(facts)
			}
			stale++
			return nil
		}
		u := int32(len(s.psu))
		// Rows of one PSU usually come together: skip the map lookup.
		if lastPSU < 0 || r.stratum != lastStratum || r.psu != lastPS {
			lastStratum, lastPS = r.stratum, r.psu
			lastPSU = b.PSU(unescape(r.stratum), unescape(r.psu))
		}
		s.psu = append(s.psu, int32(lastPSU))
		if r.period != "" {
			years[r.period]++
		}
		for i, d := range dims {
			s.code[i] = append(s.code[i], codes[i].index(nthField(r.codes, d.pos)))
		}
		if r.entries == "" {
			return nil
		}
		weight, err := strconv.ParseFloat(r.weight, 64)
		if err != nil {
			weight = math.NaN()
		}
		return s.entries(r.entries, u, weight, level)
	})
	if err != nil {
		return nil, err
	}
	if stale > 0 {
		return nil, &StaleError{Rows: stale, Sample: staleSample}
	}
	s.rows = len(s.psu)
	s.design = b.Design()
	return s, nil
}

// entries appends a row's indicator entries to the requested columns.
// Entries follow catalog order, so the indicator is found by moving a
// cursor along level instead of a map lookup.
func (s *unitSet) entries(e string, u int32, weight float64, level []*Indicator) error {
	k := 0
	for e != "" {
		item := e
		if j := strings.IndexByte(e, ';'); j >= 0 {
			item, e = e[:j], e[j+1:]
		} else {
			e = ""
		}
		eq := strings.IndexByte(item, '=')
		if eq <= 0 {
			return fmt.Errorf("indicators: bad facts entry %q", item)
		}
		id := item[:eq]
		start := k
		for k < len(level) && level[k].ID != id {
			k++
		}
		if k == len(level) { // out of order: look from the start
			for k = 0; k < start && level[k].ID != id; k++ {
			}
			if k == start {
				return fmt.Errorf("indicators: facts entry for unknown indicator %q", id)
			}
		}
		col := s.cols[level[k].index]
		if col == nil {
			continue
		}
		_, y, x, w, ok := parseEntry(item, weight)
		if !ok || math.IsNaN(w) {
			return fmt.Errorf("indicators: bad facts entry %q", item)
		}
		col.unit = append(col.unit, u)
		col.y = append(col.y, y)
		col.x = append(col.x, x)
		col.w = append(col.w, w)
	}
	return nil
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
