package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"fieldbase/dedup"
	"fieldbase/form"
)

// Caller is the authenticated enumerator pushing.
type Caller struct {
	UserID string
	TeamID string
}

// Push handles one item of a push batch in its own transaction and says what became of it.
// It never fails the batch: store errors come back as an error for the handler to log and
// report as that item's failure.
func (s *Store) Push(ctx context.Context, c Caller, raw json.RawMessage) (Outcome, error) {
	return s.push(ctx, c, raw, rawHash(raw))
}

func (s *Store) push(ctx context.Context, c Caller, raw json.RawMessage, rawHash string) (Outcome, error) {
	p, ref := parseItem(raw)
	if ref != nil {
		return *ref, nil
	}
	id := p.env.ID
	sv, ok := s.Surveys.Survey(p.env.Survey, p.env.Version)
	if !ok {
		for _, pr := range p.problems {
			if pr.Path == "survey" || pr.Path == "version" {
				return refused(id, pr.Path, pr.Message), nil
			}
		}
		return refused(id, "survey", fmt.Sprintf("unknown survey %q version %d", truncate(p.env.Survey, 64), p.env.Version)), nil
	}
	if why := tooManyRows(p.env.Data); why != "" {
		return refused(id, "data", "submission too large to store: "+why), nil
	}
	var asg *assignment
	if p.env.Assignment != "" {
		a, err := s.findAssignment(ctx, p.env.Assignment)
		if err != nil {
			return Outcome{}, err
		}
		switch {
		case a == nil:
			return refused(id, "assignment", fmt.Sprintf("assignment %q does not exist", truncate(p.env.Assignment, 64))), nil
		case a.enumerator != c.UserID:
			return refused(id, "assignment", fmt.Sprintf("assignment %q is not yours", p.env.Assignment)), nil
		case a.survey != sv.RecordID:
			return refused(id, "assignment", fmt.Sprintf("assignment %q is for another survey version", p.env.Assignment)), nil
		}
		asg = a
	}

	hash := dedup.ContentHash(p.rawData)
	// A byte-identical resend was answered by PushAll; one with the same content in other
	// bytes (key order, number format) is recognised inside the transaction.

	if asg != nil {
		asg.preload(p.env.Data)
	}
	now := s.now()
	res := sv.Form.Validate(&p.env, Today(now))
	errs := capProblems(append(append([]form.Problem{}, p.problems...), res.Errors...))
	sub := &row{
		id: NewID(), uuid: id, env: &p.env, survey: sv, caller: c, hash: hash, rawHash: rawHash,
		data: res.Data, errors: errs, warnings: capProblems(nonNil(res.Warnings)), now: now,
	}
	if asg != nil {
		sub.assignment = asg.id
	}
	if sub.data == nil {
		sub.data = p.env.Data
	}
	sub.summary = dedup.FromData(sub.id, sub.data)
	// Facts even for an invalid household: a supervisor may still approve it.
	if s.Facts != nil {
		sub.hhFacts, sub.memberFacts = s.Facts(sv.Form, sub.data)
	}
	sub.pii = sv.splitPII(sub.data)
	sub.dataJSON, sub.piiJSON = jsonText(sub.data), jsonText(sub.pii)
	if why := tooLarge(sub.dataJSON, sub.piiJSON); why != "" {
		return refused(id, "data", "submission too large to store: "+why), nil
	}

	var out Outcome
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.store(ctx, tx, sub)
		return err
	})
	return out, err
}

// existing answers a retry: an item whose id is stored with the same content.
// It also returns what is stored under the id, for the conflict rule.
func (s *Store) existing(ctx context.Context, q querier, id, hash string) (Outcome, bool, []storedSub, error) {
	stored, err := s.storedByUUID(ctx, q, id)
	if err != nil {
		return Outcome{}, false, nil, err
	}
	for _, st := range stored {
		if st.hash == hash {
			out := Outcome{ID: id, Outcome: Exists, Status: st.status, Record: st.id,
				Errors: st.errors, Warnings: st.warnings, Flags: st.flags}
			if st.duplicateOf != "" {
				out.DuplicateOf = s.uuidOf(ctx, q, st.duplicateOf)
			}
			return out, true, stored, nil
		}
	}
	return Outcome{}, false, stored, nil
}

func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.Writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("ingest: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ingest: commit: %w", err)
	}
	return nil
}

