package bench

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// stored are households as the push route stored them: every column of their submissions,
// members and emigrants rows, read back from the server's database.
type stored struct {
	subCols, memCols, emiCols []string
	hh                        []storedHousehold
}

type storedHousehold struct {
	sub                []any
	members, emigrants [][]any
}

// openReadOnly opens a server's data.db for reading beside the running server (SQLite WAL:
// readers never block the writer). The bench writes a server's database only through it.
func openReadOnly(dataDir string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "data.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func maxSeq(ctx context.Context, db *sql.DB) (int64, error) {
	var seq int64
	err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM submissions").Scan(&seq)
	return seq, err
}

// readBack reads the households stored with seq > after (one push run), in push order.
func readBack(ctx context.Context, db *sql.DB, after int64) (*stored, error) {
	s := &stored{}
	index := map[string]int{}
	idCol := -1
	cols, err := scanAll(ctx, db, "SELECT * FROM submissions WHERE seq > ? ORDER BY seq", after, func(cols []string, v []any) error {
		if idCol < 0 {
			if idCol = colIndex(cols, "id"); idCol < 0 {
				return fmt.Errorf("read back: submissions has no id column")
			}
		}
		id, _ := v[idCol].(string)
		index[id] = len(s.hh)
		s.hh = append(s.hh, storedHousehold{sub: v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.subCols = cols
	child := func(table string, add func(h *storedHousehold, v []any)) ([]string, error) {
		sub := -1
		return scanAll(ctx, db, "SELECT * FROM "+table+" WHERE submission IN (SELECT id FROM submissions WHERE seq > ?) ORDER BY submission, line", after,
			func(cols []string, v []any) error {
				if sub < 0 {
					if sub = colIndex(cols, "submission"); sub < 0 {
						return fmt.Errorf("read back: %s has no submission column", table)
					}
				}
				id, _ := v[sub].(string)
				k, ok := index[id]
				if !ok {
					return fmt.Errorf("read back: %s row of an unknown submission", table)
				}
				add(&s.hh[k], v)
				return nil
			})
	}
	if s.memCols, err = child("members", func(h *storedHousehold, v []any) { h.members = append(h.members, v) }); err != nil {
		return nil, err
	}
	if s.emiCols, err = child("emigrants", func(h *storedHousehold, v []any) { h.emigrants = append(h.emigrants, v) }); err != nil {
		return nil, err
	}
	return s, nil
}

func colIndex(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	return -1
}

// scanAll runs a query and hands each row's values to fn; it returns the column names.
func scanAll(ctx context.Context, db *sql.DB, q string, arg any, fn func(cols []string, v []any) error) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		v := make([]any, len(cols))
		ptr := make([]any, len(cols))
		for i := range v {
			ptr[i] = &v[i]
		}
		if err := rows.Scan(ptr...); err != nil {
			return nil, fmt.Errorf("read back: %w", err)
		}
		for i, x := range v {
			if b, ok := x.([]byte); ok {
				v[i] = string(b)
			}
		}
		if err := fn(cols, v); err != nil {
			return nil, err
		}
	}
	return cols, rows.Err()
}

// rawStore is a PocketBase data dir with fieldbase's schema (the migrations), bootstrapped in
// this process, written with prepared INSERTs on PocketBase's writer connection: the
// store's limit (no HTTP, no parsing, no validation, no dedup lookups).
type rawStore struct {
	app   *core.BaseApp
	db    *sql.DB
	stmts map[string]*sql.Stmt
}

func openRaw(dir string) (*rawStore, error) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		return nil, fmt.Errorf("raw store: bootstrap: %w", err)
	}
	if err := app.RunAllMigrations(); err != nil {
		app.ClearBootstrap()
		return nil, fmt.Errorf("raw store: migrations: %w", err)
	}
	w, ok := app.NonconcurrentDB().(*dbx.DB)
	if !ok {
		app.ClearBootstrap()
		return nil, fmt.Errorf("raw store: the writer is not a *dbx.DB")
	}
	return &rawStore{app: app, db: w.DB(), stmts: map[string]*sql.Stmt{}}, nil
}

func (r *rawStore) close() {
	for _, st := range r.stmts {
		st.Close()
	}
	r.app.ClearBootstrap()
}

func (r *rawStore) stmt(ctx context.Context, table string, cols []string) (*sql.Stmt, error) {
	key := table + "(" + strings.Join(cols, ",") + ")"
	if st, ok := r.stmts[key]; ok {
		return st, nil
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, quoteCols(cols), strings.TrimSuffix(strings.Repeat("?,", len(cols)), ","))
	st, err := r.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("raw store: prepare %s: %w", table, err)
	}
	r.stmts[key] = st
	return st, nil
}

func quoteCols(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = `"` + c + `"`
	}
	return strings.Join(q, ",")
}

// rawSyncEvery is how many households the raw baseline writes per transaction: each commit
// is synced to disk (synchronous=FULL), as a push request's is.
const rawSyncEvery = 100

// insert writes the households, one transaction per batch households (submission, member and
// emigrant rows), each committed with the WAL synced to disk, and returns the time it took.
func (r *rawStore) insert(ctx context.Context, s *stored, batch int) (time.Duration, error) {
	sub, err := r.stmt(ctx, "submissions", s.subCols)
	if err != nil {
		return 0, err
	}
	mem, err := r.stmt(ctx, "members", s.memCols)
	if err != nil {
		return 0, err
	}
	emi, err := r.stmt(ctx, "emigrants", s.emiCols)
	if err != nil {
		return 0, err
	}
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
		return 0, fmt.Errorf("raw store: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = NORMAL")
	start := time.Now()
	for i := 0; i < len(s.hh); i += batch {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		ts, tm, te := tx.StmtContext(ctx, sub), tx.StmtContext(ctx, mem), tx.StmtContext(ctx, emi)
		for _, h := range s.hh[i:min(i+batch, len(s.hh))] {
			if _, err = ts.ExecContext(ctx, h.sub...); err != nil {
				break
			}
			for _, m := range h.members {
				if _, err = tm.ExecContext(ctx, m...); err != nil {
					break
				}
			}
			for _, e := range h.emigrants {
				if err != nil {
					break
				}
				if _, err = te.ExecContext(ctx, e...); err != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		if err != nil {
			tx.Rollback()
			return 0, fmt.Errorf("raw store: insert: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return 0, fmt.Errorf("raw store: commit: %w", err)
		}
	}
	return time.Since(start), nil
}
