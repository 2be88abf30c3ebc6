package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// cloneFill is the fast fill of --fill-route: the households the route stored are copied
// round after round until the survey has `target` households, as approved households in
// PSUs of their own. It writes the data dir's data.db directly from this process, with the
// server stopped (the bench owns the data dir), which is no server path: its time is
// logged, not counted. What is measured afterwards (indicators, export, pull) reads the
// copies as it reads any approved household.
func (b *Bench) cloneFill(ctx context.Context, dataDir string, target int64) error {
	db, err := openWritable(dataDir)
	if err != nil {
		return fmt.Errorf("clone fill: %w", err)
	}
	st, err := cloneInto(ctx, db, target, b.logf)
	if err != nil {
		db.Close()
		return fmt.Errorf("clone fill: %w", err)
	}
	if err := closeWritable(db); err != nil {
		return fmt.Errorf("clone fill: %w", err)
	}
	b.figure("clone_fill_households_per_s", st.perSecond(), "households/s")
	b.figure("clone_fill_cpu_us_per_household", float64(st.cpu.Microseconds())/float64(st.copied), "us")
	return nil
}

// openWritable opens a data dir's data.db for writing from this process alone (no server
// has it open): one connection holding the database's lock (locking_mode EXCLUSIVE), no
// rollback journal (every page written once, not to the WAL and again into the database;
// a failure leaves the bench's temporary copy broken, which the bench then reports and
// removes) and no fsync, with a large page cache that keeps the b-trees' right edges, where
// the copies go, in memory. closeWritable puts the database back in WAL mode.
func openWritable(dataDir string) (*sql.DB, error) {
	if err := registerMovePSU(); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "data.db")+
		"?_pragma=busy_timeout(10000)&_pragma=locking_mode(EXCLUSIVE)&_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)"+
		"&_pragma=cache_size(-200000)&_pragma=temp_store(MEMORY)&_pragma=foreign_keys(OFF)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one connection: the pragmas hold for every statement
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, err
	}
	if mode != "off" {
		db.Close()
		return nil, fmt.Errorf("data.db: journal mode %s, not off: is a server still running on it?", mode)
	}
	return db, nil
}

// closeWritable puts data.db back in WAL mode, the server's, and closes it.
func closeWritable(db *sql.DB) error {
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("data.db: journal mode %s after the fill, not wal", mode)
	}
	return nil
}

// cloneStats is what cloneInto did.
type cloneStats struct {
	copied          int64
	copying, making time.Duration // the copies; the indexes made again (wall)
	cpu             time.Duration // this process's CPU time for both (it does nothing else meanwhile)
	indexes         int
}

func (s cloneStats) perSecond() float64 {
	return float64(s.copied) / (s.copying + s.making).Seconds()
}

const (
	cloneStride = 100000 // PSU offset of each round (times 10 until above every PSU)
	cloneChunk  = 5000   // household rowids per transaction
)

// cloneKeep are the secondary indexes kept while copying: their keys for the copies come
// in ascending order (record ids, uuids, change numbers, PSUs and facts made for the copy
// and growing with its round and source rowid) or in a few runs (team, enumerator, status),
// so each copy lands at a b-tree's right edge or a few hot pages. The others (hashes and
// dates the copies share with their originals: a random page each) are dropped while
// copying and made again after it, one sort each.
var cloneKeep = []string{
	"idx_submissions_seq", "idx_submissions_uuid", "idx_submissions_key", "idx_submissions_status",
	"idx_submissions_team_status", "idx_submissions_enum", "idx_submissions_team_psu", "idx_submissions_psu",
	"idx_submissions_facts", "idx_members_submission", "idx_members_facts",
	"idx_emigrants_submission", "idx_emigrants_status",
}

