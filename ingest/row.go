package ingest

import (
	"context"
	"math"
	"time"

	"fieldbase/dedup"
	"fieldbase/design"
	"fieldbase/form"
	"fieldbase/store"
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

	inserted *store.Submission // the row insert wrote (for the record events)

	// The roster rows, built before the write transaction (rosterRows): the transaction is
	// PocketBase's only writer, so what can be done outside it is.
	members   []store.Member
	emigrants []store.Emigrant
}

func insert(ctx context.Context, tx *store.Tx, r *row) error {
	seq, err := tx.NextSubmissionSeq(ctx)
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
	d := r.survey.Design
	members := design.Rows(r.data, d.Roster)
	sub := &store.Submission{
		ID: r.id, UUID: r.uuid, FormID: r.survey.Form.FormID, Version: r.survey.Form.Version, Survey: r.survey.RecordID,
		PSU: r.summary.PSU, Dwelling: r.summary.Dwelling,
		Stratum: fit(str(r.data, d.Stratum), 20), Region: fit(str(r.data, d.Region), 20), Urban: fit(str(r.data, d.Urban), 2),
		Weight: num(r.data, d.Weight), Date: fit(str(r.data, d.Date), 10),
		Status: r.status, Enumerator: r.caller.UserID, Team: r.caller.TeamID, DeviceID: cut(r.env.DeviceID, 200),
		Assignment: r.assignment, StartedAt: dbTimeOrEmpty(started, startOK), CompletedAt: dbTimeOrEmpty(completed, compOK),
		DurationS: duration, HHSize: len(members),
		Flags: jsonText(r.flags), Errors: jsonText(r.errors), Warnings: jsonText(r.warnings),
		ErrorCount: len(r.errors), WarningCount: len(r.warnings),
		Data: r.dataJSON, PII: r.piiJSON, ContentHash: r.hash, RawHash: r.rawHash,
		HeadKey: r.summary.HeadKey, RosterSig: fit(dedup.RosterSig(r.summary.Roster), 2000), Facts: r.hhFacts,
		DuplicateOf: r.duplicateOf, ConflictOf: r.conflictOf, Supersedes: r.supersedes, Seq: seq, Created: ts, Updated: ts,
	}
	if r.summary.HasGPS {
		sub.Lat, sub.Lon, sub.GPSAccuracy = r.summary.Lat, r.summary.Lon, r.summary.Accuracy
	}
	if r.members == nil && r.emigrants == nil {
		r.members, r.emigrants = rosterRows(r, sub.FormID)
	}
	mrows, erows := r.members, r.emigrants
	for i := range mrows {
		mrows[i].Status = r.status
	}
	for i := range erows {
		erows[i].Status = r.status
	}
	if err := tx.InsertSubmission(ctx, sub, mrows, erows); err != nil {
		return err
	}
	r.inserted = sub
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

// str and num read the answer of a role for a typed column; a role the survey does not
// declare ("") or an answer of the wrong type stores the column's zero value (the raw answer
// is kept in data and the validation errors say what is wrong).
func str(data map[string]any, key string) string {
	if key == "" {
		return ""
	}
	s, _ := data[key].(string)
	return s
}

func num(data map[string]any, key string) float64 {
	if key == "" {
		return 0
	}
	f, ok := data[key].(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}
