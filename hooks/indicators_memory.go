package hooks

import (
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/pocketbase/dbx"

	"fieldbase/indicators"
)

// The full read of a survey's facts passes once over every approved row: a large page
// cache would only keep pages that are not read again, and the texts it decodes are garbage
// as soon as the snapshot holds their values. So the read runs with a small cache on its
// connection, and the memory it churned goes back to the operating system after it.

// readCacheKiB is the page cache of the connection during a full read of the facts.
const readCacheKiB = 2000

// smallCache shrinks the page cache of tx's connection and returns what restores it.
func smallCache(tx *dbx.Tx) (restore func()) {
	var prev int64
	if tx.NewQuery("PRAGMA cache_size").Row(&prev) != nil || prev == 0 || prev == -readCacheKiB {
		return func() {}
	}
	if _, err := tx.NewQuery("PRAGMA cache_size = -" + strconv.Itoa(readCacheKiB)).Execute(); err != nil {
		return func() {}
	}
	return func() { tx.NewQuery("PRAGMA cache_size = " + strconv.FormatInt(prev, 10)).Execute() }
}

// bigRead is the rows of a full read from which its transient memory is handed back at once
// (one collection: tens of milliseconds, next to the seconds of such a read).
const bigRead = 200_000

// afterFullRead returns the memory a read of rows facts rows left unused to the system.
func afterFullRead(rows int) {
	if rows >= bigRead {
		debug.FreeOSMemory()
	}
}

// lastCompute is the snapshot whose first computation was last followed by a release.
var lastCompute atomic.Pointer[weak.Pointer[indicators.Snapshot]]

// afterCompute hands back, in the background, the memory the first computation on a large
// snapshot used for its sums (one accumulator of cells × PSUs per core: tens of MB for a
// million households), so that it does not stay resident until the next change; the other
// requests of a dashboard are answered from the kept cells.
func afterCompute(snap *indicators.Snapshot) {
	if snap.Households()+snap.Members() < bigRead {
		return
	}
	w := weak.Make(snap)
	if old := lastCompute.Swap(&w); old != nil && *old == w {
		return
	}
	go debug.FreeOSMemory()
}

// An export holds the indicator snapshot (tens of MB for a million households) and its
// own buffers while it allocates and drops a stream of rows: with Go's default GOGC of 100
// the heap may reach twice what is live, snapshot included. While an export runs the
// collector is asked to run at a quarter of the live heap instead (exportGCPercent): a few
// percent more CPU for the export (19.2 s instead of 18.5 s at 300,000 households), a third
// less peak memory (91 MB instead of 124 MB). GOGC set in the environment is left alone.
const exportGCPercent = 25

var tightGC struct {
	sync.Mutex
	n    int // exports running
	prev int
}

// tightenGC lowers GOGC for an export and returns what restores it (after the last of
// concurrent exports).
func tightenGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	tightGC.Lock()
	defer tightGC.Unlock()
	if tightGC.n == 0 {
		tightGC.prev = debug.SetGCPercent(exportGCPercent)
	}
	tightGC.n++
	return func() {
		tightGC.Lock()
		defer tightGC.Unlock()
		if tightGC.n--; tightGC.n == 0 {
			debug.SetGCPercent(tightGC.prev)
		}
	}
}
