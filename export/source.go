package export

// Source hands the export its rows. Each method calls fn once per row, in the same household
// order for every file (the key order of the Source), and stops at fn's first error, returning
// it. Households and Reviews may be running at the same time, in two goroutines (the export
// writes reviews.csv while it reads the households). The structs passed to fn, and the byte
// slices in them, are only valid during the call:
// a Source may reuse them (a database source scans into the same buffers), so fn copies what
// it keeps.
//
// The rows of the repeats are read out of each household's answers (Data and PII hold the
// repeats as arrays of objects, as the interview was received), in the same pass as
// households.csv: a Source reads every household once.
type Source interface {
	Households(fn func(*Household) error) error
	// Reviews iterates the audit trail of the exported households.
	Reviews(fn func(*Review) error) error
	// Withdrawn iterates the households that changed after the cursor (Filter.Since) and
	// left the exported statuses (an approved household reopened), so that a copy kept
	// from earlier exports can drop them. Called only for an incremental export.
	Withdrawn(fn func(*Withdrawn) error) error
}

// Withdrawn is a household an incremental export no longer holds.
type Withdrawn struct {
	Key string
	Seq int64
}

// Household is one submission: its record columns and its answers.
type Household struct {
	Key         string // submission record id: the join key of every file
	UUID        string // the id the device gave the interview
	FormID      string
	Version     int
	Status      string
	Enumerator  string // user record id
	Team        string // team record id
	DeviceID    string
	StartedAt   string // as stored ("2006-01-02 15:04:05.000Z") or RFC 3339; "" if unknown
	CompletedAt string
	DurationS   *float64 // nil if unknown
	Seq         int64    // change number (the export cursor)
	Created     string
	Updated     string
	Data        []byte // JSON object of the non-sensitive answers, repeats included
	PII         []byte // JSON object of the sensitive answers (repeats included); nil when PII is not exported
	// Replace holds household answers written instead of the stored ones where the
	// household has one (a displaced GPS point for a reader who may not see the recorded one).
	Replace []Answer
}

// Answer is one household answer that replaces the stored one (Household.Replace).
type Answer struct {
	Field string
	Value []byte // JSON; nil leaves the answer out
}

// Review is one audit record of a household's review.
type Review struct {
	Key         string // the household's key
	ID          string // review record id
	Created     string
	Actor       string // user record id
	ActorName   string
	Role        string
	From        string
	To          string
	Action      string
	Note        string
	DuplicateOf string
}
