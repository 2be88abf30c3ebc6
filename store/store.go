package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// Store holds the prepared statements on PocketBase's two pools: the single writer
// connection and the concurrent read pool.
type Store struct {
	w, r *sql.DB
	ws   writeStmts
	rs   readStmts

	wal     string       // the WAL file the leader syncs after a commit ("": commit with synchronous=FULL)
	syncs   atomic.Int64 // group commits made durable, for tests and the bench
	waiting atomic.Int64 // Writes queued for a group (Waiting)
	retries atomic.Int64 // groups run again with savepoints (Retries)
	group   groupQueue

	commitGen, syncedGen atomic.Int64 // see SyncCommitted
	barrierSyncs         atomic.Int64 // syncs made by SyncCommitted

	// GatherMax bounds how long a leader waits for Writes announced as coming (gather.go);
	// DefaultGatherMax unless changed before the first Write.
	GatherMax  time.Duration
	coming     atomic.Int64
	gatherWake chan struct{}
}

// Statements on the writer, used inside Write.
type writeStmts struct {
	byUUID, byContent, inPSU, supersedable, uuidOf                         *sql.Stmt
	insertSubmission, insertReview                                         *sql.Stmt
	insertMembers, insertEmigrants                                         [rowsPerInsert]*sql.Stmt // [k]: k+1 rows
	supersedeSubmission, supersedeMembers, supersedeEmigrants, nextSubmSeq *sql.Stmt
	itemSP, writeSP                                                        savepointStmts
}

// savepointStmts are the three statements of one savepoint name.
type savepointStmts struct{ begin, rollbackTo, release *sql.Stmt }

// Statements on the read pool (each pooled connection prepares them once).
type readStmts struct {
	byUUID, uuidOf, assignment, byRawHash *sql.Stmt
}

const (
	// Oldest first: in rowid order, which is the order the rows were written in (every path
	// inserts with created = now) and the index's own, where ORDER BY created set up a
	// sorter for every push.
	byUUIDSQL = `SELECT id, content_hash, status, errors, warnings, duplicate_of, flags, enumerator, team, raw_hash
		FROM submissions WHERE uuid = ? ORDER BY rowid`
	uuidOfSQL = `SELECT uuid, enumerator FROM submissions WHERE id = ?`
	// A live submission of the survey with the same content: the caller's own first. Two
	// probes of idx_submissions_hash, the second only when the first finds none of the
	// caller's (a compound's LIMIT stops it): ORDER BY enumerator = ? set up a sorter for
	// every push, though a new household matches nothing.
	byContentSQL = `SELECT id, uuid, enumerator, team FROM submissions
		WHERE form_id = ?1 AND content_hash = ?2 AND status NOT IN ('duplicate','superseded') AND enumerator = ?3
		UNION ALL
		SELECT id, uuid, enumerator, team FROM submissions
		WHERE form_id = ?1 AND content_hash = ?2 AND status NOT IN ('duplicate','superseded')
		LIMIT 1`
	// Candidates for a probable duplicate: same PSU and either the same dwelling or a GPS
	// point inside a box around the new one (dedup.Compare then measures the distance).
	// idx_submissions_key (a_psu, a_dwelling, form_id, status, lat, lon) holds what the
	// conditions test: only a household that passes is read from the table. Named: with
	// no statistics SQLite may take form_id=? on another index, every household of the
	// survey (pb_migrations 1764234230). The statuses are three comparisons, not NOT IN: a
	// list of three values is a b-tree SQLite builds each time the statement runs
	// (TestPushLookupsOpenNoEphemeral).
	inPSUSQL = `SELECT id, uuid, a_dwelling, lat, lon, gps_accuracy, head_key, roster_sig, enumerator, team
		FROM submissions INDEXED BY idx_submissions_key
		WHERE form_id = ? AND a_psu = ? AND status != 'rejected' AND status != 'duplicate' AND status != 'superseded'
		AND (a_dwelling = ? OR (lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?)) LIMIT 500`
)

