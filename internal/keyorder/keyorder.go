// Package keyorder sorts the keys of an answers object, which the content hash and the
// stored JSON both write in byte order. A household's objects have a few dozen short keys;
// sorting them as strings (slices.Sort) was most of the time of both writers: every
// comparison a call into the runtime's string compare, every move of a string a pointer
// write that needs the GC's write barrier while a collection runs. Here the keys are
// ordered by their first eight bytes as a number, and only keys equal there are compared
// as strings; what moves is a byte index, not the strings.
package keyorder

import (
	"encoding/binary"
	"slices"
)

// Max is the most keys Order orders itself; past it, it leaves keys to slices.Sort.
const Max = 64

// Order returns the positions of keys in byte order of the keys (slices.Sort's order), in
// idx. With more than Max keys it sorts keys in place with slices.Sort and returns
// nil: the caller then writes keys in their (new) order.
func Order(keys []string, idx *[Max]uint8) []uint8 {
	n := len(keys)
	if n > Max {
		slices.Sort(keys)
		return nil
	}
	var pre [Max]uint64
	for i, k := range keys {
		pre[i] = prefix(k)
	}
	out := idx[:n]
	for i := range out {
		out[i] = uint8(i)
	}
	// Insertion sort: a few dozen keys, numbers compared, bytes moved.
	for i := 1; i < n; i++ {
		x := out[i]
		px := pre[x]
		j := i
		for j > 0 {
			y := out[j-1]
			if py := pre[y]; py < px || (py == px && keys[y] <= keys[x]) {
				break
			}
			out[j] = y
			j--
		}
		out[j] = x
	}
	return out
}

// prefix is the first eight bytes of k as a big-endian number, short keys padded with zero
// bytes: a < b in byte order implies prefix(a) <= prefix(b), and equal prefixes are
// compared as strings.
func prefix(k string) uint64 {
	if len(k) >= 8 {
		return binary.BigEndian.Uint64([]byte(k[:8]))
	}
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

// Key is the i-th key of keys in byte order, given what Order returned for them (nil: keys
// are sorted in place already).
func Key(keys []string, order []uint8, i int) string {
	if order != nil {
		return keys[order[i]]
	}
	return keys[i]
}
