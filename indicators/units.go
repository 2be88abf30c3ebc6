package indicators

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"fieldbase/estimate"
)

// unitSet is one design (all household rows, or all member rows) read from
// facts, with the entries of the requested indicators as columns. Its
// memory is a few bytes per unit and per entry (columns.go): nothing is kept
// per cell.
type unitSet struct {
	rows   int
	neg    bool         // the units leave the snapshot (Snapshot.Apply)
	psu    runs[int32]  // by unit
	weight runs[uint64] // by unit: the row's weight (float64 bits; any value for rows without entries)
	code   []*packed    // by dimension position, by unit: 0 = no code (_T only), k = codebook code k; nil if not asked
	cols   []*column    // by catalog indicator index; nil when not requested
}

// column holds one indicator's population: its units, then per entry (in unit
// order) the 0/1 numerator of a proportion or rate as a bit, other values in
// y; x and w only when the indicator has a denominator or its own weight, else
// they are 1 and the unit's weight.
type column struct {
	in      *Indicator
	n       int     // entries
	bits    bitset  // the units, while reading and when many; nil when list holds them
	list    []int32 // the units, when fewer than one in 32
	yb      bitset  // boolean numerators, by entry
	y, x, w *floats // nil: boolean (yb), 1, the unit's weight
	last    int32   // the last unit pushed (-1: none)
}

func newColumn(in *Indicator, guess, rows int) *column {
	col := &column{in: in, bits: make(bitset, 0, rows/64+1), last: -1}
	if in.boolean() {
		col.yb = make(bitset, 0, guess/64+1)
	} else {
		col.y = newFloats(guess, false)
	}
	if in.denominator != nil {
		col.x = newFloats(guess, false)
	}
	if in.weight != nil {
		col.w = newFloats(guess, true)
	}
	return col
}

// push appends one entry of unit u; vals are y[, x[, w]] as written in the facts.
func (col *column) push(u int32, vals []float64, rowWeight float64) error {
	if u == col.last {
		return fmt.Errorf("indicators: facts row with two entries for %s", col.in.ID)
	}
	y := vals[0]
	if col.y == nil {
		if y != 0 && y != 1 {
			return fmt.Errorf("indicators: facts of %s: y = %v is not 0 or 1", col.in.ID, y)
		}
		col.yb.push(col.n, y == 1)
	} else {
		col.y.push(y, rowWeight)
	}
	if col.x != nil {
		x := 1.0
		if len(vals) > 1 {
			x = vals[1]
		}
		col.x.push(x, rowWeight)
	}
	if col.w != nil {
		w := rowWeight
		if len(vals) > 2 {
			w = vals[2]
		}
		col.w.push(w, rowWeight)
	} else if len(vals) > 2 && vals[2] != rowWeight {
		return fmt.Errorf("indicators: facts of %s carry a weight but the catalog has no weight expression", col.in.ID)
	}
	col.bits.set(int(u))
	col.last = u
	col.n++
	return nil
}

// tidy ends the column's reading: the units as a list when that is smaller, every
// slice at its length.
func (col *column) tidy() {
	if col.n*32 < len(col.bits)*64 {
		list := make([]int32, col.n)
		w := walker{col: col}
		w.units(list)
		col.list, col.bits = list, nil
	} else {
		col.bits = append(bitset(nil), col.bits...)
	}
	col.yb = append(bitset(nil), col.yb...)
	for _, v := range []*floats{col.y, col.x, col.w} {
		if v != nil {
			v.tidy()
		}
	}
}

// tidy ends the set's reading: every slice at its length, equal columns shared.
func (s *unitSet) tidy() {
	for _, col := range s.cols {
		if col != nil {
			col.tidy()
		}
	}
	s.share()
	s.psu.ends, s.psu.vals = slices.Clone(s.psu.ends), slices.Clone(s.psu.vals)
	s.weight.ends, s.weight.vals = slices.Clone(s.weight.ends), slices.Clone(s.weight.vals)
	for _, p := range s.code {
		if p != nil {
			p.words = slices.Clone(p.words)
		}
	}
}

// share makes columns with equal populations (MIG2 and MIG3, FIN1 and SP1 …) or equal
// weights (DIS1 and DIS2) hold one copy of them.
func (s *unitSet) share() {
	var done []*column
	for _, col := range s.cols {
		if col == nil {
			continue
		}
		for _, o := range done {
			if col.list != nil && slices.Equal(col.list, o.list) {
				col.list = o.list
			}
			if col.bits != nil && slices.Equal(col.bits, o.bits) {
				col.bits = o.bits
			}
			if col.w != nil && o.w != nil && col.w.equal(o.w) {
				col.w = o.w
			}
		}
		done = append(done, col)
	}
}