// Open prepares every statement; call it once the migrations have run. An error leaves
// nothing prepared, so the caller can try again later (no error is cached).
func Open(ctx context.Context, writer, reader *sql.DB) (*Store, error) {
	s := &Store{w: writer, r: reader, GatherMax: DefaultGatherMax, gatherWake: make(chan struct{}, 1)}
	writes := []prep{
		{&s.ws.byUUID, byUUIDSQL},
		{&s.ws.uuidOf, uuidOfSQL},
		{&s.ws.byContent, byContentSQL},
		{&s.ws.inPSU, inPSUSQL},
		{&s.ws.supersedable, `SELECT id, status, enumerator FROM submissions WHERE uuid = ? ORDER BY created LIMIT 1`},
		{&s.ws.insertSubmission, insertSQL("submissions", submissionColumns)},
		{&s.ws.insertReview, insertSQL("reviews", reviewColumns)},
		{&s.ws.supersedeSubmission, `UPDATE submissions SET status = 'superseded', superseded_by = ?, seq = ?, updated = ? WHERE id = ?`},
		{&s.ws.supersedeMembers, `UPDATE members SET status = 'superseded' WHERE submission = ?`},
		{&s.ws.supersedeEmigrants, `UPDATE emigrants SET status = 'superseded' WHERE submission = ?`},
		{&s.ws.nextSubmSeq, SubmissionChangeSeq.NextSQL()},
		{&s.ws.itemSP.begin, `SAVEPOINT item`},
		{&s.ws.itemSP.release, `RELEASE item`},
		{&s.ws.itemSP.rollbackTo, `ROLLBACK TO item`},
		{&s.ws.writeSP.begin, `SAVEPOINT write`},
		{&s.ws.writeSP.release, `RELEASE write`},
		{&s.ws.writeSP.rollbackTo, `ROLLBACK TO write`},
	}
	for k := range rowsPerInsert {
		writes = append(writes, prep{&s.ws.insertMembers[k], insertRowsSQL("members", memberColumns, k+1)},
			prep{&s.ws.insertEmigrants[k], insertRowsSQL("emigrants", emigrantColumns, k+1)})
	}
	for _, st := range writes {
		p, err := writer.PrepareContext(ctx, st.sql)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("store: prepare %q: %w", firstLine(st.sql), err)
		}
		*st.dst = p
	}
	reads := []prep{
		{&s.rs.byUUID, byUUIDSQL},
		{&s.rs.uuidOf, uuidOfSQL},
		{&s.rs.byRawHash, byRawHashSQL(1)},
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
	wal, err := walPath(ctx, writer)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.wal = wal
	return s, nil
}

// prep is a statement to prepare and where to keep it.
type prep struct {
	dst *(*sql.Stmt)
	sql string
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
	all := []*sql.Stmt{s.ws.byUUID, s.ws.byContent, s.ws.inPSU, s.ws.supersedable, s.ws.uuidOf,
		s.ws.insertSubmission, s.ws.insertReview,
		s.ws.supersedeSubmission, s.ws.supersedeMembers, s.ws.supersedeEmigrants, s.ws.nextSubmSeq,
		s.ws.itemSP.begin, s.ws.itemSP.release, s.ws.itemSP.rollbackTo,
		s.ws.writeSP.begin, s.ws.writeSP.release, s.ws.writeSP.rollbackTo, s.rs.byUUID, s.rs.uuidOf, s.rs.assignment, s.rs.byRawHash}
	all = append(all, s.ws.insertMembers[:]...)
	all = append(all, s.ws.insertEmigrants[:]...)
	for _, st := range all {
		if st != nil {
			st.Close()
		}
	}
}

// Syncs counts the durable commits made so far: one per group commit, which covers every
// Write of its group.
func (s *Store) Syncs() int64 { return s.syncs.Load() }

