package store

import "strings"

// Submission is one row of the submissions collection as a push writes it.
type Submission struct {
	ID, UUID, FormID string
	Version          int
	Survey           string // surveys record id
	PSU, Dwelling    int
	Stratum, Region  string
	Urban            string
	Weight           float64
	Date             string // a_date as answered
	Status           string
	Enumerator, Team string
	DeviceID         string
	Assignment       string
	StartedAt        string // PocketBase date text, "" when unknown
	CompletedAt      string
	DurationS        float64
	HHSize           int
	Flags            string // JSON
	Errors           string // JSON
	Warnings         string // JSON
	ErrorCount       int
	WarningCount     int
	Data, PII        string // JSON
	ContentHash      string
	RawHash          string
	Lat, Lon         float64 // 0, 0 when there is no fix
	GPSAccuracy      float64
	HeadKey          string
	RosterSig        string
	Facts            string
	DuplicateOf      string
	ConflictOf       string
	Supersedes       string
	Seq              int64
	Created, Updated string
}

// Member is one row of the household roster (table members): its typed columns and facts.
// Its answers are not stored again here: they are the submission's, data[roster][Pos] (and
// pii[roster][Pos]), which the record API shows as the row's data and pii (hooks/roster.go).
type Member struct {
	ID, Submission, FormID, Status string
	Pos                            int // index in the roster repeat, from 0
	Line                           int
	Rel, Sex                       string
	Age                            float64
	MigStatus                      string
	Facts                          string
}

// Emigrant is one row of the emigrants repeat (table emigrants); its answers are the
// submission's data[emigrants][Line-1].
type Emigrant struct {
	ID, Submission, FormID, Status string
	Line                           int // position in the repeat, from 1
	Sex                            string
	Age                            float64
	Country                        string
	YearLeft                       float64
	Reason                         string
}

// Review is one audit record (table reviews).
type Review struct {
	ID, Submission, Actor, ActorName, Role string
	From, To, Action, Note, DuplicateOf    string
	Created, Updated                       string
}

// column pairs a column name with the field of T it is written from, so an INSERT's names
// and values are listed together and cannot drift apart.
type column[T any] struct {
	name  string
	value func(*T) any
}

func insertSQL[T any](table string, cols []column[T]) string {
	return insertRowsSQL(table, cols, 1)
}

// insertRowsSQL is an INSERT of n rows in one statement. OR FAIL, not SQLite's default
// ABORT: an ABORT that may meet a unique constraint after writing makes SQLite keep a
// statement journal, a copy of every page the statement touches (for a submission, its
// triggers and ~15 indexes, 0.3–0.5 ms of CPU a household, the largest single cost of an OpenRosa
// submission). OR FAIL needs none. What it keeps of a failed statement (the rows before
// the failing one) is undone by the caller: every write here runs in a group that is
// rolled back whole on an error, or in a savepoint rolled back (group.go).
func insertRowsSQL[T any](table string, cols []column[T], n int) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = `"` + c.name + `"`
	}
	one := "(?" + strings.Repeat(", ?", len(cols)-1) + ")"
	return "INSERT OR FAIL INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES " + one + strings.Repeat(", "+one, n-1)
}

// rowsValues is the values of rows, one row after another, for insertRowsSQL.
func rowsValues[T any](cols []column[T], rows []T) []any {
	out := make([]any, 0, len(cols)*len(rows))
	for i := range rows {
		for _, c := range cols {
			out = append(out, c.value(&rows[i]))
		}
	}
	return out
}

// Values is the row as InsertSubmission writes it: each column's name and value.
func (s *Submission) Values() map[string]any {
	out := make(map[string]any, len(submissionColumns))
	for _, c := range submissionColumns {
		out[c.name] = c.value(s)
	}
	return out
}

func values[T any](cols []column[T], row *T) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = c.value(row)
	}
	return out
}

