package disclosure

import (
	"sort"
	"strings"
)

// Reasons a cell is suppressed.
const (
	Primary   = "primary"   // too few units (indicators.md: n_unweighted < 25)
	Secondary = "secondary" // would be derivable from the other cells of a partition
)

// Total is the code of a dimension's margin.
const Total = "_T"

// Coord is one dimension's code of a cell.
type Coord struct {
	Dim, Code string
}

// Cell is what suppression needs of one published cell of one indicator: where it is (the
// codes of its broken-down dimensions; a margin's "_T" codes are left out, so the cell
// SEX=F of a one-dimension table and the cell SEX=F, AGE=_T of a two-dimension table are one
// cell), its unweighted count, and whether primary suppression already holds it back.
type Cell struct {
	At      []Coord
	N       int
	Primary bool
}

// Dimension is a dimension's id and its codes in publication order (ties between cells of
// equal count go to the first code).
type Dimension struct {
	ID    string
	Codes []string
}

// Key names a cell by its codes, whatever the order of the dimensions in the request and
// whatever "_T" codes it carries. The total's key is "".
func Key(at []Coord) string {
	parts := make([]string, 0, len(at))
	for _, c := range at {
		if c.Code != Total {
			parts = append(parts, c.Dim+"="+c.Code)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "\x1f")
}

// KeyOf is Key for a request's dimension ids and a cell's codes (parallel slices).
func KeyOf(dims, codes []string) string {
	at := make([]Coord, 0, len(dims))
	for i, d := range dims {
		if i < len(codes) {
			at = append(at, Coord{d, codes[i]})
		}
	}
	return Key(at)
}

// Suppress decides which cells of one indicator are held back, over every table the server
// publishes: the total, each dimension with its margin, and each pair of dimensions with
// their margins. cells are all of them (every cell at most once, by Key); the result maps the
// Key of each suppressed cell to its reason.
//
// The rule (indicators.md): in each partition of a table — the codes of one dimension with
// the other dimension held at one code or at _T, together with that margin — either no cell
// or at least two are suppressed. Where a partition holds exactly one, the other cell of that
// partition with the smallest count (ties: the first code in the dimension's order, the margin
// last) is suppressed too, and the partitions are walked again until every one holds. The
// partitions are walked in a fixed order, so the same cells come out for the same counts,
// whichever table a request asks for.
func Suppress(dims []Dimension, cells []Cell) map[string]string {
	order := map[Coord]int{}
	for _, d := range dims {
		for i, code := range d.Codes {
			order[Coord{d.ID, code}] = i
		}
	}
	byKey := map[string]*Cell{}
	keys := make([]string, 0, len(cells))
	for i := range cells {
		k := Key(cells[i].At)
		if _, dup := byKey[k]; dup {
			continue
		}
		byKey[k] = &cells[i]
		keys = append(keys, k)
	}
	out := map[string]string{}
	for _, k := range keys {
		if byKey[k].Primary {
			out[k] = Primary
		}
	}
	parts := partitions(byKey, order)
	for changed := true; changed; {
		changed = false
		for _, p := range parts {
			n := 0
			for _, k := range p {
				if out[k] != "" {
					n++
				}
			}
			if n != 1 {
				continue
			}
			best := -1
			for i, k := range p { // in order: the first of equal counts wins
				if out[k] == "" && (best < 0 || byKey[k].N < byKey[p[best]].N) {
					best = i
				}
			}
			if best < 0 {
				continue // nothing else to hold back
			}
			out[p[best]] = Secondary
			changed = true
		}
	}
	return out
}

// partitions lists every partition of every table as cell keys: the members in their
// dimension's code order, then the margin. Partitions whose margin is not among the cells are
// left out (nothing can be derived from a sum that is not published).
func partitions(byKey map[string]*Cell, order map[Coord]int) [][]string {
	type group struct {
		margin string  // the key of the margin (the fixed coordinate, "" for the total)
		cells  []Coord // the varying coordinate of each member
		keys   []string
	}
	groups := map[string]*group{}
	add := func(vary Coord, margin string, key string) {
		id := vary.Dim + "\x00" + margin
		g := groups[id]
		if g == nil {
			g = &group{margin: margin}
			groups[id] = g
		}
		g.cells = append(g.cells, vary)
		g.keys = append(g.keys, key)
	}
	for key, c := range byKey {
		at := make([]Coord, 0, 2)
		for _, x := range c.At {
			if x.Code != Total {
				at = append(at, x)
			}
		}
		switch len(at) {
		case 1:
			add(at[0], "", key)
		case 2:
			add(at[0], Key(at[1:]), key)
			add(at[1], Key(at[:1]), key)
		}
	}
	ids := make([]string, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out [][]string
	for _, id := range ids {
		g := groups[id]
		if _, ok := byKey[g.margin]; !ok {
			continue
		}
		idx := make([]int, len(g.keys))
		for i := range idx {
			idx[i] = i
		}
		rank := func(c Coord) (int, string) {
			if r, ok := order[c]; ok {
				return r, ""
			}
			return len(order), c.Code // codes outside the catalog: after, by name
		}
		sort.Slice(idx, func(a, b int) bool {
			ra, na := rank(g.cells[idx[a]])
			rb, nb := rank(g.cells[idx[b]])
			if ra != rb {
				return ra < rb
			}
			return na < nb
		})
		p := make([]string, 0, len(idx)+1)
		for _, i := range idx {
			p = append(p, g.keys[i])
		}
		out = append(out, append(p, g.margin))
	}
	return out
}
