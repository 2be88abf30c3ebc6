// Package store owns the SQL of submissions and their rows (members, emigrants, the review
// audit of a correction): every statement is a typed, prepared method here, so a typo is a
// compile error rather than a nil statement at run time, and every INSERT names its columns
// next to their values.
//
// Writes go through Store.Write, a group commit (group.go): the Writes of concurrent
// requests (JSON push batches, OpenRosa submissions) that queue while the writer connection
// is busy are run by one leader in ONE transaction on PocketBase's single writer
// connection, each Write in a SAVEPOINT of its own and each household in a nested one
// (Tx.Savepoint), so every household stays all-or-nothing and independent of the others;
// the group is committed and its WAL synced once (walsync.go: after the writer connection
// is handed to the next group), and no Write returns before the sync that covers it.
//
// The package speaks database/sql to the SQLite file PocketBase opened; it does not import
// PocketBase (hooks/ hands it the two connection pools).
package store
