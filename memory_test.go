package main

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/pocketbase/pocketbase"
)

// TestPageCaches: a server's readers get the small page cache and its one writer the large
// one, on the connections PocketBase opens with dbConnect.
func TestPageCaches(t *testing.T) {
	app := pocketbase.NewWithConfig(pocketbase.Config{DBConnect: dbConnect, DefaultDataDir: t.TempDir()})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	for _, c := range []struct {
		name string
		got  func() (int64, error)
		want int64
	}{
		{"reader (ConcurrentDB)", func() (n int64, err error) {
			return n, app.ConcurrentDB().NewQuery("PRAGMA cache_size").Row(&n)
		}, -readerCacheKiB},
		{"writer (NonconcurrentDB)", func() (n int64, err error) {
			return n, app.NonconcurrentDB().NewQuery("PRAGMA cache_size").Row(&n)
		}, -writerCacheKiB},
		{"auxiliary writer", func() (n int64, err error) {
			return n, app.AuxNonconcurrentDB().NewQuery("PRAGMA cache_size").Row(&n)
		}, -readerCacheKiB},
	} {
		n, err := c.got()
		if err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("%s: cache_size %d, want %d", c.name, n, c.want)
		}
	}
}

// TestMemoryLimit: Go's heap gets the default soft limit unless GOMEMLIMIT names one.
func TestMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)

	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(math.MaxInt64)
	setMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != defaultMemoryLimit {
		t.Errorf("without GOMEMLIMIT: limit %d, want %d", got, defaultMemoryLimit)
	}
	t.Setenv("GOMEMLIMIT", "1GiB") // read by the runtime at start: here only its presence counts
	debug.SetMemoryLimit(1 << 30)
	setMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT=1GiB: limit %d, want it left at %d", got, 1<<30)
	}
}