// bytes is the memory the set holds (a slice that columns share counted once).
func (s *unitSet) bytes() int {
	seen := map[uintptr]bool{}
	n := 0
	count := func(p uintptr, size int) {
		if size > 0 && !seen[p] {
			seen[p] = true
			n += size
		}
	}
	count(uintptr(unsafe.Pointer(unsafe.SliceData(s.psu.ends))), s.psu.bytes())
	count(uintptr(unsafe.Pointer(unsafe.SliceData(s.weight.ends))), s.weight.bytes())
	for _, p := range s.code {
		if p != nil {
			count(uintptr(unsafe.Pointer(unsafe.SliceData(p.words))), p.bytes())
		}
	}
	for _, col := range s.cols {
		if col == nil {
			continue
		}
		count(uintptr(unsafe.Pointer(unsafe.SliceData(col.bits))), cap(col.bits)*8)
		count(uintptr(unsafe.Pointer(unsafe.SliceData(col.list))), cap(col.list)*4)
		count(uintptr(unsafe.Pointer(unsafe.SliceData(col.yb))), cap(col.yb)*8)
		for _, v := range []*floats{col.y, col.x, col.w} {
			if v != nil {
				count(uintptr(unsafe.Pointer(v)), v.bytes())
			}
		}
	}
	return n
}

// add puts every population unit into the total and its breakdown cells
// (takes them out of them for a set of removed units): d1, d2 are the units'
// codes of the requested dimensions (nil if fewer).
func (s *unitSet) add(acc *estimate.Accumulator, col *column, d1, d2 *packed, stride int, b *entryBatch) {
	sw, n := 1.0, int64(1)
	if s.neg {
		sw, n = -1, -1
	}
	for wk := s.walk(col); wk.next(b); {
		for j, u := range b.unit[:b.n] {
			p := int(b.psu[j])
			w, y, x := b.w[j]*sw, b.y[j], b.x[j]
			acc.AddN(p, 0, w, y, x, n)
			switch {
			case d2 != nil:
				c1, c2 := d1.at(int(u)), d2.at(int(u))
				if c1 > 0 {
					acc.AddN(p, c1*stride, w, y, x, n)
				}
				if c2 > 0 {
					acc.AddN(p, c2, w, y, x, n)
					if c1 > 0 {
						acc.AddN(p, c1*stride+c2, w, y, x, n)
					}
				}
			case d1 != nil:
				if c1 := d1.at(int(u)); c1 > 0 {
					acc.AddN(p, c1, w, y, x, n)
				}
			}
		}
	}
}

// addYear counts n rows of an interview period (escaped as in the facts), once per run of
// rows: the map stores the key of each assignment, and a substring would keep its row.
func addYear(years map[string]int, period string, n int) {
	years[strings.Clone(unescape(period))] += n
}

