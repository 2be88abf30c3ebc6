package indicators

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestPackedCodes: codes read back as pushed while the width grows from 0 to 8 bits
// along the way (a code the catalog does not list can come late).
func TestPackedCodes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := newPacked()
	var want []uint8
	for i := 0; i < 5000; i++ {
		var c uint8
		switch {
		case i < 300: // zeros only: width 0
		case i < 1000:
			c = uint8(r.IntN(2))
		case i < 3000:
			c = uint8(r.IntN(7))
		default:
			c = uint8(r.IntN(256))
		}
		p.push(c)
		want = append(want, c)
		if i == 299 && p.mask != 0 {
			t.Fatalf("zeros only: mask %d, want 0", p.mask)
		}
	}
	if p.mask != 255 {
		t.Errorf("mask %d after codes up to 255, want 255", p.mask)
	}
	units := make([]int32, len(want))
	for u, c := range want {
		if got := p.at(u); got != int(c) {
			t.Fatalf("unit %d: code %d, want %d", u, got, c)
		}
		units[u] = int32(u)
	}
	out := make([]uint8, len(want))
	p.unpack(out, units)
	for u, c := range want {
		if out[u] != c {
			t.Fatalf("unpack: unit %d: code %d, want %d", u, out[u], c)
		}
	}
	if p.bytes() > 2*5000 {
		t.Errorf("%d bytes for 5000 codes of 8 bits", p.bytes())
	}
}

// TestFloatsExact: values come back with the same bits, as small integers (of the unit's
// weight, for a weight) while they are, as float64 once one is not.
func TestFloatsExact(t *testing.T) {
	uw := []float64{123.456, 0.1, 77, 1e-300, 3.3}
	ints := newFloats(0, false)
	mults := newFloats(0, true)
	mixed := newFloats(0, true)
	var wantM, wantX []float64
	for i := 0; i < 1000; i++ {
		w := uw[i%len(uw)]
		ints.push(float64(i%500), w)
		m := w * float64(i%9)
		mults.push(m, w)
		wantM = append(wantM, m)
		x := m
		if i == 600 {
			x = w * 2.5 // not a whole multiple
		}
		mixed.push(x, w)
		wantX = append(wantX, x)
	}
	for _, v := range []*floats{ints, mults, mixed} {
		v.tidy()
	}
	if ints.f != nil || mults.f != nil || mixed.f == nil {
		t.Fatalf("forms: ints float64 %v, multiples float64 %v, mixed float64 %v", ints.f != nil, mults.f != nil, mixed.f != nil)
	}
	for i := 0; i < 1000; i++ {
		w := uw[i%len(uw)]
		if got := ints.at(i, w); got != float64(i%500) {
			t.Fatalf("integer %d: %v", i, got)
		}
		if got := mults.at(i, w); math.Float64bits(got) != math.Float64bits(wantM[i]) {
			t.Fatalf("multiple %d: %v, want %v", i, got, wantM[i])
		}
		if got := mixed.at(i, w); math.Float64bits(got) != math.Float64bits(wantX[i]) {
			t.Fatalf("mixed %d: %v, want %v", i, got, wantX[i])
		}
	}
}

// TestColumnForms: a sparse population is kept as a list of units, a dense one as a
// bitset, and both walk the same entries with their values in unit order.
func TestColumnForms(t *testing.T) {
	_, c := mhs(t)
	in := c.byID["MIG1"] // a mean: y as floats
	for _, every := range []int{1, 3, 40, 1000} {
		s := &unitSet{cols: make([]*column, len(c.Indicators))}
		col := newColumn(in, 0, 0)
		var units []int32
		var ys []float64
		for u := int32(0); u < 20000; u++ {
			s.psu.push(u / 100)
			s.weight.push(math.Float64bits(float64(1 + u/100)))
			if int(u)%every == 0 {
				y := float64(u) / 7
				if err := col.push(u, []float64{y}, float64(1+u/100)); err != nil {
					t.Fatal(err)
				}
				units, ys = append(units, u), append(ys, y)
			}
		}
		col.tidy()
		if sparse := every >= 40; (col.list != nil) != sparse || (col.bits != nil) == sparse {
			t.Errorf("one unit in %d: list %v, bitset %v", every, col.list != nil, col.bits != nil)
		}
		var b entryBatch
		i := 0
		for wk := s.walk(col); wk.next(&b); {
			for j := 0; j < b.n; j++ {
				u := units[i]
				if b.unit[j] != u || b.psu[j] != u/100 || b.w[j] != float64(1+u/100) || b.y[j] != ys[i] || b.x[j] != 1 {
					t.Fatalf("one in %d, entry %d: unit %d psu %d w %v y %v x %v; want unit %d psu %d w %v y %v x 1",
						every, i, b.unit[j], b.psu[j], b.w[j], b.y[j], b.x[j], u, u/100, float64(1+u/100), ys[i])
				}
				i++
			}
		}
		if i != len(units) {
			t.Errorf("one in %d: %d entries walked, want %d", every, i, len(units))
		}
	}
	col := newColumn(in, 0, 0)
	if err := col.push(5, []float64{1}, 1); err != nil {
		t.Fatal(err)
	}
	if err := col.push(5, []float64{1}, 1); err == nil {
		t.Error("two entries of one unit: no error")
	}
}

// TestSnapshotBytesPerPerson: the snapshot of the shipped catalog holds a few bytes per
// person (it held about 60 when every entry kept its unit as an int32 and its values as
// float64); a change that makes it grow again fails here, not only in the benchmark.
func TestSnapshotBytesPerPerson(t *testing.T) {
	_, c := mhs(t)
	src := sourceOf(synthHouseholds(t, 3000, 9))
	snap, err := c.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	per := float64(snap.bytes()) / float64(len(src.members))
	t.Logf("%d persons, %d bytes of columns: %.1f bytes per person", len(src.members), snap.bytes(), per)
	if per > 12 {
		t.Errorf("%.1f bytes per person, want at most 12", per)
	}
	// MIG2 and MIG3 have one population, DIS1 and DIS2 one population and one weight.
	cols := snap.pp.sets[0].cols
	mig2, mig3 := cols[c.byID["MIG2"].index], cols[c.byID["MIG3"].index]
	dis1, dis2 := cols[c.byID["DIS1"].index], cols[c.byID["DIS2"].index]
	if unsafe.SliceData(mig2.bits) != unsafe.SliceData(mig3.bits) || unsafe.SliceData(dis1.bits) != unsafe.SliceData(dis2.bits) || dis1.w != dis2.w {
		t.Errorf("equal populations or weights are not shared: MIG2/MIG3 %v, DIS1/DIS2 %v, weights %v",
			unsafe.SliceData(mig2.bits) == unsafe.SliceData(mig3.bits), unsafe.SliceData(dis1.bits) == unsafe.SliceData(dis2.bits), dis1.w == dis2.w)
	}
}
