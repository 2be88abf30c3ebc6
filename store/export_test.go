package store

// Statements of the write path, for the query-plan tests (package store_test).
var PlanSQL = map[string]string{
	"byUUID":    byUUIDSQL,
	"byContent": byContentSQL,
	"inPSU":     inPSUSQL,
	"byRawHash": byRawHashSQL(1),
}
