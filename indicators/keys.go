package indicators

import "unsafe"

// keyArena holds the texts a snapshot keeps from the rows it reads: the stratum and PSU codes
// its design maps by (estimate.Builder keeps the strings it is given). A code cut from a row
// is a substring of the row's text, so keeping it would keep the whole row; a copy of its own
// is a small object among the millions of row texts collected around it, and each such copy
// keeps the page of the heap it is on from being reused (at a million households, ~66,000
// codes kept tens of MB of otherwise empty heap pages resident). In the arena the codes lie
// side by side in a few blocks instead.
//
// An arena belongs to one level of a snapshot and the snapshots Apply makes from it (under
// the level's mutex): an update adds its few new codes to the last block rather than to a
// block of its own.
type keyArena struct {
	block []byte // bytes before len(block) are never written again
}

// Blocks grow from keyBlockMin to keyBlockMax: a design of a few PSUs keeps a few hundred
// bytes, one of tens of thousands a block of keyBlockMax per ~6,000 codes.
const (
	keyBlockMin = 1 << 10
	keyBlockMax = 64 << 10
)

// keep returns a copy of s stored in the arena.
func (a *keyArena) keep(s string) string {
	if len(s) == 0 {
		return ""
	}
	if len(s) > cap(a.block)-len(a.block) {
		size := min(max(2*cap(a.block), keyBlockMin), keyBlockMax)
		a.block = make([]byte, 0, max(size, len(s)))
	}
	start := len(a.block)
	a.block = append(a.block, s...)
	return unsafe.String(&a.block[start], len(s))
}

// drop takes back the last keep when it returned s and nothing holds s: the Builder already
// had the PSU (the codes are copied before it says so).
func (a *keyArena) drop(s string) {
	n := len(a.block) - len(s)
	if len(s) > 0 && n >= 0 && unsafe.StringData(s) == &a.block[n] {
		a.block = a.block[:n]
	}
}