// store runs the dedup rules of sync.md in order and writes the household.
func (s *Store) store(ctx context.Context, tx *sql.Tx, r *row) (Outcome, error) {
	stmt := func(name string) *sql.Stmt { return tx.StmtContext(ctx, s.stmts[name]) }

	// 1. Same id: a retry (exists) or different content (conflict: keep both, linked).
	out, found, stored, err := s.existing(ctx, tx, r.uuid, r.hash)
	if err != nil || found {
		return out, err
	}
	outcome := Created
	status := "received"
	if len(r.errors) > 0 {
		status = "invalid"
	} else if len(r.warnings) > 0 {
		status = "flagged"
	}
	flag := func(f Flag) {
		r.flags = append(r.flags, f)
		if status == "received" {
			status = "flagged"
		}
	}
	if len(stored) > 0 {
		outcome = Conflict
		r.conflictOf = stored[0].id
		flag(Flag{Kind: "conflict", Other: stored[0].id, OtherID: r.uuid,
			Reasons: []string{"the same submission id was sent before with different answers"}})
	}

	// 2. Same content under a new id.
	var dupUUID string
	if r.conflictOf == "" {
		var dupID string
		err := stmt("byHash").QueryRowContext(ctx, r.survey.Form.FormID, r.hash).Scan(&dupID, &dupUUID)
		switch {
		case err == nil:
			status = "duplicate"
			r.duplicateOf = dupID
		case !errors.Is(err, sql.ErrNoRows):
			return Outcome{}, fmt.Errorf("ingest: content lookup: %w", err)
		}
	}

	// 3. Same household key, or same PSU + GPS + roster: flag for a supervisor.
	if status != "duplicate" && r.summary.PSU > 0 {
		if err := s.probableDuplicates(ctx, stmt("inPSU"), r, flag); err != nil {
			return Outcome{}, err
		}
	}

	// 4. A correction of a rejected submission.
	if r.env.Supersedes != "" {
		if err := s.supersede(ctx, tx, stmt, r); err != nil {
			return Outcome{}, err
		}
		if r.supersedes == "" {
			status = "invalid"
		}
	}
	r.status = status
	if err := s.insert(ctx, tx, stmt, r); err != nil {
		return Outcome{}, err
	}
	return Outcome{ID: r.uuid, Outcome: outcome, Status: status, Record: r.id, Errors: nonNil(r.errors),
		Warnings: r.warnings, DuplicateOf: dupUUID, Flags: r.flags}, nil
}

func (s *Store) probableDuplicates(ctx context.Context, st *sql.Stmt, r *row, flag func(Flag)) error {
	// No fix: a box no stored point can be in (stored "no fix" is 0, 0).
	latLo, latHi, lonLo, lonHi := 999.0, 999.0, 999.0, 999.0
	if h := r.summary; h.HasGPS {
		const margin = 3 * dedup.GPSRadius // metres; generous, the exact test is Compare's
		dLat := margin / 111320.0
		dLon := dLat / math.Max(math.Cos(h.Lat*math.Pi/180), 0.01)
		latLo, latHi, lonLo, lonHi = h.Lat-dLat, h.Lat+dLat, h.Lon-dLon, h.Lon+dLon
	}
	rows, err := st.QueryContext(ctx, r.survey.Form.FormID, r.summary.PSU, r.summary.Dwelling, latLo, latHi, lonLo, lonHi)
	if err != nil {
		return fmt.Errorf("ingest: PSU lookup: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, uid, headKey, sig string
		var dwelling int
		var lat, lon, acc sql.NullFloat64
		if err := rows.Scan(&id, &uid, &dwelling, &lat, &lon, &acc, &headKey, &sig); err != nil {
			return fmt.Errorf("ingest: PSU scan: %w", err)
		}
		if uid == r.uuid {
			continue // the conflict flag already links them
		}
		other := dedup.Household{ID: id, PSU: r.summary.PSU, Dwelling: dwelling, HeadKey: headKey}
		if lat.Valid && lon.Valid && (lat.Float64 != 0 || lon.Float64 != 0) {
			other.HasGPS, other.Lat, other.Lon, other.Accuracy = true, lat.Float64, lon.Float64, acc.Float64
		}
		other.Roster, _ = dedup.ParseRosterSig(sig)
		m := dedup.Compare(r.summary, other)
		if m.Probable {
			flag(Flag{Kind: "possible_duplicate", Other: id, OtherID: uid, Score: m.Score, Reasons: m.Reasons})
		}
	}
	return rows.Err()
}

func (s *Store) supersede(ctx context.Context, tx *sql.Tx, stmt func(string) *sql.Stmt, r *row) error {
	var oldID, oldStatus, oldEnum string
	err := stmt("supersedable").QueryRowContext(ctx, r.env.Supersedes).Scan(&oldID, &oldStatus, &oldEnum)
	reason := ""
	switch {
	case errors.Is(err, sql.ErrNoRows):
		reason = "no submission has that id"
	case err != nil:
		return fmt.Errorf("ingest: supersedes lookup: %w", err)
	case oldEnum != r.caller.UserID:
		reason = "it is not one of your submissions"
	case oldStatus != "rejected":
		reason = fmt.Sprintf("it is %s, and only a rejected submission can be corrected", oldStatus)
	}
	if reason != "" {
		r.errors = append(r.errors, form.Problem{Path: "supersedes", Rule: "check",
			Message: fmt.Sprintf("supersedes %q cannot be accepted: %s", truncate(r.env.Supersedes, 64), reason)})
		return nil
	}
	seq, err := s.nextSeq(ctx, stmt)
	if err != nil {
		return err
	}
	ts := DBTime(r.now)
	if _, err := stmt("supersede").ExecContext(ctx, r.id, seq, ts, oldID); err != nil {
		return fmt.Errorf("ingest: supersede: %w", err)
	}
	stmt("supersedeMembers").ExecContext(ctx, oldID)
	stmt("supersedeEmigr").ExecContext(ctx, oldID)
	if _, err := stmt("audit").ExecContext(ctx, NewID(), oldID, r.caller.UserID, "", "enumerator",
		"rejected", "superseded", "correction", "corrected by submission "+r.uuid, "", ts, ts); err != nil {
		return fmt.Errorf("ingest: audit: %w", err)
	}
	r.supersedes = oldID
	return nil
}

func (s *Store) nextSeq(ctx context.Context, stmt func(string) *sql.Stmt) (int64, error) {
	var seq int64
	if err := stmt("maxSeq").QueryRowContext(ctx).Scan(&seq); err != nil {
		return 0, fmt.Errorf("ingest: seq: %w", err)
	}
	return seq + 1, nil
}

func nonNil(p []form.Problem) []form.Problem {
	if p == nil {
		return []form.Problem{}
	}
	return p
}
