package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The daily attachment quota (hooks/media.go) sums an enumerator's files of the last 24
// hours on every upload: an index keeps that a range scan.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("submission_files")
		if err != nil {
			return err
		}
		c.AddIndex("idx_submission_files_quota", false, "`enumerator`, `created`", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("submission_files")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_submission_files_quota")
		return app.Save(c)
	})
}
