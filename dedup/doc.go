// Package dedup finds repeated household interviews.
//
// Two kinds of repetition matter to the sync server (see spec/sync.md):
//   - the same answers sent again, possibly under a new submission id: detected
//     with ContentHash, a SHA-256 of the canonical JSON of the answers, so key
//     order and number spelling (1, 1.0, 1e0) do not change the hash;
//   - the same household interviewed twice: the same household key (survey,
//     PSU, dwelling), or the same PSU with GPS points within 30 m and a roster
//     that matches (head name or most members by sex and age). Compare scores
//     a pair of Household summaries and says why.
//
// The package is plain Go with no PocketBase import and never panics on input.
package dedup
