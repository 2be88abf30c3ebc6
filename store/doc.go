// Package store owns the SQL of submissions and their rows (members, emigrants, the review
// audit of a correction): every statement is a typed, prepared method here, so a typo is a
// compile error rather than a nil statement at run time, and every INSERT names its columns
// next to their values.
//
// Writes go through Store.Write: one transaction on PocketBase's single writer connection,
// committed with PRAGMA synchronous=FULL so the WAL is on disk before Write returns. A push
// request is one Write with a SAVEPOINT per household (Tx.Savepoint), so each household stays
// all-or-nothing and independent of the others while the request pays for one disk sync.
//
// The package speaks database/sql to the SQLite file PocketBase opened; it does not import
// PocketBase (hooks/ hands it the two connection pools).
package store