var submissionColumns = []column[Submission]{
	{"id", func(s *Submission) any { return s.ID }},
	{"uuid", func(s *Submission) any { return s.UUID }},
	{"form_id", func(s *Submission) any { return s.FormID }},
	{"version", func(s *Submission) any { return s.Version }},
	{"survey", func(s *Submission) any { return s.Survey }},
	{"a_psu", func(s *Submission) any { return s.PSU }},
	{"a_dwelling", func(s *Submission) any { return s.Dwelling }},
	{"a_stratum", func(s *Submission) any { return s.Stratum }},
	{"a_region", func(s *Submission) any { return s.Region }},
	{"a_urban", func(s *Submission) any { return s.Urban }},
	{"a_weight", func(s *Submission) any { return s.Weight }},
	{"a_date", func(s *Submission) any { return s.Date }},
	{"status", func(s *Submission) any { return s.Status }},
	{"enumerator", func(s *Submission) any { return s.Enumerator }},
	{"team", func(s *Submission) any { return s.Team }},
	{"device_id", func(s *Submission) any { return s.DeviceID }},
	{"assignment", func(s *Submission) any { return s.Assignment }},
	{"started_at", func(s *Submission) any { return s.StartedAt }},
	{"completed_at", func(s *Submission) any { return s.CompletedAt }},
	{"duration_s", func(s *Submission) any { return s.DurationS }},
	{"hh_size", func(s *Submission) any { return s.HHSize }},
	{"flags", func(s *Submission) any { return s.Flags }},
	{"errors", func(s *Submission) any { return s.Errors }},
	{"warnings", func(s *Submission) any { return s.Warnings }},
	{"error_count", func(s *Submission) any { return s.ErrorCount }},
	{"warning_count", func(s *Submission) any { return s.WarningCount }},
	{"data", func(s *Submission) any { return s.Data }},
	{"pii", func(s *Submission) any { return s.PII }},
	{"content_hash", func(s *Submission) any { return s.ContentHash }},
	{"raw_hash", func(s *Submission) any { return s.RawHash }},
	{"lat", func(s *Submission) any { return s.Lat }},
	{"lon", func(s *Submission) any { return s.Lon }},
	{"gps_accuracy", func(s *Submission) any { return s.GPSAccuracy }},
	{"head_key", func(s *Submission) any { return s.HeadKey }},
	{"roster_sig", func(s *Submission) any { return s.RosterSig }},
	{"facts", func(s *Submission) any { return s.Facts }},
	{"duplicate_of", func(s *Submission) any { return s.DuplicateOf }},
	{"conflict_of", func(s *Submission) any { return s.ConflictOf }},
	{"supersedes", func(s *Submission) any { return s.Supersedes }},
	{"seq", func(s *Submission) any { return s.Seq }},
	{"created", func(s *Submission) any { return s.Created }},
	{"updated", func(s *Submission) any { return s.Updated }},
}

var memberColumns = []column[Member]{
	{"id", func(m *Member) any { return m.ID }},
	{"submission", func(m *Member) any { return m.Submission }},
	{"form_id", func(m *Member) any { return m.FormID }},
	{"status", func(m *Member) any { return m.Status }},
	{"pos", func(m *Member) any { return m.Pos }},
	{"line", func(m *Member) any { return m.Line }},
	{"b_rel", func(m *Member) any { return m.Rel }},
	{"b_sex", func(m *Member) any { return m.Sex }},
	{"b_age", func(m *Member) any { return m.Age }},
	{"mig_status", func(m *Member) any { return m.MigStatus }},
	{"facts", func(m *Member) any { return m.Facts }},
}

var emigrantColumns = []column[Emigrant]{
	{"id", func(e *Emigrant) any { return e.ID }},
	{"submission", func(e *Emigrant) any { return e.Submission }},
	{"form_id", func(e *Emigrant) any { return e.FormID }},
	{"status", func(e *Emigrant) any { return e.Status }},
	{"line", func(e *Emigrant) any { return e.Line }},
	{"d_sex", func(e *Emigrant) any { return e.Sex }},
	{"d_age", func(e *Emigrant) any { return e.Age }},
	{"d_country", func(e *Emigrant) any { return e.Country }},
	{"d_year_left", func(e *Emigrant) any { return e.YearLeft }},
	{"d_reason", func(e *Emigrant) any { return e.Reason }},
}

var reviewColumns = []column[Review]{
	{"id", func(r *Review) any { return r.ID }},
	{"submission", func(r *Review) any { return r.Submission }},
	{"actor", func(r *Review) any { return r.Actor }},
	{"actor_name", func(r *Review) any { return r.ActorName }},
	{"role", func(r *Review) any { return r.Role }},
	{"from", func(r *Review) any { return r.From }},
	{"to", func(r *Review) any { return r.To }},
	{"action", func(r *Review) any { return r.Action }},
	{"note", func(r *Review) any { return r.Note }},
	{"duplicate_of", func(r *Review) any { return r.DuplicateOf }},
	{"created", func(r *Review) any { return r.Created }},
	{"updated", func(r *Review) any { return r.Updated }},
}
