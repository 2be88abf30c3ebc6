package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// idx_submissions_key starts with the PSU and dwelling: (a_psu, a_dwelling, form_id, status,
// lat, lon), and idx_submissions_psu (a_psu, a_dwelling), now its prefix, is dropped. Each
// push wrote an entry into both at its PSU's place (a random page each for the commit);
// now into one. (The survey cannot come second: the console's table sorted by PSU and
// dwelling would then sort every household.)
//
// The queries that read them (EXPLAIN QUERY PLAN on the 1M-household data dir, with and
// without sqlite_stat1):
//   - the probable-duplicate read of every push (store inPSU: form_id, a_psu, status,
//     dwelling or GPS box) seeks the PSU and tests survey, status, dwelling and point on the
//     index entries, reading the row only of a household that passes;
//   - the console's table sorted by PSU for everyone (and an analyst's), its PSU and
//     PSU/dwelling search, counts with a PSU filter: on the key as on idx_submissions_psu;
//   - the assignments' progress (hooks/console_assign.go: survey, PSU, dwelling, team)
//     seeks all three;
//   - a PSU's first GPS point (hooks/enrich.go: survey, PSU) seeks the PSU and tests the
//     survey on the index.
//
// Both reads that name a survey and a PSU but no dwelling (inPSU, enrich) name the index
// (INDEXED BY): without statistics (a new data dir before PRAGMA optimize has run) SQLite
// rates form_id=? on a survey's own index (form_id first) as good as a_psu=? here, and
// took it, which reads every household of the survey.
//   - a team's table by PSU keeps idx_submissions_team_psu.
//
// What changes: a read of one survey's rows by form_id alone that took the key now takes
// idx_submissions_status (form_id=?), both then reading the rows (the refacts pass's ids in
// rowid order, hooks/indicators.go; the bench fill's max(a_psu) of mhs over the households
// it copies, which was one probe).
func init() {
	m.Register(func(app core.App) error {
		return editCollection(app, "submissions", func(c *core.Collection) {
			c.RemoveIndex("idx_submissions_psu")
			c.AddIndex("idx_submissions_key", false, "`a_psu`, `a_dwelling`, `form_id`, `status`, `lat`, `lon`", "")
		})
	}, func(app core.App) error {
		return editCollection(app, "submissions", func(c *core.Collection) {
			c.AddIndex("idx_submissions_psu", false, "`a_psu`, `a_dwelling`", "")
			c.AddIndex("idx_submissions_key", false, "`form_id`, `a_psu`, `a_dwelling`, `status`, `lat`, `lon`", "")
		})
	})
}
