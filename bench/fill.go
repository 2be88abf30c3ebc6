package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// cloneFill is the fast fill of --fill-route: the households the route stored (every row with
// rowid ≤ baseRow) are copied round after round until the survey has `target` households,
// each round into PSUs of its own (a_psu + round·cloneStride, in the column, the answers and
// the facts), with new record ids, uuids and change numbers, as approved households: the
// rows a push of those answers and their approval would have stored, written by SQL
// statements through the superuser SQL API (INSERT … SELECT, 5,000 households each), which
// is no server path. The copies keep the originals' other answers, digests and timestamps:
// indicators, export and pull read them as they read any approved household.
func (b *Bench) cloneFill(ctx context.Context, c *client, acc *accounts, db *sql.DB, target int) error {
	var base, baseRow, have int64
	q := "SELECT count(*), COALESCE(max(rowid), 0) FROM submissions WHERE form_id = 'mhs' AND status IN ('received', 'flagged', 'invalid', 'approved')"
	if err := db.QueryRowContext(ctx, q).Scan(&base, &baseRow); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM submissions WHERE form_id = 'mhs'").Scan(&have); err != nil {
		return err
	}
	if base == 0 {
		return fmt.Errorf("clone fill: no households to copy")
	}
	var maxPSU int64
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(max(a_psu), 0) FROM submissions WHERE form_id = 'mhs'").Scan(&maxPSU); err != nil {
		return err
	}
	stride := int64(cloneStride)
	for stride <= maxPSU {
		stride *= 10
	}
	cols := map[string][]string{}
	for _, t := range []string{"submissions", "members", "emigrants"} {
		rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info('"+t+"')")
		if err != nil {
			return err
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			cols[t] = append(cols[t], n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	start := time.Now()
	last := start
	need := int64(target) - have
	b.logf("fill: copying %d households (the %d the route stored, round after round, %d rowids each) as approved households in PSUs of their own …", need, base, baseRow)
	made := int64(0)
	for round := int64(1); made < need; round++ {
		if round > 999 {
			return fmt.Errorf("clone fill: more than 999 copies of the %d households the route stored: raise --fill-route", base)
		}
		off := round * stride
		for lo := int64(0); lo < baseRow && made < need; lo += cloneChunk {
			hi := min(lo+cloneChunk, baseRow)
			// Household rowids of this chunk, limited to what is still needed.
			where := fmt.Sprintf("s.form_id = 'mhs' AND s.status IN ('received', 'flagged', 'invalid', 'approved') AND s.rowid > %d AND s.rowid <= %d", lo, hi)
			var n int64
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM submissions s WHERE "+where).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			if made+n > need { // the last chunk: only its first rows
				var cut int64
				if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT rowid FROM submissions s WHERE %s ORDER BY rowid LIMIT 1 OFFSET %d", where, need-made-1)).Scan(&cut); err != nil {
					return err
				}
				where = fmt.Sprintf("s.form_id = 'mhs' AND s.status IN ('received', 'flagged', 'invalid', 'approved') AND s.rowid > %d AND s.rowid <= %d", lo, cut)
				n = need - made
			}
			for _, stmt := range cloneStatements(cols, where, round, off) {
				if _, err := acc.sql(ctx, c, stmt); err != nil {
					return fmt.Errorf("clone fill: %w", err)
				}
			}
			made += n
			if time.Since(last) > 10*time.Second {
				b.logf("  … %d/%d (%.0f/s)", made, need, float64(made)/time.Since(start).Seconds())
				last = time.Now()
			}
		}
	}
	b.logf("fill: %d households copied in %s (%.0f/s)", made, time.Since(start).Round(time.Millisecond), float64(made)/time.Since(start).Seconds())
	b.figure("clone_fill_households_per_s", float64(made)/time.Since(start).Seconds(), "households/s")
	return nil
}

const (
	cloneStride = 100000 // PSU offset of each round (times 10 until above every PSU)
	cloneChunk  = 5000   // household rowids per statement
)

// cloneStatements copy the households of `where` (alias s) and their members and emigrants
// as round `round`: ids <first 12 characters>c<round, 3 digits>, 16 characters, so that no copy
// takes the id of an original (15 characters), the PSU moved by off.
func cloneStatements(cols map[string][]string, where string, round, off int64) []string {
	suffix := fmt.Sprintf("c%03d", round)
	newID := func(col string) string { return "substr(" + col + ", 1, 12) || '" + suffix + "'" }
	// facts: prefix|stratum|psu|rest — the PSU field moved by off.
	facts := func(f string) string {
		r1 := "substr(" + f + ", instr(" + f + ", '|') + 1)"
		r2 := "substr(" + r1 + ", instr(" + r1 + ", '|') + 1)"
		return fmt.Sprintf("CASE WHEN instr(%[1]s, '|') = 0 THEN %[1]s ELSE substr(%[1]s, 1, instr(%[1]s, '|') + instr(%[2]s, '|')) || "+
			"(CAST(substr(%[3]s, 1, instr(%[3]s, '|') - 1) AS INTEGER) + %[4]d) || substr(%[3]s, instr(%[3]s, '|')) END", f, r1, r2, off)
	}
	sub := make([]string, len(cols["submissions"]))
	for i, c := range cols["submissions"] {
		e := "s.`" + c + "`"
		switch c {
		case "id":
			e = newID("s.id")
		case "uuid":
			e = "s.uuid || '-" + suffix + "'"
		case "seq":
			e = "(SELECT max(seq) FROM submissions) + s.seq"
		case "status":
			e = "'approved'"
		case "a_psu":
			e = fmt.Sprintf("s.a_psu + %d", off)
		case "data":
			e = fmt.Sprintf("json_set(s.data, '$.a_psu', s.a_psu + %d)", off)
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
				e = newID("r.id")
			case "submission":
				e = newID("r.submission")
			case "status":
				e = "'approved'"
			case "facts":
				e = facts("r.facts")
			}
			sel[i] = e
		}
		stmts = append(stmts, "INSERT INTO "+t+" (`"+strings.Join(cols[t], "`, `")+"`) SELECT "+strings.Join(sel, ", ")+
			" FROM "+t+" r WHERE r.submission IN (SELECT s.id FROM submissions s WHERE "+where+")")
	}
	return stmts
}