// readLevel decodes every facts row of one unit level: the PSUs of all rows
// (numbered by b), codes of the requested dimensions, and the entries of the
// requested indicators of that level (level lists them in facts order).
// Years count the rows' periods (down for removed rows, neg); hint keeps the
// sizes for the next full read; keys holds the codes b keeps (keys.go).
func (c *Catalog) readLevel(each func(func(string) error) error, level []*Indicator, wantInd []bool,
	codes []*codebook, years map[string]int, b *estimate.Builder, keys *keyArena, neg, hint bool) (*unitSet, error) {
	s := &unitSet{neg: neg, cols: make([]*column, len(c.Indicators)), code: make([]*packed, len(codes))}
	guess := func(i int) int {
		if !hint {
			return 0
		}
		return int(c.sizeHint[i].Load())
	}
	rowsGuess := guess(len(c.Indicators) + unitLevel(level))
	for _, in := range level {
		if wantInd[in.index] {
			s.cols[in.index] = newColumn(in, guess(in.index), rowsGuess)
		}
	}
	var dims []int // positions of the asked dimensions
	for pos, cb := range codes {
		if cb != nil {
			dims = append(dims, pos)
			s.code[pos] = newPacked()
		}
	}
	sign := 1
	if neg {
		sign = -1
	}
	var (
		stale               int
		staleSample         string
		lastStratum, lastPS string
		lastPSU             = -1
		lastPeriod          string
		periodRun           int
		lastWeightText      = "\x00"
		lastWeight          float64
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
		u := int32(s.rows)
		s.rows++
		// Rows of one PSU usually come together: skip the map lookup.
		if lastPSU < 0 || r.stratum != lastStratum || r.psu != lastPS {
			lastStratum, lastPS = r.stratum, r.psu
			// Copies: the Builder keeps a new PSU's codes, which must not keep the row.
			known := b.NumPSUs()
			stratum, psu := keys.keep(unescape(r.stratum)), keys.keep(unescape(r.psu))
			lastPSU = b.PSU(stratum, psu)
			if b.NumPSUs() == known { // not kept: a PSU seen before (and so its stratum)
				keys.drop(psu)
				keys.drop(stratum)
			}
		}
		s.psu.push(int32(lastPSU))
		// Count periods in runs: a map update per row would cost more than
		// the rest of the row.
		if r.period != lastPeriod {
			if periodRun > 0 && lastPeriod != "" {
				addYear(years, lastPeriod, sign*periodRun)
			}
			lastPeriod, periodRun = r.period, 0
		}
		periodRun++
		if len(dims) > 0 {
			f, at := r.codes, 0 // walk the codes once for all asked dimensions
			for _, pos := range dims {
				for ; at < pos; at++ {
					f = afterComma(f)
				}
				s.code[pos].push(codes[pos].index(firstField(f)))
			}
		}
		if r.entries == "" {
			s.weight.again()
			return nil
		}
		// The rows of a household, often of a PSU, share the weight.
		if r.weight != lastWeightText {
			w, err := strconv.ParseFloat(r.weight, 64)
			if err != nil {
				return fmt.Errorf("indicators: facts row with entries has no weight: %q", sample(facts))
			}
			lastWeightText, lastWeight = r.weight, w
		}
		s.weight.push(math.Float64bits(lastWeight))
		return s.entries(r.entries, u, lastWeight, level)
	})
	if err != nil {
		return nil, err
	}
	if periodRun > 0 && lastPeriod != "" {
		addYear(years, lastPeriod, sign*periodRun)
	}
	if stale > 0 {
		return nil, &StaleError{Rows: stale, Sample: staleSample}
	}
	s.tidy()
	if !hint {
		return s, nil
	}
	// The next request will see about as many entries: size its columns
	// from the start instead of growing them (a tenth more for growth).
	for _, col := range s.cols {
		if col != nil {
			c.sizeHint[col.in.index].Store(int64(col.n + col.n/10))
		}
	}
	c.sizeHint[len(c.Indicators)+unitLevel(level)].Store(int64(s.rows + s.rows/10))
	return s, nil
}

// entries appends a row's indicator entries ("ID=y[,x[,w]];...") to the
// requested columns. Entries follow catalog order, so the indicator is
// found by moving a cursor along level instead of a map lookup.
func (s *unitSet) entries(e string, u int32, weight float64, level []*Indicator) error {
	k := 0
	var vals [3]float64
	for i := 0; i < len(e); {
		eq := i
		for eq < len(e) && e[eq] != '=' {
			eq++
		}
		if eq == i || eq == len(e) {
			return fmt.Errorf("indicators: bad facts entries %q", sample(e))
		}
		id := e[i:eq]
		i = eq + 1
		start := k
		key := idKey(id)
		for k < len(level) && (level[k].key != key || level[k].ID != id) {
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
			for i < len(e) && e[i] != ';' {
				i++
			}
			i++
			continue
		}
		n := 0
		for {
			j := i
			for j < len(e) && e[j] != ',' && e[j] != ';' {
				j++
			}
			v, ok := parseNum(e[i:j])
			if !ok || n == len(vals) || math.IsNaN(v) {
				return fmt.Errorf("indicators: bad facts entry for %s in %q", id, sample(e))
			}
			vals[n] = v
			n++
			i = j + 1
			if j >= len(e) || e[j] == ';' {
				break
			}
		}
		if err := col.push(u, vals[:n], weight); err != nil {
			return err
		}
	}
	return nil
}

// unitLevel is 0 for households, 1 for persons (index of the row count
// hint after the indicators' hints).
func unitLevel(level []*Indicator) int {
	if len(level) > 0 && level[0].Unit == Person {
		return 1
	}
	return 0
}

// idKey packs an id of up to 8 bytes into an integer, so that finding an
// entry's indicator compares integers (0 for longer ids: then the strings
// are compared).
func idKey(id string) uint64 {
	if len(id) > 8 {
		return 0
	}
	var k uint64
	for i := 0; i < len(id); i++ {
		k = k<<8 | uint64(id[i])
	}
	return k
}
