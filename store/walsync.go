package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// How a group is made durable. SQLite in WAL mode with synchronous=FULL syncs the WAL
// inside COMMIT, while it holds the write lock: every writer then waits for the disk
// (~4 ms here) once per group. Instead the group commits at PocketBase's level (NORMAL: the
// WAL frames are written to the file, not synced), the writer connection is handed to the
// next group at once, and the leader then syncs the WAL file itself and only then answers
// its requests. A sync makes durable everything written to the file before it began, so
// each answer still follows a sync that covers its commit, while the next group's inserts
// run during this group's sync. Should SQLite checkpoint and restart the WAL meanwhile,
// the frames were first copied into the database file and that file synced (a checkpoint
// syncs in NORMAL mode too). The WAL is opened by name for every sync, so a WAL file
// deleted and made anew is never an old file descriptor's.

// walPath is the WAL file of the writer connection's main database, or "" when it does not
// run in WAL mode on a file (then commits use synchronous=FULL, see commitGroup).
func walPath(ctx context.Context, db *sql.DB) (string, error) {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return "", fmt.Errorf("store: journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return "", nil
	}
	rows, err := db.QueryContext(ctx, "PRAGMA database_list")
	if err != nil {
		return "", fmt.Errorf("store: database list: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var name, file string
		if err := rows.Scan(&seq, &name, &file); err != nil {
			return "", fmt.Errorf("store: database list: %w", err)
		}
		if name == "main" && file != "" {
			return file + "-wal", nil
		}
	}
	return "", rows.Err()
}

// syncWAL makes the WAL file durable (fdatasync: its data and size).
func syncWAL(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("store: open the WAL to sync it: %w", err)
	}
	defer f.Close()
	if err := syscall.Fdatasync(int(f.Fd())); err != nil {
		return fmt.Errorf("store: sync the WAL: %w", err)
	}
	return nil
}

// Reads of what a group wrote. A group's rows are visible to other connections from its
// COMMIT, a few milliseconds before its WAL sync ends; a request answered only from a read
// (a byte-identical resend: `exists`) must not tell a device that rows are stored before
// they are on disk. Each group takes a number before it commits (commitGen) and, once its
// sync has returned, raises syncedGen to it: groups commit one after another on the one
// writer connection, so a sync that began after group k's COMMIT covers every group before
// k as well.

// SyncCommitted returns once every commit this store made before the call is on disk:
// at once when the syncs of all of them have returned, else after one more sync of the WAL.
// Call it after a read whose answer says that something is stored.
func (s *Store) SyncCommitted() error {
	if s.wal == "" || s.syncedGen.Load() >= s.commitGen.Load() {
		return nil // without a WAL file to sync, COMMIT synced (synchronous=FULL)
	}
	s.barrierSyncs.Add(1)
	return syncWAL(s.wal)
}

// synced notes that the sync after commit gen returned.
func (s *Store) synced(gen int64) {
	for {
		cur := s.syncedGen.Load()
		if cur >= gen || s.syncedGen.CompareAndSwap(cur, gen) {
			return
		}
	}
}
