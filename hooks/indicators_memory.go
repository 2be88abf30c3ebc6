package hooks

import (
	"runtime/debug"
	"strconv"

	"github.com/pocketbase/dbx"
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