// BarrierSyncs counts the WAL syncs SyncCommitted had to make (for tests).
func (s *Store) BarrierSyncs() int64 { return s.barrierSyncs.Load() }

// Retries counts the groups that were run again with savepoints because a write failed.
func (s *Store) Retries() int64 { return s.retries.Load() }

// Waiting is how many Writes are queued for a group that has not begun (for tests that
// make requests meet in one group).
func (s *Store) Waiting() int { return int(s.waiting.Load()) }

// ErrTxLost means the database ended the transaction itself (SQLite does so on some I/O
// errors and on a full disk): nothing of the Write is stored.
var ErrTxLost = errors.New("store: the database rolled the transaction back")

// Tx is a Write in progress.
type Tx struct {
	s  *Store
	tx *sql.Tx

	// careful: savepoints are real. A group is first run without them (fast: a savepoint
	// copies every page a household touches into SQLite's sub-journal, a third of a push's
	// CPU); should anything in it fail, the whole group is rolled back and run again with
	// them (see commitGroup), so what fails is undone alone.
	careful bool
	retry   bool // set in the fast run when something failed: run the group again carefully

	stmts map[*sql.Stmt]*sql.Stmt // see stmt
	seq   int64                   // the last SubmissionChangeSeq value given out (NextSubmissionSeq)
}

// errRetry ends the fast run of a group: it wraps ErrTxLost so that every caller stops
// writing at once, as it would if the database had ended the transaction.
var errRetry = fmt.Errorf("%w: a write failed in the fast run; the group runs again with savepoints", ErrTxLost)

// stmt is st bound to the transaction, once per transaction: database/sql makes a new
// transaction-specific statement (and a dependency to close at the end) on every call.
func (t *Tx) stmt(ctx context.Context, st *sql.Stmt) *sql.Stmt {
	if ts, ok := t.stmts[st]; ok {
		return ts
	}
	if t.stmts == nil {
		t.stmts = make(map[*sql.Stmt]*sql.Stmt, 16)
	}
	ts := t.tx.StmtContext(ctx, st)
	t.stmts[st] = ts
	return ts
}

// Savepoint runs fn so that what it wrote is undone when it fails, and only that: the rest
// of the transaction stays. It returns fn's error, or ErrTxLost (wrapped) when the database
// rolled back the whole transaction, after which nothing more can be written in it.
//
// Savepoint may be run twice (see Store.Write): fn must not keep state of a run that failed.
func (t *Tx) Savepoint(ctx context.Context, fn func() error) error {
	if !t.careful {
		return t.fast(fn)
	}
	return t.savepoint(ctx, &t.s.ws.itemSP, fn)
}

// fast runs fn without a savepoint; a failure turns into errRetry (the group is rolled back
// and run again carefully).
func (t *Tx) fast(fn func() error) error {
	if t.retry {
		return errRetry
	}
	if err := fn(); err != nil {
		t.retry = true
		return fmt.Errorf("%w (%v)", errRetry, err)
	}
	return nil
}

func (t *Tx) savepoint(ctx context.Context, sp *savepointStmts, fn func() error) error {
	if _, err := t.stmt(ctx, sp.begin).ExecContext(ctx); err != nil {
		return fmt.Errorf("%w: savepoint: %v", ErrTxLost, err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.stmt(ctx, sp.rollbackTo).ExecContext(ctx); rerr != nil {
			return fmt.Errorf("%w: %v (rolling back: %v)", ErrTxLost, err, rerr)
		}
		if _, rerr := t.stmt(ctx, sp.release).ExecContext(ctx); rerr != nil {
			return fmt.Errorf("%w: %v (releasing: %v)", ErrTxLost, err, rerr)
		}
		return err
	}
	if _, err := t.stmt(ctx, sp.release).ExecContext(ctx); err != nil {
		return fmt.Errorf("%w: release: %v", ErrTxLost, err)
	}
	return nil
}
