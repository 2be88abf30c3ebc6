package estimate

// Design is the stratum/PSU structure of every unit of one survey design
// (all households, or all persons), whether or not a unit belongs to any
// indicator's population: R counts a stratum's PSUs on the full design, and
// so must we. PSUs are dense indices 0..NumPSUs()-1 handed out by a Builder.
// A Design is immutable and safe for concurrent use.
type Design struct {
	psuStratum  []int32   // stratum index of each PSU
	stratumPSUs [][]int32 // PSU indices of each stratum
}

// NumPSUs is the number of distinct (stratum, PSU) pairs.
func (d *Design) NumPSUs() int { return len(d.psuStratum) }

// NumStrata is the number of distinct strata.
func (d *Design) NumStrata() int { return len(d.stratumPSUs) }

// Builder interns (stratum, PSU) labels into PSU indices. PSU labels are
// only unique within a stratum (R's nest = TRUE): PSU "1" of stratum "A"
// and PSU "1" of stratum "B" are different PSUs.
type Builder struct {
	strata map[string]int32
	psus   map[psuKey]int
	d      Design
}

type psuKey struct {
	stratum int32
	psu     string
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{strata: map[string]int32{}, psus: map[psuKey]int{}}
}

// PSU returns the PSU index of a unit in the given stratum and PSU, adding
// the PSU (and stratum) on first sight. Call it once for every unit of the
// design, then use the index in Accumulator.Add.
func (b *Builder) PSU(stratum, psu string) int {
	h, ok := b.strata[stratum]
	if !ok {
		h = int32(len(b.d.stratumPSUs))
		b.strata[stratum] = h
		b.d.stratumPSUs = append(b.d.stratumPSUs, nil)
	}
	k := psuKey{h, psu}
	i, ok := b.psus[k]
	if !ok {
		i = len(b.d.psuStratum)
		b.psus[k] = i
		b.d.psuStratum = append(b.d.psuStratum, h)
		b.d.stratumPSUs[h] = append(b.d.stratumPSUs[h], int32(i))
	}
	return i
}

// Design returns the design seen so far. Later PSU calls do not change it.
func (b *Builder) Design() *Design {
	d := &Design{
		psuStratum:  append([]int32(nil), b.d.psuStratum...),
		stratumPSUs: make([][]int32, len(b.d.stratumPSUs)),
	}
	for h, p := range b.d.stratumPSUs {
		d.stratumPSUs[h] = append([]int32(nil), p...)
	}
	return d
}

// DesignLive is Design without the PSUs that have no unit any more (units[i] is
// the number of units of PSU i; a PSU past the end of units has none): a stratum
// counts the PSUs that hold units, as R does on the data it is given. PSU
// indices stay those of the Builder.
func (b *Builder) DesignLive(units []int32) *Design {
	d := &Design{
		psuStratum:  append([]int32(nil), b.d.psuStratum...),
		stratumPSUs: make([][]int32, len(b.d.stratumPSUs)),
	}
	for h, ps := range b.d.stratumPSUs {
		for _, p := range ps {
			if int(p) < len(units) && units[p] > 0 {
				d.stratumPSUs[h] = append(d.stratumPSUs[h], p)
			}
		}
	}
	return d
}

// NumPSUs is the number of PSUs handed out so far.
func (b *Builder) NumPSUs() int { return len(b.d.psuStratum) }
