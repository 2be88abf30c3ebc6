package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"fieldbase/form"
)

// Survey is a compiled survey version as the server knows it.
type Survey struct {
	RecordID string // surveys collection record id
	Form     *form.Survey

	hhSensitive     []string
	repeatSensitive map[string][]string
}

// Surveys finds a compiled survey by form id and version.
type Surveys interface {
	Survey(formID string, version int) (*Survey, bool)
}

// FactsFunc turns validated answers into the stored indicator facts of the household
// and of each member row (see package indicators); nil stores none.
type FactsFunc func(sv *form.Survey, data map[string]any) (household string, members []string)

// Store writes submissions. Writer must be PocketBase's single-connection writer pool and
// Reader its concurrent read pool.
type Store struct {
	Writer  *sql.DB
	Reader  *sql.DB
	Surveys Surveys
	Facts   FactsFunc
	Now     func() time.Time // for tests; time.Now when nil

	stmts     map[string]*sql.Stmt
	readStmts map[string]*sql.Stmt // the id lookup, prepared on Reader too (resends)
}

// statement texts, prepared once on the writer (sql.Stmt re-prepares on a new connection).
var statements = map[string]string{
	"byUUID": `SELECT id, content_hash, status, errors, warnings, duplicate_of, flags FROM submissions WHERE uuid = ? ORDER BY created`,
	"byHash": `SELECT id, uuid FROM submissions WHERE form_id = ? AND content_hash = ? AND status NOT IN ('duplicate','superseded') LIMIT 1`,
	// Candidates for a probable duplicate: same PSU and either the same dwelling or a GPS
	// point inside a box around the new one (dedup.Compare then measures the distance).
	"inPSU": `SELECT id, uuid, a_dwelling, lat, lon, gps_accuracy, head_key, roster_sig FROM submissions
		WHERE form_id = ? AND a_psu = ? AND status NOT IN ('rejected','duplicate','superseded')
		AND (a_dwelling = ? OR (lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?)) LIMIT 500`,
	"supersedable": `SELECT id, status, enumerator FROM submissions WHERE uuid = ? ORDER BY created LIMIT 1`,
	"insertSub": `INSERT INTO submissions (id, uuid, form_id, version, survey, a_psu, a_dwelling, a_stratum, a_region, a_urban,
		a_weight, a_date, status, enumerator, team, device_id, assignment, started_at, completed_at, duration_s, hh_size,
		flags, errors, warnings, error_count, warning_count, data, pii, content_hash, raw_hash, lat, lon, gps_accuracy, head_key,
		roster_sig, facts, duplicate_of, conflict_of, supersedes, seq, created, updated)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
	"insertMember": `INSERT INTO members (id, submission, form_id, status, line, b_rel, b_sex, b_age, mig_status, data, pii, facts)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
	"insertEmigrant": `INSERT INTO emigrants (id, submission, form_id, status, line, d_sex, d_age, d_country, d_year_left, d_reason, data)
		VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
	"supersede":        `UPDATE submissions SET status = 'superseded', superseded_by = ?, seq = ?, updated = ? WHERE id = ?`,
	"supersedeMembers": `UPDATE members SET status = 'superseded' WHERE submission = ?`,
	"supersedeEmigr":   `UPDATE emigrants SET status = 'superseded' WHERE submission = ?`,
	"audit": `INSERT INTO reviews (id, submission, actor, actor_name, role, "from", "to", action, note, duplicate_of, created, updated)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
	"maxSeq": `SELECT COALESCE(MAX(seq), 0) FROM submissions`,
}

// Prepare prepares the statements; call once after the migrations have run.
func (s *Store) Prepare(ctx context.Context) error {
	s.stmts = make(map[string]*sql.Stmt, len(statements))
	for name, q := range statements {
		st, err := s.Writer.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("ingest: prepare %s: %w", name, err)
		}
		s.stmts[name] = st
	}
	// A resend is answered from the read pool: prepared there as well, it is not parsed
	// again for every item (each pooled connection prepares it once).
	s.readStmts = map[string]*sql.Stmt{}
	if s.Reader != nil {
		st, err := s.Reader.PrepareContext(ctx, statements["byUUID"])
		if err != nil {
			return fmt.Errorf("ingest: prepare byUUID on the read pool: %w", err)
		}
		s.readStmts["byUUID"] = st
	}
	return nil
}

// Close releases the prepared statements.
func (s *Store) Close() {
	for _, st := range s.stmts {
		st.Close()
	}
	for _, st := range s.readStmts {
		st.Close()
	}
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
