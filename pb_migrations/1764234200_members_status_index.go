package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// idx_members_status (form_id, status) is a prefix of idx_members_facts (form_id, status,
// facts), which every query on members by survey and status already takes (EXPLAIN QUERY
// PLAN, with and without sqlite_stat1: the report's count, the indicators' facts, the
// bench's approvals); each household wrote ~5 entries into it for nothing. (The same pair on
// submissions is kept: idx_submissions_status serves the counts by one status, reading a
// quarter of the pages the facts index would.)
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("members")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_members_status")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("members")
		if err != nil {
			return err
		}
		c.AddIndex("idx_members_status", false, "`form_id`, `status`", "")
		return app.Save(c)
	})
}
