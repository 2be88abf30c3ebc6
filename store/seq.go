package store

// Sequence is a counter stored in one column with a unique index. The next value is read
// inside the writing transaction; all writes go through one connection, so the order of the
// values is the order of the commits and a reader that remembers the last value it saw never
// skips a later change.
type Sequence struct {
	Table, Column string
}

// The two cursors. Both columns are called seq in the schema; they count different things.
var (
	// SubmissionChangeSeq moves whenever a submission is stored or changes (pushed,
	// reviewed, superseded, edited): the indicator cache and incremental exports compare it.
	SubmissionChangeSeq = Sequence{Table: "submissions", Column: "seq"}
	// FeedSeq is the position in the pull feed (table changes) that devices page through.
	FeedSeq = Sequence{Table: "changes", Column: "seq"}
)

// NextSQL is the query that reads the next value (for callers inside a PocketBase
// transaction, which cannot use this package's prepared statements).
func (q Sequence) NextSQL() string {
	return "SELECT COALESCE(MAX(" + q.Column + "), 0) + 1 FROM " + q.Table
}

// LastSQL reads the last value given out (0 when none).
func (q Sequence) LastSQL() string {
	return "SELECT COALESCE(MAX(" + q.Column + "), 0) FROM " + q.Table
}
