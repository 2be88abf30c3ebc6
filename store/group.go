package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Group commit. Every Write (a JSON push request, one OpenRosa submission) is queued; one
// writer at a time, the leader, takes the writer connection, then every Write queued by
// then (up to maxGroupItems households), runs them all in ONE transaction (each as if in a
// savepoint of its own), commits it, syncs the WAL once, and only then answers each of
// them. While a group commits and syncs, the next requests queue up and become the next
// group, so N concurrent requests pay for far fewer than N syncs, and none is answered
// before the sync that covers it. The sync itself is done after the writer connection is
// handed on (walsync.go), so the disk's latency delays the answers, not the next group.
//
// The leader is a request's own goroutine (no goroutine outlives the requests): it leads
// the group that holds its own Write and then hands the lead to the oldest Write still
// queued, so no request waits longer than its own group and the one before.

// maxGroupItems bounds the households of one group so a transaction stays short: the
// writer connection is PocketBase's only one, and reviews and admin edits wait for it. A
// single Write larger than this still runs alone.
const maxGroupItems = 400

type groupJob struct {
	ctx   context.Context
	items int
	fn    func(*Tx) error
	done  chan groupResult // buffered (1): the leader never blocks on a waiter
}

type groupResult struct {
	err  error
	lead bool // not an answer: this job's goroutine is the next leader
}

type groupQueue struct {
	mu      sync.Mutex
	queue   []*groupJob
	leading bool // a leader is running (or has been handed the lead)
}

// Write runs fn in the next group commit and returns once that group's transaction is
// committed and the WAL synced to disk. When Write returns nil, what fn wrote survives a
// power cut. (PocketBase's own writes keep their synchronous level: NORMAL.)
//
// fn runs as if in a SAVEPOINT of its own: when it returns an error, what it wrote is undone
// and the other Writes of the group are kept. (A group is first run without savepoints,
// which are costly; if anything in it fails, it is rolled back whole and run again with
// them. So fn may run twice: it must start from the same state each time, and keep nothing
// of a run that failed.) When the whole group fails (the commit, or the
// database ending the transaction itself: ErrTxLost), every Write of it returns the error
// and nothing of any of them is stored. fn runs on the leader's goroutine with ctx's values
// but not its cancellation: once a group has begun, a client that hangs up does not undo
// the others' work. A Write whose ctx is done before its group begins is not run.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	return s.WriteItems(ctx, 1, fn)
}

// WriteItems is Write for fn writing about items households (it sizes the groups).
func (s *Store) WriteItems(ctx context.Context, items int, fn func(*Tx) error) error {
	j := &groupJob{ctx: ctx, items: max(items, 1), fn: fn, done: make(chan groupResult, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, j)
	s.waiting.Add(1)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if c, ok := ctx.Value(comingKey{}).(*coming); ok {
		c.arrived() // queued: a gathering leader takes it now
	}
	if !lead {
		r := <-j.done
		if !r.lead {
			return r.err
		}
	}
	// This goroutine leads: commit one group (which holds j, as j is still queued), then
	// hand the lead on.
	s.leadGroup()
	return (<-j.done).err
}

// leadGroup takes the writer connection, then the queued Writes, commits them, hands the
// lead on, syncs the WAL (walsync.go) and answers them.
func (s *Store) leadGroup() {
	g := &s.group
	handedOn := false
	handOn := func() {
		if handedOn {
			return
		}
		handedOn = true
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.leading = false
		} else {
			g.queue[0].done <- groupResult{lead: true}
		}
		g.mu.Unlock()
	}
	defer handOn()
	// The connection first: while the leader waits for it (a review holds it, or the
	// previous group is committing), more Writes join this group; then those still coming.
	conn, err := s.w.Conn(context.Background())
	if err == nil {
		s.gather()
	}
	g.mu.Lock()
	n, items := 0, 0
	for n < len(g.queue) && (n == 0 || items+g.queue[n].items <= maxGroupItems) {
		items += g.queue[n].items
		n++
	}
	jobs := append([]*groupJob(nil), g.queue[:n]...)
	g.queue = append(g.queue[:0:0], g.queue[n:]...)
	g.mu.Unlock()
	s.waiting.Add(int64(-len(jobs)))
	if err != nil {
		answer(jobs, fmt.Errorf("store: writer connection: %w", err))
		return
	}
	errs, committed, gen, err := s.commitGroup(conn, jobs)
	conn.Close()
	// The next group may write while this one's WAL is being synced.
	handOn()
	if err != nil {
		answer(jobs, err)
		return
	}
	if committed {
		if s.wal != "" {
			if err := syncWAL(s.wal); err != nil {
				// Committed but not known to be on disk: the devices must send again (a
				// resend of what is stored is answered exists).
				answer(jobs, err)
				return
			}
			s.synced(gen)
		}
		s.syncs.Add(1)
	}
	for i, j := range jobs {
		j.done <- groupResult{err: errs[i]}
	}
}

