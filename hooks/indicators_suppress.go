package hooks

import (
	"sync"

	"fieldbase/disclosure"
	"fieldbase/estimate"
	"fieldbase/indicators"
)

// suppressionPattern is the secondary suppression of a snapshot: per indicator, the key of
// each cell held back (disclosure.Key) and why. It is worked out over every table the server
// publishes (the total, each dimension, each pair of dimensions), so that a cell is held back
// in every answer that reaches it, whatever the request asked for.
type suppressionPattern map[string]map[string]string

// patterns caches the pattern of the latest snapshot of each survey: working it out computes
// every one- and two-dimension table once per change of the data.
var patterns = struct {
	sync.Mutex
	m map[*indicators.Snapshot]*patternEntry
}{m: map[*indicators.Snapshot]*patternEntry{}}

type patternEntry struct {
	once sync.Once
	p    suppressionPattern
	err  error
}

// suppressionOf returns the snapshot's pattern, working it out on first use.
func suppressionOf(cat *indicators.Catalog, snap *indicators.Snapshot) (suppressionPattern, error) {
	patterns.Lock()
	e := patterns.m[snap]
	if e == nil {
		if len(patterns.m) >= 16 { // old snapshots: nobody asks for them again
			clear(patterns.m)
		}
		e = &patternEntry{}
		patterns.m[snap] = e
	}
	patterns.Unlock()
	e.once.Do(func() { e.p, e.err = workOutSuppression(cat, snap) })
	return e.p, e.err
}

// publishedTables are the breakdowns a request can ask for, up to indicators.MaxBy
// dimensions: none, each dimension, each pair.
func publishedTables(cat *indicators.Catalog) [][]string {
	out := [][]string{nil}
	for i, a := range cat.Dimensions {
		out = append(out, []string{a.ID})
		for _, b := range cat.Dimensions[i+1:] {
			out = append(out, []string{a.ID, b.ID})
		}
	}
	return out
}

func workOutSuppression(cat *indicators.Catalog, snap *indicators.Snapshot) (suppressionPattern, error) {
	cells := map[string][]disclosure.Cell{}
	seen := map[string]map[string]bool{}
	for _, by := range publishedTables(cat) {
		// Counts, not Compute: the pattern needs each cell's n only, and counting every
		// table is a fraction of estimating it (issue 19: 29 tables at 10^6 households).
		res, err := snap.Counts(indicators.Request{By: by})
		if err != nil {
			return nil, err
		}
		for _, c := range res.Cells {
			key := disclosure.KeyOf(by, c.Dims)
			if seen[c.Indicator] == nil {
				seen[c.Indicator] = map[string]bool{}
			}
			if seen[c.Indicator][key] { // a margin met again in a larger table
				continue
			}
			seen[c.Indicator][key] = true
			at := make([]disclosure.Coord, len(by))
			for i, d := range by {
				at[i] = disclosure.Coord{Dim: d, Code: c.Dims[i]}
			}
			cells[c.Indicator] = append(cells[c.Indicator], disclosure.Cell{At: at, N: c.NUnweighted,
				Primary: c.Flag == estimate.FlagSuppressed})
		}
	}
	dims := make([]disclosure.Dimension, len(cat.Dimensions))
	for i, d := range cat.Dimensions {
		dims[i] = disclosure.Dimension{ID: d.ID, Codes: d.Codes}
	}
	p := suppressionPattern{}
	for ind, cs := range cells {
		p[ind] = disclosure.Suppress(dims, cs)
	}
	return p, nil
}

// applySuppression holds back the cells of res that the pattern suppresses: no estimate,
// se, interval or n_weighted, flag suppressed, with the reason.
func applySuppression(res *indicators.Result, p suppressionPattern) {
	for i := range res.Cells {
		c := &res.Cells[i]
		why := p[c.Indicator][disclosure.KeyOf(res.By, c.Dims)]
		if why == "" {
			continue
		}
		c.Flag, c.Suppression = estimate.FlagSuppressed, why
		c.Estimate, c.SE, c.CILow, c.CIHigh = nil, nil, nil, nil
		c.NWeighted = 0
	}
}

// suppress applies the snapshot's secondary suppression to a computed result.
func suppress(cat *indicators.Catalog, snap *indicators.Snapshot, res *indicators.Result) error {
	p, err := suppressionOf(cat, snap)
	if err != nil {
		return err
	}
	applySuppression(res, p)
	return nil
}