// cloneInto copies the survey's households stored so far (every mhs row with rowid ≤ the
// largest now, received, flagged, invalid or approved) round after round until mhs has
// `target` submissions. Round k copies each household with
//   - the id z<k, 3 digits><source rowid, 11 digits> (15 characters, PocketBase's id
//     alphabet; its members and emigrants the same of their own rowids, their submission
//     the household's new id), the uuid ffffffff-<k>-4000-8000-<source rowid>,
//   - the change number max(seq) + its own, status approved,
//   - the PSU moved by k·stride in the column, the answers (a_psu) and the facts of the
//     household and of its rows,
//
// and the other columns as they are (answers, digests, timestamps). The triggers fire as
// for any write: facts_log gets each new approved household, so a running server's
// indicator snapshot learns that the approved data changed. One transaction per chunk of
// cloneChunk source rowids, three INSERT … SELECT statements prepared once.
func cloneInto(ctx context.Context, db *sql.DB, target int64, logf func(string, ...any)) (cloneStats, error) {
	var st cloneStats
	const from = "submissions s WHERE s.form_id = 'mhs' AND s.status IN ('received', 'flagged', 'invalid', 'approved')"
	var base, baseRow, have, maxPSU int64
	if err := db.QueryRowContext(ctx, "SELECT count(*), COALESCE(max(s.rowid), 0) FROM "+from).Scan(&base, &baseRow); err != nil {
		return st, err
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM submissions WHERE form_id = 'mhs'").Scan(&have); err != nil {
		return st, err
	}
	if base == 0 {
		return st, fmt.Errorf("no households to copy")
	}
	need := target - have
	if need <= 0 {
		return st, nil
	}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(max(a_psu), 0) FROM submissions WHERE form_id = 'mhs'").Scan(&maxPSU); err != nil {
		return st, err
	}
	stride := int64(cloneStride)
	for stride <= maxPSU {
		stride *= 10
	}
	if rounds := (need + base - 1) / base; rounds > 999 {
		return st, fmt.Errorf("%d copies of the %d households stored would be needed, at most 999: push more through the route (--fill-route)", rounds, base)
	}
	cols := map[string][]string{}
	for _, t := range []string{"submissions", "members", "emigrants"} {
		c, err := columnNames(ctx, db, t)
		if err != nil {
			return st, err
		}
		cols[t] = c
	}
	dropped, err := dropIndexes(ctx, db)
	if err != nil {
		return st, err
	}
	stmts := cloneStatements(cols)
	prepared := make([]*sql.Stmt, len(stmts))
	for i, q := range stmts {
		if prepared[i], err = db.PrepareContext(ctx, q); err != nil {
			return st, fmt.Errorf("prepare %.80s…: %w", q, err)
		}
		defer prepared[i].Close()
	}
	logf("fill: copying %d households (the %d stored, round after round, %d rowids each) as approved households in PSUs of their own, into data.db directly; %d secondary indexes dropped meanwhile …",
		need, base, baseRow, len(dropped))
	start, cpu0 := time.Now(), selfCPU()
	last, lastMade := start, int64(0)
	for round := int64(1); st.copied < need; round++ {
		off := round * stride
		for lo := int64(0); lo < baseRow && st.copied < need; lo += cloneChunk {
			hi := min(lo+cloneChunk, baseRow)
			var n int64
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+from+" AND s.rowid > ? AND s.rowid <= ?", lo, hi).Scan(&n); err != nil {
				return st, err
			}
			if n == 0 {
				continue
			}
			if st.copied+n > need { // the last chunk: only its first rows
				if err := db.QueryRowContext(ctx, "SELECT s.rowid FROM "+from+" AND s.rowid > ? AND s.rowid <= ? ORDER BY s.rowid LIMIT 1 OFFSET ?",
					lo, hi, need-st.copied-1).Scan(&hi); err != nil {
					return st, err
				}
				n = need - st.copied
			}
			if err := cloneChunkTx(ctx, db, prepared, round, off, lo, hi, n); err != nil {
				return st, fmt.Errorf("round %d, rowids %d–%d: %w", round, lo+1, hi, err)
			}
			st.copied += n
			if now := time.Now(); now.Sub(last) > 10*time.Second {
				logf("  … %d/%d copied (%.0f/s now, %.0f/s since the start)", st.copied, need,
					float64(st.copied-lastMade)/now.Sub(last).Seconds(), float64(st.copied)/now.Sub(start).Seconds())
				last, lastMade = now, st.copied
			}
		}
	}
	st.copying = time.Since(start)
	logf("fill: %d households copied in %s (%.0f/s); making %d indexes again …", st.copied, st.copying.Round(time.Millisecond),
		float64(st.copied)/st.copying.Seconds(), len(dropped))
	for _, ix := range dropped {
		t0 := time.Now()
		if _, err := db.ExecContext(ctx, ix.sql); err != nil {
			return st, fmt.Errorf("index %s again: %w", ix.name, err)
		}
		st.indexes++
		logf("  index %s made again in %s", ix.name, time.Since(t0).Round(time.Millisecond))
	}
	st.making = time.Since(start) - st.copying
	st.cpu = selfCPU() - cpu0
	logf("fill: %d households copied in %s, %d indexes made again in %s (%.0f/s in all; CPU %s, %.0f µs a household; load average %s)", st.copied,
		st.copying.Round(time.Millisecond), st.indexes, st.making.Round(time.Millisecond), st.perSecond(),
		st.cpu.Round(time.Millisecond), float64(st.cpu.Microseconds())/float64(st.copied), loadAvg())
	return st, nil
}

// cloneChunkTx copies the households of source rowids (lo, hi] as round `round`, in one
// transaction, and checks it stored n of them.
func cloneChunkTx(ctx context.Context, db *sql.DB, stmts []*sql.Stmt, round, off, lo, hi, n int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i, s := range stmts {
		res, err := tx.StmtContext(ctx, s).ExecContext(ctx, round, off, lo, hi)
		if err != nil {
			return err
		}
		if i == 0 {
			if got, err := res.RowsAffected(); err == nil && got != n {
				return fmt.Errorf("%d households copied, want %d", got, n)
			}
		}
	}
	return tx.Commit()
}

type namedIndex struct{ name, sql string }

