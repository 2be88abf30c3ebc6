package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Indicator facts at census scale (issue 19).
//
//   - Covering indexes on (form_id, status, facts): GET /api/indicators reads the facts of
//     every approved row, and through idx_*_status each of them was a lookup into the
//     table's rows, whose answers (about 2 KB a household) fill the pages: reading 10^6
//     households' facts read the whole table. The index holds the facts themselves, in
//     (stratum, PSU) order, so the read is one pass over a compact b-tree.
//   - facts_log: one row per change of an approved household (approved, reopened,
//     rejected, deleted, facts rewritten), written by triggers, so whatever writes the
//     database (routes, the admin UI, the SQL API, another process) the indicators route
//     learns what changed since its snapshot and reads only those households
//     (indicators.Snapshot.Apply). old_status is the status before the change (NULL for an
//     insert); refacts is 1 when the facts or the survey changed or the row was deleted:
//     the snapshot cannot take those back and reads everything again. A household's members
//     carry its status (the review writes both), so the log is kept per household.
//
// The indexes are the collections' own (PocketBase drops and recreates them around a
// change of a column), the log and its triggers plain SQL.
var indicatorFactsSQL = []string{
	`CREATE TABLE IF NOT EXISTS facts_log (
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		sub        INTEGER NOT NULL,
		old_status TEXT,
		refacts    INTEGER NOT NULL DEFAULT 0)`,
	`CREATE TRIGGER IF NOT EXISTS facts_log_insert AFTER INSERT ON submissions
		WHEN NEW.status = 'approved'
		BEGIN INSERT INTO facts_log (sub, old_status) VALUES (NEW.rowid, NULL); END`,
	`CREATE TRIGGER IF NOT EXISTS facts_log_update AFTER UPDATE OF status, facts, form_id ON submissions
		WHEN (OLD.status = 'approved' OR NEW.status = 'approved')
			AND (OLD.status IS NOT NEW.status OR OLD.facts IS NOT NEW.facts OR OLD.form_id IS NOT NEW.form_id)
		BEGIN INSERT INTO facts_log (sub, old_status, refacts)
			VALUES (OLD.rowid, OLD.status, OLD.facts IS NOT NEW.facts OR OLD.form_id IS NOT NEW.form_id); END`,
	`CREATE TRIGGER IF NOT EXISTS facts_log_delete AFTER DELETE ON submissions
		WHEN OLD.status = 'approved'
		BEGIN INSERT INTO facts_log (sub, old_status, refacts) VALUES (OLD.rowid, OLD.status, 1); END`,
}

func init() {
	indexes := func(app core.App, add bool) error {
		for _, name := range []string{"submissions", "members"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			if add {
				c.AddIndex("idx_"+name+"_facts", false, "`form_id`, `status`, `facts`", "")
			} else {
				c.RemoveIndex("idx_" + name + "_facts")
			}
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	}
	m.Register(func(app core.App) error {
		if err := indexes(app, true); err != nil {
			return err
		}
		for _, q := range indicatorFactsSQL {
			if _, err := app.DB().NewQuery(q).Execute(); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, q := range []string{"DROP TRIGGER IF EXISTS facts_log_insert", "DROP TRIGGER IF EXISTS facts_log_update",
			"DROP TRIGGER IF EXISTS facts_log_delete", "DROP TABLE IF EXISTS facts_log"} {
			if _, err := app.DB().NewQuery(q).Execute(); err != nil {
				return err
			}
		}
		return indexes(app, false)
	})
}
