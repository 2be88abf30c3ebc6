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
	// Suppression is why a suppressed cell is held back: "primary" (too few units) or
	// "secondary" (derivable from other published cells; see package disclosure). A cell
	// flagged suppressed with no reason is primary.
	Suppression string
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

// codebook numbers the codes of one requested dimension: the catalog's
// codes first (publication order), then any other code met in the facts.
type codebook struct {
	names []string
	extra map[string]uint8
}

func newCodebook(d *Dimension) *codebook {
	return &codebook{names: append([]string{}, d.Codes...)}
}

// clone is a copy that may learn codes without changing cb (nil for nil).
func (cb *codebook) clone() *codebook {
	if cb == nil {
		return nil
	}
	n := &codebook{names: append([]string(nil), cb.names...)}
	if cb.extra != nil {
		n.extra = make(map[string]uint8, len(cb.extra))
		for k, v := range cb.extra {
			n.extra[k] = v
		}
	}
	return n
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
	code = strings.Clone(code) // kept: a substring would keep its row (keys.go)
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
