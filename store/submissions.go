package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Stored is what a push needs to know of a submission already stored: its receipt.
type Stored struct {
	ID, UUID, ContentHash, Status, DuplicateOf string
	RawHash                                    string // set by ByUUID only
	Enumerator, Team                           string // who recorded it: a push answers only about the caller's own
	Errors, Warnings, Flags                    string // JSON as stored ("" for NULL)
}

// Candidate is a live submission of the same PSU that may be the same household.
type Candidate struct {
	ID, UUID         string
	Enumerator, Team string
	Dwelling         int
	Lat, Lon, GPSAcc sql.NullFloat64
	HeadKey          string
	RosterSig        string
}

// Box is a latitude/longitude rectangle.
type Box struct{ LatLo, LatHi, LonLo, LonHi float64 }

// Assignment is the part of an assignments record a push needs.
type Assignment struct {
	ID, Survey, Enumerator string
	PSU, Dwelling          float64
	Stratum, Region, Urban string
	Weight                 float64
}

func scanStored(rows *sql.Rows) ([]Stored, error) {
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		var st Stored
		var errs, warns, flags, raw sql.NullString
		if err := rows.Scan(&st.ID, &st.ContentHash, &st.Status, &errs, &warns, &st.DuplicateOf, &flags, &st.Enumerator, &st.Team, &raw); err != nil {
			return nil, fmt.Errorf("store: scan submission: %w", err)
		}
		st.Errors, st.Warnings, st.Flags, st.RawHash = errs.String, warns.String, flags.String, raw.String
		out = append(out, st)
	}
	return out, rows.Err()
}

// ByUUID lists the submissions stored under a device's id, oldest (first written) first.
func (t *Tx) ByUUID(ctx context.Context, uuid string) ([]Stored, error) {
	rows, err := t.stmt(ctx, t.s.ws.byUUID).QueryContext(ctx, uuid)
	if err != nil {
		return nil, fmt.Errorf("store: submissions by id: %w", err)
	}
	return scanStored(rows)
}

// UUIDOf is the device id of a submission record and who recorded it ("" when there is none).
func (t *Tx) UUIDOf(ctx context.Context, recordID string) (uuid, enumerator string, err error) {
	return uuidOf(ctx, t.stmt(ctx, t.s.ws.uuidOf), recordID)
}

// UUIDOf reads the device id of a submission record and its enumerator from the read pool.
func (s *Store) UUIDOf(ctx context.Context, recordID string) (uuid, enumerator string, err error) {
	return uuidOf(ctx, s.rs.uuidOf, recordID)
}

func uuidOf(ctx context.Context, st *sql.Stmt, recordID string) (string, string, error) {
	var u, enum string
	err := st.QueryRowContext(ctx, recordID).Scan(&u, &enum)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("store: submission id of record %s: %w", recordID, err)
	}
	return u, enum, nil
}

// ByContent finds a live submission of the survey with the same content hash: the caller's
// own if there is one (enumerator), else anyone's.
func (t *Tx) ByContent(ctx context.Context, formID, hash, enumerator string) (found Candidate, ok bool, err error) {
	err = t.stmt(ctx, t.s.ws.byContent).QueryRowContext(ctx, formID, hash, enumerator).
		Scan(&found.ID, &found.UUID, &found.Enumerator, &found.Team)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Candidate{}, false, nil
	case err != nil:
		return Candidate{}, false, fmt.Errorf("store: content lookup: %w", err)
	}
	return found, true, nil
}

