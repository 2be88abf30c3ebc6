// Package replica replicates the server's SQLite database continuously to a replica
// location with Litestream (github.com/benbjohnson/litestream, used as a library) and
// restores it from there. A replica is a directory here (local disk, a mounted network
// share); Litestream's other clients (S3, SFTP, …) plug in the same way.
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
)

// Replicator streams one database's changes to a replica directory.
type Replicator struct {
	db    *litestream.DB
	store *litestream.Store
}

// Start opens the database at dbPath (created by the server, in WAL mode) for replication
// to dir and starts shipping its changes in the background.
func Start(ctx context.Context, dbPath, dir string, logger *slog.Logger) (*Replicator, error) {
	if dir == "" {
		return nil, errors.New("replica: no replica directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	db := litestream.NewDB(dbPath)
	if logger != nil {
		db.SetLogger(logger)
	}
	client := file.NewReplicaClient(abs)
	r := litestream.NewReplicaWithClient(db, client)
	db.Replica = r
	client.Replica = r
	levels := litestream.CompactionLevels{{Level: 0}, {Level: 1, Interval: 10 * time.Minute}, {Level: 2, Interval: time.Hour}}
	store := litestream.NewStore([]*litestream.DB{db}, levels)
	if err := store.Open(ctx); err != nil {
		return nil, fmt.Errorf("replica: open %s: %w", dbPath, err)
	}
	return &Replicator{db: db, store: store}, nil
}

// Sync ships every committed transaction to the replica and returns when the replica has
// it: a change acknowledged after Sync survives the loss of the server's disk.
func (r *Replicator) Sync(ctx context.Context) error {
	if err := r.db.SyncAndWait(ctx); err != nil {
		return fmt.Errorf("replica: sync: %w", err)
	}
	return nil
}

// Close ships what is left and stops.
func (r *Replicator) Close(ctx context.Context) error {
	return r.store.Close(ctx)
}

// Restore writes the database held in the replica directory dir to outPath, which must not
// exist yet.
func Restore(ctx context.Context, dir, outPath string) error {
	if _, err := os.Stat(outPath); err == nil {
		return fmt.Errorf("replica: %s exists: restore into an empty data dir", outPath)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(outPath), 0o700); err != nil {
		return err
	}
	client := file.NewReplicaClient(abs)
	r := litestream.NewReplicaWithClient(nil, client)
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = outPath
	if err := r.Restore(ctx, opt); err != nil {
		return fmt.Errorf("replica: restore from %s: %w", abs, err)
	}
	return nil
}
