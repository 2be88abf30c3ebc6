package indicators

import (
	"runtime"
	"strings"
	"testing"
	"unsafe"
	"weak"
)

// TestKeyArena: kept codes are copies laid side by side in shared blocks that grow, and drop
// takes back only the last one.
func TestKeyArena(t *testing.T) {
	var a keyArena
	src := []byte("PSU-0001")
	k1 := a.keep(string(src))
	src[0] = 'X'
	if k1 != "PSU-0001" {
		t.Fatalf("kept %q, want a copy PSU-0001", k1)
	}
	k2 := a.keep("S2")
	if unsafe.StringData(k2) != (*byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(k1)), len(k1))) {
		t.Fatal("two codes kept one after the other are not side by side in one block")
	}
	a.drop(k1) // not the last: stays
	a.drop(k2)
	k3 := a.keep("R3")
	if k1 != "PSU-0001" || unsafe.StringData(k3) != unsafe.StringData(k2) {
		t.Fatalf("drop: first %q, the dropped code's bytes reused: %v", k1, unsafe.StringData(k3) == unsafe.StringData(k2))
	}
	// Fill well past the first block: blocks double up to keyBlockMax, and a code longer
	// than a block still gets one of its own.
	var caps []int
	for i := 0; i < 20000; i++ {
		before := cap(a.block)
		a.keep("psu-12345")
		if cap(a.block) != before {
			caps = append(caps, cap(a.block))
		}
	}
	if caps[0] != 2*keyBlockMin || caps[len(caps)-1] != keyBlockMax {
		t.Fatalf("block sizes %v: want doubling from %d up to %d", caps, 2*keyBlockMin, keyBlockMax)
	}
	long := strings.Repeat("x", keyBlockMax+1)
	if got := a.keep(long); got != long {
		t.Fatal("a code longer than a block is not kept whole")
	}
	if a.keep("") != "" {
		t.Fatal("empty code")
	}
}

// freshSource gives each row as a string of its own and holds a weak pointer to each, so a
// test can see which rows are still reachable once the snapshot is made.
type freshSource struct {
	hh, members []string
	rows        []weak.Pointer[byte]
}

func (f *freshSource) each(rows []string, fn func(string) error) error {
	for _, r := range rows {
		s := string([]byte(r)) // a new object, as a row read from SQLite is
		f.rows = append(f.rows, weak.Make(unsafe.StringData(s)))
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func (f *freshSource) Households(fn func(string) error) error { return f.each(f.hh, fn) }
func (f *freshSource) Members(fn func(string) error) error    { return f.each(f.members, fn) }

// TestSnapshotKeepsNoRow: a snapshot keeps none of the rows it was read from (the design's
// PSU and stratum codes, the periods and the dimension codes are copies), nor the rows an
// Apply read. A kept substring would keep its whole row, and at a million households the
// rows kept this way pinned tens of MB of heap pages.
func TestSnapshotKeepsNoRow(t *testing.T) {
	_, c := mhs(t)
	all := synthHouseholds(t, 400, 5)
	src := &freshSource{}
	for _, h := range all[:300] {
		src.hh = append(src.hh, h.hh)
		src.members = append(src.members, h.members...)
	}
	snap, err := c.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	add := &freshSource{}
	for _, h := range all[300:] {
		add.hh = append(add.hh, h.hh)
		add.members = append(add.members, h.members...)
	}
	next, err := snap.Apply(&freshSource{}, add)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.GC()
	for _, f := range []*freshSource{src, add} {
		kept := 0
		for _, w := range f.rows {
			if w.Value() != nil {
				kept++
			}
		}
		if len(f.rows) == 0 || kept > 0 {
			t.Errorf("%d of %d rows still reachable after the read", kept, len(f.rows))
		}
	}
	if next.Households() != 400 || snap.Households() != 300 {
		t.Fatalf("households %d and %d, want 300 and 400", snap.Households(), next.Households())
	}
	runtime.KeepAlive(snap)
	runtime.KeepAlive(next)
}
