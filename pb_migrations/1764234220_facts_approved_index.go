package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// idx_submissions_facts and idx_members_facts hold the approved rows only (a partial index,
// WHERE status = 'approved'). Every query that reads them asks for approved rows with that
// literal term, which is what lets SQLite take a partial index (EXPLAIN QUERY PLAN on the
// 1M-household data dir, with and without sqlite_stat1): the indicators' facts of households
// and of members, with and without a version filter (hooks/indicators.go), the report's and
// the indicator warm-up's counts of approved households and members (hooks/report.go,
// hooks/indicators_warm.go), COUNT(DISTINCT team/enumerator) of the report. A household
// arrives received, flagged or invalid, so until now every push wrote an entry into each
// for its household and each of its members, at a place its facts (stratum, PSU, ...) make
// random: two more pages a household for the commit to write (~22 → ~19 WAL frames a
// household in BenchmarkOpenRosaRoute), six more b-tree inserts, and at the approval one
// entry deleted and one inserted per row; now the approval only inserts.
//
// What used them for other statuses: the counts by survey and status of every status
// (console, export totals) take idx_submissions_status, as they did; the console's counts
// with a version filter take idx_submissions_status (form_id=?) instead of
// idx_submissions_facts (form_id=?), both then reading the rows for the version. On members
// only the bench's approval shortcut (direct SQL, not a server path) read non-approved rows
// by survey and status: it now walks the table.
func init() {
	m.Register(func(app core.App) error {
		return setFactsIndexes(app, "status = 'approved'")
	}, func(app core.App) error {
		return setFactsIndexes(app, "")
	})
}

// setFactsIndexes makes the facts indexes of submissions and members cover the rows where
// holds ("": all of them).
func setFactsIndexes(app core.App, where string) error {
	for _, name := range []string{"submissions", "members"} {
		if err := editCollection(app, name, func(c *core.Collection) {
			c.AddIndex("idx_"+name+"_facts", false, "`form_id`, `status`, `facts`", where)
		}); err != nil {
			return err
		}
	}
	return nil
}

// editCollection applies edit to a collection and saves it (PocketBase drops and makes
// again the indexes that changed).
func editCollection(app core.App, name string, edit func(*core.Collection)) error {
	c, err := app.FindCollectionByNameOrId(name)
	if err != nil {
		return err
	}
	edit(c)
	return app.Save(c)
}
