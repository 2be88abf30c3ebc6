package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
)

// The server's memory is bounded in two places, for a field office's small machine (2 cores,
// a few GB shared with other work), where one survey may hold a million households:
//
//   - Go's heap gets a soft limit (defaultMemoryLimit) unless GOMEMLIMIT sets one: near it the
//     collector runs more often instead of letting transient work (the first read of the
//     indicator facts, an export) double the heap. It costs CPU only when the live heap comes
//     near the limit; it never fails an allocation.
//   - SQLite's page cache is per connection (PocketBase keeps up to 15 idle readers for 3
//     minutes, each with the cache it filled): a reader's is 8 MB, the one writer's 32 MB (its
//     hot index pages make pushes faster); FIELDBASE_SQLITE_CACHE_MB sets the readers'.
//     A page a reader does not find is read from the operating system's file cache.
//     Resident, a full cache is about twice its size: the SQLite driver's allocator
//     (modernc.org/memory) puts each 4 KiB page with its header in an 8 KiB slot (a reader's
//     ~15 MB, the writer's ~60 MB; docs/performance.md, "Peak RSS of the export").

// defaultMemoryLimit is the soft limit of Go's heap when GOMEMLIMIT is not set.
const defaultMemoryLimit = 320 << 20

// setMemoryLimit applies defaultMemoryLimit unless GOMEMLIMIT is set (Go reads it itself).
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
}

// Page cache sizes (KiB) of SQLite connections.
const (
	readerCacheKiB = 8000
	writerCacheKiB = 32000
)

var dbOpens = struct {
	sync.Mutex
	n map[string]int
}{n: map[string]int{}}

// cacheSizeKiB is the page cache of the connections of the pool being opened on dbPath.
// PocketBase v0.40.4 opens a database's concurrent pool (readers) first, then its
// nonconcurrent pool (one connection, the writer), at every bootstrap (core/base.go,
// initDataDB). Only data.db's writer gets the large cache (auxiliary.db holds logs). Were
// that order to change, only the sizes would be swapped.
func cacheSizeKiB(dbPath string) int {
	dbOpens.Lock()
	defer dbOpens.Unlock()
	dbOpens.n[dbPath]++
	if dbOpens.n[dbPath]%2 == 0 && filepath.Base(dbPath) == "data.db" {
		return writerCacheKiB
	}
	if mb, err := strconv.Atoi(os.Getenv("FIELDBASE_SQLITE_CACHE_MB")); err == nil && mb > 0 {
		return mb * 1000
	}
	return readerCacheKiB
}
