package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
)

// Store holds the prepared statements on PocketBase's two pools: the single writer
// connection and the concurrent read pool.
type Store struct {
	w, r *sql.DB
	ws   writeStmts
	rs   readStmts

	syncs atomic.Int64 // commits made durable (synchronous=FULL), for tests and the bench
}

// Statements on the writer, used inside Write.
type writeStmts struct {
	byUUID, byContent, inPSU, supersedable, uuidOf                         *sql.Stmt
	insertSubmission, insertMember, insertEmigrant, insertReview           *sql.Stmt
	supersedeSubmission, supersedeMembers, supersedeEmigrants, nextSubmSeq *sql.Stmt
	savepoint, release, rollbackTo                                         *sql.Stmt
}

// Statements on the read pool (each pooled connection prepares them once).
type readStmts struct {
	byUUID, uuidOf, assignment *sql.Stmt
}

const (
	byUUIDSQL = `SELECT id, content_hash, status, errors, warnings, duplicate_of, flags, enumerator, team
		FROM submissions WHERE uuid = ? ORDER BY created`
	uuidOfSQL = `SELECT uuid, enumerator FROM submissions WHERE id = ?`
)

// Open prepares every statement; call it once the migrations have run. An error leaves
// nothing prepared, so the caller can try again later (no error is cached).
func Open(ctx context.Context, writer, reader *sql.DB) (*Store, error) {
	s := &Store{w: writer, r: reader}
	writes := []struct {
		dst *(*sql.Stmt)
		sql string
	}{
		{&s.ws.byUUID, byUUIDSQL},
		{&s.ws.uuidOf, uuidOfSQL},
		{&s.ws.byContent, `SELECT id, uuid, enumerator, team FROM submissions
			WHERE form_id = ? AND content_hash = ? AND status NOT IN ('duplicate','superseded')
			ORDER BY enumerator = ? DESC LIMIT 1`},
		// Candidates for a probable duplicate: same PSU and either the same dwelling or a GPS
		// point inside a box around the new one (dedup.Compare then measures the distance).
		{&s.ws.inPSU, `SELECT id, uuid, a_dwelling, lat, lon, gps_accuracy, head_key, roster_sig, enumerator, team FROM submissions
			WHERE form_id = ? AND a_psu = ? AND status NOT IN ('rejected','duplicate','superseded')
			AND (a_dwelling = ? OR (lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?)) LIMIT 500`},
		{&s.ws.supersedable, `SELECT id, status, enumerator FROM submissions WHERE uuid = ? ORDER BY created LIMIT 1`},
		{&s.ws.insertSubmission, insertSQL("submissions", submissionColumns)},
		{&s.ws.insertMember, insertSQL("members", memberColumns)},
		{&s.ws.insertEmigrant, insertSQL("emigrants", emigrantColumns)},
		{&s.ws.insertReview, insertSQL("reviews", reviewColumns)},
		{&s.ws.supersedeSubmission, `UPDATE submissions SET status = 'superseded', superseded_by = ?, seq = ?, updated = ? WHERE id = ?`},
		{&s.ws.supersedeMembers, `UPDATE members SET status = 'superseded' WHERE submission = ?`},
		{&s.ws.supersedeEmigrants, `UPDATE emigrants SET status = 'superseded' WHERE submission = ?`},
		{&s.ws.nextSubmSeq, SubmissionChangeSeq.NextSQL()},
		{&s.ws.savepoint, `SAVEPOINT item`},
		{&s.ws.release, `RELEASE item`},
		{&s.ws.rollbackTo, `ROLLBACK TO item`},
	}
	for _, st := range writes {
		p, err := writer.PrepareContext(ctx, st.sql)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("store: prepare %q: %w", firstLine(st.sql), err)
		}
		*st.dst = p
	}
	reads := []struct {
		dst *(*sql.Stmt)
		sql string
	}{
		{&s.rs.byUUID, byUUIDSQL},
		{&s.rs.uuidOf, uuidOfSQL},
		{&s.rs.assignment, `SELECT survey, enumerator, a_psu, a_dwelling, a_stratum, a_region, a_urban, a_weight
			FROM assignments WHERE id = ?`},
	}
	for _, st := range reads {
		p, err := reader.PrepareContext(ctx, st.sql)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("store: prepare on the read pool %q: %w", firstLine(st.sql), err)
		}
		*st.dst = p
	}
	return s, nil
}

func firstLine(q string) string {
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		q = q[:i]
	}
	if len(q) > 60 {
		q = q[:60]
	}
	return q
}

// Close releases the prepared statements.
func (s *Store) Close() {
	for _, st := range []*sql.Stmt{s.ws.byUUID, s.ws.byContent, s.ws.inPSU, s.ws.supersedable, s.ws.uuidOf,
		s.ws.insertSubmission, s.ws.insertMember, s.ws.insertEmigrant, s.ws.insertReview,
		s.ws.supersedeSubmission, s.ws.supersedeMembers, s.ws.supersedeEmigrants, s.ws.nextSubmSeq,
		s.ws.savepoint, s.ws.release, s.ws.rollbackTo, s.rs.byUUID, s.rs.uuidOf, s.rs.assignment} {
		if st != nil {
			st.Close()
		}
	}
}

// Syncs counts the durable commits made so far: one per Write that committed.
func (s *Store) Syncs() int64 { return s.syncs.Load() }

// ErrTxLost means the database ended the transaction itself (SQLite does so on some I/O
// errors and on a full disk): nothing of the Write is stored.
var ErrTxLost = errors.New("store: the database rolled the transaction back")

// Write runs fn in one transaction on the writer connection and commits it with the WAL
// synced to disk (PRAGMA synchronous=FULL for this commit; the connection's own level is
// restored afterwards, so PocketBase's other writes keep theirs). When Write returns nil,
// what fn wrote survives a power cut.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: writer connection: %w", err)
	}
	defer conn.Close()
	var level int
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil {
		return fmt.Errorf("store: read synchronous: %w", err)
	}
	// The level cannot change inside a transaction: set it before BEGIN.
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
		return fmt.Errorf("store: synchronous=FULL: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA synchronous = %d", level))
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	t := &Tx{s: s, tx: tx}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	s.syncs.Add(1)
	return nil
}

// Tx is a Write in progress.
type Tx struct {
	s  *Store
	tx *sql.Tx
}

func (t *Tx) stmt(ctx context.Context, st *sql.Stmt) *sql.Stmt { return t.tx.StmtContext(ctx, st) }

// Savepoint runs fn so that what it wrote is undone when it fails, and only that: the rest
// of the transaction stays. It returns fn's error, or ErrTxLost (wrapped) when the database
// rolled back the whole transaction, after which nothing more can be written in it.
func (t *Tx) Savepoint(ctx context.Context, fn func() error) error {
	if _, err := t.stmt(ctx, t.s.ws.savepoint).ExecContext(ctx); err != nil {
		return fmt.Errorf("%w: savepoint: %v", ErrTxLost, err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.stmt(ctx, t.s.ws.rollbackTo).ExecContext(ctx); rerr != nil {
			return fmt.Errorf("%w: %v (rolling back the item: %v)", ErrTxLost, err, rerr)
		}
		if _, rerr := t.stmt(ctx, t.s.ws.release).ExecContext(ctx); rerr != nil {
			return fmt.Errorf("%w: %v (releasing the item: %v)", ErrTxLost, err, rerr)
		}
		return err
	}
	if _, err := t.stmt(ctx, t.s.ws.release).ExecContext(ctx); err != nil {
		return fmt.Errorf("%w: release: %v", ErrTxLost, err)
	}
	return nil
}
