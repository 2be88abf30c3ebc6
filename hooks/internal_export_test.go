package hooks

// DecisionsSQL is the pull's decision query, for its plan test (pull_test.go).
const DecisionsSQL = decisionsSQL