func answer(jobs []*groupJob, err error) {
	for _, j := range jobs {
		j.done <- groupResult{err: err}
	}
}

// commitGroup runs the jobs in one transaction and commits it durably: first fast, with no
// savepoints; should any write fail, the transaction is rolled back whole and the jobs run
// again, each in a savepoint of its own and each household in a nested one, so that what
// failed is undone alone. errs[i] is job i's own failure (its writes undone); err fails the
// whole group. committed is false when no job ran (all their callers were gone).
// gen is the number the commit took (see SyncCommitted).
func (s *Store) commitGroup(conn *sql.Conn, jobs []*groupJob) (errs []error, committed bool, gen int64, err error) {
	live := make([]bool, len(jobs))
	errs = make([]error, len(jobs))
	ran := 0
	for i, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err // the caller is gone before its group began: nothing of it is written
			continue
		}
		live[i] = true
		ran++
	}
	if ran == 0 {
		return errs, false, 0, nil
	}
	if s.wal == "" {
		// No WAL file to sync after the commit: COMMIT syncs (the level cannot change inside
		// a transaction, so it is set before BEGIN and restored after).
		ctx := context.Background()
		var level int
		if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil {
			return nil, false, 0, fmt.Errorf("store: read synchronous: %w", err)
		}
		if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
			return nil, false, 0, fmt.Errorf("store: synchronous=FULL: %w", err)
		}
		defer conn.ExecContext(ctx, fmt.Sprintf("PRAGMA synchronous = %d", level))
	}
	retry, gen, err := s.runGroup(conn, jobs, live, errs, false)
	if err == nil && retry {
		s.retries.Add(1)
		_, gen, err = s.runGroup(conn, jobs, live, errs, true)
	}
	if err != nil {
		return nil, false, 0, err
	}
	return errs, true, gen, nil
}

// runGroup is one run of the jobs in a transaction; it commits unless the fast run asks for
// a careful one (retry), after rolling back.
func (s *Store) runGroup(conn *sql.Conn, jobs []*groupJob, live []bool, errs []error, careful bool) (retry bool, gen int64, err error) {
	ctx := context.Background()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, 0, fmt.Errorf("store: begin: %w", err)
	}
	// A panic in one Write must not leave the others waiting forever: the whole group is
	// rolled back and answered with an error.
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			retry, gen, err = false, 0, fmt.Errorf("store: a write of the group panicked: %v", p)
		}
	}()
	t := &Tx{s: s, tx: tx, careful: careful}
	for i, j := range jobs {
		if !live[i] {
			continue
		}
		jctx := context.WithoutCancel(j.ctx)
		var err error
		if careful {
			err = t.savepoint(jctx, &s.ws.writeSP, func() error { return j.fn(t) })
		} else {
			err = t.fast(func() error { return j.fn(t) })
		}
		if !careful && (t.retry || err != nil) {
			tx.Rollback()
			return true, 0, nil
		}
		if errors.Is(err, ErrTxLost) {
			tx.Rollback()
			return false, 0, err
		}
		errs[i] = err
	}
	gen = s.commitGen.Add(1) // before COMMIT makes the rows visible: see SyncCommitted
	if err := tx.Commit(); err != nil {
		return false, 0, fmt.Errorf("store: commit: %w", err)
	}
	return false, gen, nil
}
