package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"fieldbase/dedup"
	"fieldbase/form"
)

// row is one submission on its way into the store.
type row struct {
	id, uuid, hash string
	rawHash        string
	env            *form.Envelope
	survey         *Survey
	caller         Caller
	now            time.Time

	data, pii          map[string]any
	dataJSON, piiJSON  string
	errors, warnings   []form.Problem
	flags              []Flag
	summary            dedup.Household
	hhFacts            string
	memberFacts        []string
	status, assignment string
	duplicateOf        string
	conflictOf         string
	supersedes         string
}

func (s *Store) insert(ctx context.Context, tx *sql.Tx, stmt func(string) *sql.Stmt, r *row) error {
	seq, err := s.nextSeq(ctx, stmt)
	if err != nil {
		return err
	}
	ts := DBTime(r.now)
	started, startOK := parseTime(r.env.StartedAt)
	completed, compOK := parseTime(r.env.CompletedAt)
	// Number columns are NOT NULL in PocketBase: 0 stands for "unknown" (no GPS fix, no times).
	var duration float64
	if startOK && compOK {
		duration = completed.Sub(started).Seconds()
	}
	members, _ := r.data["members"].([]any)
	var lat, lon, acc float64
	if r.summary.HasGPS {
		lat, lon, acc = r.summary.Lat, r.summary.Lon, r.summary.Accuracy
	}
	_, err = stmt("insertSub").ExecContext(ctx,
		r.id, r.uuid, r.survey.Form.FormID, r.survey.Form.Version, r.survey.RecordID,
		r.summary.PSU, r.summary.Dwelling, fit(str(r.data["a_stratum"]), 20), fit(str(r.data["a_region"]), 20), fit(str(r.data["a_urban"]), 2),
		num(r.data["a_weight"]), fit(str(r.data["a_date"]), 10), r.status, r.caller.UserID, r.caller.TeamID, cut(r.env.DeviceID, 200),
		r.assignment, dbTimeOrEmpty(started, startOK), dbTimeOrEmpty(completed, compOK), duration, len(members),
		jsonText(r.flags), jsonText(r.errors), jsonText(r.warnings), len(r.errors), len(r.warnings),
		r.dataJSON, r.piiJSON, r.hash, r.rawHash, lat, lon, acc, r.summary.HeadKey,
		fit(dedup.RosterSig(r.summary.Roster), 2000), r.hhFacts, r.duplicateOf, r.conflictOf, r.supersedes, seq, ts, ts)
	if err != nil {
		return fmt.Errorf("ingest: insert submission: %w", err)
	}
	memberPII, _ := r.pii["members"].([]any)
	for i, m := range members {
		mrow, _ := m.(map[string]any)
		line := i + 1
		if v, ok := mrow["b_line"].(float64); ok {
			line = int(v)
		}
		var facts string
		if i < len(r.memberFacts) {
			facts = r.memberFacts[i]
		}
		var pii any
		if i < len(memberPII) {
			pii = jsonText(memberPII[i])
		}
		if _, err := stmt("insertMember").ExecContext(ctx, NewID(), r.id, r.survey.Form.FormID, r.status, line,
			fit(str(mrow["b_rel"]), 4), fit(str(mrow["b_sex"]), 4), num(mrow["b_age"]), fit(str(mrow["mig_status"]), 10),
			jsonText(mrow), pii, facts); err != nil {
			return fmt.Errorf("ingest: insert member %d: %w", i, err)
		}
	}
	emigrants, _ := r.data["emigrants"].([]any)
	for i, e := range emigrants {
		erow, _ := e.(map[string]any)
		if _, err := stmt("insertEmigrant").ExecContext(ctx, NewID(), r.id, r.survey.Form.FormID, r.status, i+1,
			fit(str(erow["d_sex"]), 4), num(erow["d_age"]), fit(str(erow["d_country"]), 8), num(erow["d_year_left"]),
			fit(str(erow["d_reason"]), 20), jsonText(erow)); err != nil {
			return fmt.Errorf("ingest: insert emigrant %d: %w", i, err)
		}
	}
	return nil
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func dbTimeOrEmpty(t time.Time, ok bool) string {
	if !ok {
		return ""
	}
	return DBTime(t)
}

// str and num read an answer for a typed column; a wrong type stores the column's zero
// value (the raw answer is kept in data and the validation errors say what is wrong).
func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) float64 {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}
