// Package ingest stores pushed submissions: one transaction per household, with the
// deduplication lookups of sync.md done inside that transaction so two concurrent pushes of
// the same household can never both be stored as new.
//
// It speaks database/sql to PocketBase's SQLite file directly (prepared statements on the
// single writer connection) because PocketBase's per-record Save costs ~10x more per row;
// the collections and their columns are created by pb_migrations. No PocketBase import here:
// hooks/ hands it the two connection pools.
package ingest
