package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Indexes for the console's submissions table: a supervisor's first page (their team, newest
// first), and the table sorted by PSU for a team or for everyone, read the page off an index instead of sorting the
// team's rows (at 100,000 households: 250 ms → a few ms; see e2e/console BenchmarkConsole100k).
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("submissions")
		if err != nil {
			return err
		}
		c.AddIndex("idx_submissions_team_created", false, "`team`, `created`", "")
		c.AddIndex("idx_submissions_team_psu", false, "`team`, `a_psu`, `a_dwelling`", "")
		c.AddIndex("idx_submissions_psu", false, "`a_psu`, `a_dwelling`", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("submissions")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_submissions_team_created")
		c.RemoveIndex("idx_submissions_team_psu")
		c.RemoveIndex("idx_submissions_psu")
		return app.Save(c)
	})
}