// InPSU lists live submissions of the PSU at the dwelling or with a GPS point in box.
func (t *Tx) InPSU(ctx context.Context, formID string, psu, dwelling int, box Box) ([]Candidate, error) {
	rows, err := t.stmt(ctx, t.s.ws.inPSU).QueryContext(ctx, formID, psu, dwelling, box.LatLo, box.LatHi, box.LonLo, box.LonHi)
	if err != nil {
		return nil, fmt.Errorf("store: PSU lookup: %w", err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var c Candidate
		if err := rows.Scan(&c.ID, &c.UUID, &c.Dwelling, &c.Lat, &c.Lon, &c.GPSAcc, &c.HeadKey, &c.RosterSig, &c.Enumerator, &c.Team); err != nil {
			return nil, fmt.Errorf("store: PSU scan: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Supersedable reads the first submission stored under uuid: what a correction replaces.
func (t *Tx) Supersedable(ctx context.Context, uuid string) (id, status, enumerator string, found bool, err error) {
	err = t.stmt(ctx, t.s.ws.supersedable).QueryRowContext(ctx, uuid).Scan(&id, &status, &enumerator)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", "", "", false, nil
	case err != nil:
		return "", "", "", false, fmt.Errorf("store: supersedes lookup: %w", err)
	}
	return id, status, enumerator, true, nil
}

// NextSubmissionSeq allocates the next SubmissionChangeSeq value. It is read from the table
// once per transaction and counted on from there: the transaction holds the only writer
// connection, so no other write takes a value meanwhile (a household rolled back to its
// savepoint leaves a gap, which readers of the sequence do not mind).
func (t *Tx) NextSubmissionSeq(ctx context.Context) (int64, error) {
	if t.seq == 0 {
		if err := t.stmt(ctx, t.s.ws.nextSubmSeq).QueryRowContext(ctx).Scan(&t.seq); err != nil {
			return 0, fmt.Errorf("store: next submission seq: %w", err)
		}
		return t.seq, nil
	}
	t.seq++
	return t.seq, nil
}

// Supersede marks submission old and its rows superseded by record by, at time ts, with a
// new change seq (so caches and incremental exports see it withdrawn).
func (t *Tx) Supersede(ctx context.Context, old, by, ts string) error {
	seq, err := t.NextSubmissionSeq(ctx)
	if err != nil {
		return err
	}
	if _, err := t.stmt(ctx, t.s.ws.supersedeSubmission).ExecContext(ctx, by, seq, ts, old); err != nil {
		return fmt.Errorf("store: supersede %s: %w", old, err)
	}
	if _, err := t.stmt(ctx, t.s.ws.supersedeMembers).ExecContext(ctx, old); err != nil {
		return fmt.Errorf("store: supersede members of %s: %w", old, err)
	}
	if _, err := t.stmt(ctx, t.s.ws.supersedeEmigrants).ExecContext(ctx, old); err != nil {
		return fmt.Errorf("store: supersede emigrants of %s: %w", old, err)
	}
	return nil
}

// InsertSubmission writes a submission with its roster rows: the members in as few
// statements as there are rowsPerInsert in them, and the emigrants likewise (a statement
// costs about as much again as the row it writes).
func (t *Tx) InsertSubmission(ctx context.Context, sub *Submission, members []Member, emigrants []Emigrant) error {
	if _, err := t.stmt(ctx, t.s.ws.insertSubmission).ExecContext(ctx, values(submissionColumns, sub)...); err != nil {
		return fmt.Errorf("store: insert submission: %w", err)
	}
	if err := insertRows(ctx, t, "member", t.s.ws.insertMembers[:], memberColumns, members); err != nil {
		return err
	}
	return insertRows(ctx, t, "emigrant", t.s.ws.insertEmigrants[:], emigrantColumns, emigrants)
}

// rowsPerInsert bounds the rows of one multi-row INSERT (12 columns a member: far below
// SQLite's limit on bound values); a longer roster takes several.
const rowsPerInsert = 16

// insertRows writes rows with the statements of stmts (stmts[k] inserts k+1 rows).
func insertRows[T any](ctx context.Context, t *Tx, what string, stmts []*sql.Stmt, cols []column[T], rows []T) error {
	for done := 0; done < len(rows); {
		n := min(len(rows)-done, len(stmts))
		if _, err := t.stmt(ctx, stmts[n-1]).ExecContext(ctx, rowsValues(cols, rows[done:done+n])...); err != nil {
			return fmt.Errorf("store: insert %ss %d to %d: %w", what, done+1, done+n, err)
		}
		done += n
	}
	return nil
}

// InsertReview writes an audit record.
func (t *Tx) InsertReview(ctx context.Context, r *Review) error {
	if _, err := t.stmt(ctx, t.s.ws.insertReview).ExecContext(ctx, values(reviewColumns, r)...); err != nil {
		return fmt.Errorf("store: insert review: %w", err)
	}
	return nil
}

// ByRawHashes reads, from the read pool, the stored submissions of an enumerator whose exact
// bytes hash to one of hashes (a device resending what it sent before), keyed by that hash.
// Another enumerator's are left out: a resend is answered only from the caller's own.
func (s *Store) ByRawHashes(ctx context.Context, enumerator string, hashes []string) (map[string]Stored, error) {
	if len(hashes) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(hashes)+1)
	for _, h := range hashes {
		args = append(args, h)
	}
	args = append(args, enumerator)
	var rows *sql.Rows
	var err error
	if len(hashes) == 1 {
		// One household per request (OpenRosa): the statement prepared once.
		rows, err = s.rs.byRawHash.QueryContext(ctx, args...)
	} else {
		rows, err = s.r.QueryContext(ctx, byRawHashSQL(len(hashes)), args...)
	}
	if err != nil {
		return nil, fmt.Errorf("store: resend lookup: %w", err)
	}
	defer rows.Close()
	out := map[string]Stored{}
	for rows.Next() {
		var h string
		var st Stored
		var errs, warns, flags sql.NullString
		if err := rows.Scan(&h, &st.ID, &st.UUID, &st.Status, &errs, &warns, &st.DuplicateOf, &flags, &st.Enumerator, &st.Team); err != nil {
			return nil, fmt.Errorf("store: resend scan: %w", err)
		}
		st.Errors, st.Warnings, st.Flags = errs.String, warns.String, flags.String
		out[h] = st
	}
	return out, rows.Err()
}

// Assignment reads an assignment from the read pool (nil when there is none).
func (s *Store) Assignment(ctx context.Context, id string) (*Assignment, error) {
	a := &Assignment{ID: id}
	err := s.rs.assignment.QueryRowContext(ctx, id).Scan(&a.Survey, &a.Enumerator, &a.PSU, &a.Dwelling,
		&a.Stratum, &a.Region, &a.Urban, &a.Weight)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: assignment %s: %w", id, err)
	}
	return a, nil
}

// UsedToday counts what an enumerator stored since a time (PocketBase date text): invalid
// submissions, and bytes of stored answers of any status (the daily quota).
func (s *Store) UsedToday(ctx context.Context, enumerator, since string) (invalid int, bytes int64, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT COUNT(CASE WHEN status = 'invalid' THEN 1 END),
		COALESCE(SUM(LENGTH(COALESCE(data, '')) + LENGTH(COALESCE(pii, ''))), 0)
		FROM submissions WHERE enumerator = ? AND created >= ?`, enumerator, since).Scan(&invalid, &bytes)
	if err != nil {
		return 0, 0, fmt.Errorf("store: quota of %s: %w", enumerator, err)
	}
	return invalid, bytes, nil
}

// byRawHashSQL reads the submissions of an enumerator (the last argument) with one of n raw
// hashes. "+enumerator": without the plus SQLite walks the enumerator's index (every
// submission the enumerator ever stored, a cost growing with the survey) instead of probing
// the raw_hash index once per hash.
func byRawHashSQL(n int) string {
	return `SELECT raw_hash, id, uuid, status, errors, warnings, duplicate_of, flags, enumerator, team FROM submissions
		WHERE raw_hash IN (?` + strings.Repeat(",?", n-1) + `) AND +enumerator = ?`
}