// dropIndexes drops the secondary indexes of submissions, members and emigrants that
// cloneKeep does not name, and returns them to be made again.
func dropIndexes(ctx context.Context, db *sql.DB) ([]namedIndex, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN ('submissions', 'members', 'emigrants') ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var out []namedIndex
	for rows.Next() {
		var ix namedIndex
		if err := rows.Scan(&ix.name, &ix.sql); err != nil {
			rows.Close()
			return nil, err
		}
		if !slices.Contains(cloneKeep, ix.name) {
			out = append(out, ix)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ix := range out {
		if _, err := db.ExecContext(ctx, "DROP INDEX `"+ix.name+"`"); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	return out, nil
}

func columnNames(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info('"+table+"')")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// cloneStatements are the three INSERT … SELECT of a chunk (submissions, members,
// emigrants), with the parameters ?1 round, ?2 PSU offset, ?3 and ?4 the source rowids
// (lo, hi] (see cloneInto for what a copy is).
func cloneStatements(cols map[string][]string) []string {
	const where = "s.form_id = 'mhs' AND s.status IN ('received', 'flagged', 'invalid', 'approved') AND s.rowid > ?3 AND s.rowid <= ?4"
	newID := func(rowid string) string { return "printf('z%03d%011d', ?1, " + rowid + ")" }
	facts := func(f string) string { return "bench_move_psu(" + f + ", ?2)" }
	sub := make([]string, len(cols["submissions"]))
	for i, c := range cols["submissions"] {
		e := "s.`" + c + "`"
		switch c {
		case "id":
			e = newID("s.rowid")
		case "uuid":
			e = "printf('ffffffff-%04d-4000-8000-%012d', ?1, s.rowid)"
		case "seq":
			e = "(SELECT max(seq) FROM submissions) + s.seq"
		case "status":
			e = "'approved'"
		case "a_psu":
			e = "s.a_psu + ?2"
		case "data":
			// The answer a_psu, as the push stored it ("a_psu":146, in compact JSON);
			// json_set (which decodes and encodes the whole answers) if not found so.
			e = `CASE WHEN instr(s.data, '"a_psu":' || s.a_psu || ',') > 0
				THEN replace(s.data, '"a_psu":' || s.a_psu || ',', '"a_psu":' || (s.a_psu + ?2) || ',')
				ELSE json_set(s.data, '$.a_psu', s.a_psu + ?2) END`
		case "facts":
			e = facts("s.facts")
		}
		sub[i] = e
	}
	stmts := []string{"INSERT INTO submissions (`" + strings.Join(cols["submissions"], "`, `") + "`) SELECT " +
		strings.Join(sub, ", ") + " FROM submissions s WHERE " + where}
	for _, t := range []string{"members", "emigrants"} {
		sel := make([]string, len(cols[t]))
		for i, c := range cols[t] {
			e := "r.`" + c + "`"
			switch c {
			case "id":
				e = newID("r.rowid")
			case "submission":
				e = newID("s.rowid")
			case "status":
				e = "'approved'"
			case "facts":
				e = facts("r.facts")
			}
			sel[i] = e
		}
		// In source order: the households by rowid, each one's rows by the index on
		// submission (pushed together, so their rowids ascend too).
		stmts = append(stmts, "INSERT INTO "+t+" (`"+strings.Join(cols[t], "`, `")+"`) SELECT "+strings.Join(sel, ", ")+
			" FROM submissions s JOIN "+t+" r ON r.submission = s.id WHERE "+where)
	}
	return stmts
}

var movePSUOnce = sync.OnceValue(func() error {
	return sqlite.RegisterDeterministicScalarFunction("bench_move_psu", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		f, ok1 := args[0].(string)
		off, ok2 := args[1].(int64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("bench_move_psu(facts text, offset integer): got %T, %T", args[0], args[1])
		}
		return movePSU(f, off)
	})
})

// registerMovePSU makes bench_move_psu(facts, offset) known to the connections this
// process opens from now on (it is the bench's, not the server's).
func registerMovePSU() error { return movePSUOnce() }

// movePSU moves the PSU of an indicator facts string (version|stratum|psu|…, see
// indicators) by off; a string without fields (no facts) is returned as it is.
func movePSU(facts string, off int64) (string, error) {
	i := strings.IndexByte(facts, '|')
	if i < 0 {
		return facts, nil
	}
	j := strings.IndexByte(facts[i+1:], '|')
	if j < 0 {
		return "", fmt.Errorf("facts %.60q: no PSU field", facts)
	}
	j += i + 2 // the PSU's first byte
	k := strings.IndexByte(facts[j:], '|')
	if k < 0 {
		return "", fmt.Errorf("facts %.60q: no field after the PSU", facts)
	}
	psu, err := strconv.ParseInt(facts[j:j+k], 10, 64)
	if err != nil {
		return "", fmt.Errorf("facts %.60q: PSU: %w", facts, err)
	}
	return facts[:j] + strconv.FormatInt(psu+off, 10) + facts[j+k:], nil
}
