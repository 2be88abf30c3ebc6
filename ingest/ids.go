package ingest

import (
	"crypto/rand"
	"time"
)

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewID returns a 15 character record id in PocketBase's default id format ([a-z0-9]{15}).
func NewID() string {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on Linux; a failure here is unrecoverable
	}
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b[:])
}

// DBTime formats t the way PocketBase stores date and autodate fields.
func DBTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000Z")
}

// latestZone is the time zone where the calendar day starts first (UTC+14).
var latestZone = time.FixedZone("UTC+14", 14*60*60)

// Today is the "today" answers are checked against (a_date not after today): the date in
// the earliest time zone, so an interview done just after midnight local time (Nepal is
// UTC+5:45) is never refused as future-dated by a server running on UTC.
func Today(now time.Time) time.Time {
	return now.In(latestZone)
}
