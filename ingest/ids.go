package ingest

import (
	"crypto/rand"
	"time"
)

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// idEpoch starts the time part of the ids (8 base-36 digits of milliseconds: until 2109).
var idEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// NewID returns a 15 character record id in PocketBase's default id format ([a-z0-9]{15}):
// 8 characters of the time in milliseconds, in an order that sorts as the time does, then 7
// random ones (36^7, some 78 billion, per millisecond). Ids made one after the other sort
// together, so the rows of a group commit (a household's members, the households of one
// commit) go into the last leaf of each id index instead of one random leaf per row: a
// fully random id made every household write some 8 more index pages to the WAL.
func NewID() string {
	var b [15]byte
	if _, err := rand.Read(b[8:]); err != nil {
		panic(err) // crypto/rand never fails on Linux; a failure here is unrecoverable
	}
	ms := uint64(max(time.Since(idEpoch).Milliseconds(), 0))
	for i := 7; i >= 0; i-- {
		b[i] = sortedDigits[ms%36]
		ms /= 36
	}
	for i := 8; i < len(b); i++ {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b[:])
}

// sortedDigits are the id's characters in byte order (SQLite compares ids as bytes).
const sortedDigits = "0123456789abcdefghijklmnopqrstuvwxyz"

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
