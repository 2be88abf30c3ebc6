package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// idx_submissions_decision covers what a pull tells a device about a decided submission
// (hooks/pull.go decisionsJSON). The table's columns come in name order, so status, uuid and
// the review note sit after the ~2 KB of answers: reading them from the row walked its
// overflow pages, and after any write (a pull records the device) every reader's page cache
// is cold again, so a 1,000-decision pull read ~4,000 pages. The ids are time-ordered
// (ingest.NewID), so a new household's entry is appended at the index's right edge.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("submissions")
		if err != nil {
			return err
		}
		c.AddIndex("idx_submissions_decision", false,
			"`id`, `enumerator`, `uuid`, `status`, `review_note`, `reviewed_at`, `duplicate_of`", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("submissions")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_submissions_decision")
		return app.Save(c)
	})
}
