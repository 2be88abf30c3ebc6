package pb_migrations

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Makes submissions.seq unique: it is the change cursor the indicator cache and incremental
// exports read, so two rows with one value would let an export page past a change. Rows that
// share a value (older data dirs, records made before every path allocated one) get fresh
// values after the current last one, in creation order.
func init() {
	m.Register(func(app core.App) error {
		var dups []struct {
			ID string `db:"id"`
		}
		err := app.DB().NewQuery(`SELECT id FROM submissions s WHERE EXISTS (
				SELECT 1 FROM submissions o WHERE o.seq = s.seq AND (o.created < s.created OR (o.created = s.created AND o.id < s.id)))
			ORDER BY created, id`).All(&dups)
		if err != nil {
			return fmt.Errorf("find shared seq values: %w", err)
		}
		var last int64
		if err := app.DB().NewQuery("SELECT COALESCE(MAX(seq), 0) FROM submissions").Row(&last); err != nil {
			return err
		}
		for i, d := range dups {
			if _, err := app.DB().NewQuery("UPDATE submissions SET seq = {:seq} WHERE id = {:id}").
				Bind(dbx.Params{"seq": last + int64(i) + 1, "id": d.ID}).Execute(); err != nil {
				return fmt.Errorf("renumber %s: %w", d.ID, err)
			}
		}
		return setSeqUnique(app, true)
	}, func(app core.App) error {
		return setSeqUnique(app, false)
	})
}

func setSeqUnique(app core.App, unique bool) error {
	c, err := app.FindCollectionByNameOrId("submissions")
	if err != nil {
		return err
	}
	c.RemoveIndex("idx_submissions_seq")
	c.AddIndex("idx_submissions_seq", unique, "`seq`", "")
	return app.Save(c)
}
