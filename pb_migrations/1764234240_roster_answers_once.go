package pb_migrations

import (
	"encoding/json"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The roster's answers are stored once, in the submission. A member row kept `data` and
// `pii`, and an emigrant row `data`: byte for byte the text of its entry in the
// submission's data (and pii), written a second time by every push (~1.6 kB of a
// five-member household's ~5 kB; docs/performance.md, ninth round). It also went stale when
// an answer was edited on the submission, since only the facts were refreshed.
//
// A member row now says where its answers are: `pos`, its index in the roster repeat
// (`line` may be the roster's own line number, b_line, which need not be the position); an
// emigrant row's `line` is its position from 1, as it always was. The record API shows
// `data` and `pii` as before, read from the submission (hooks/roster.go), to the same
// readers; a filter or sort on them is refused with a 400 that says to filter the
// submissions instead.
//
// The columns stay, hidden and empty (NULL): dropping them (ALTER TABLE DROP COLUMN) makes
// SQLite keep a statement journal of every page of the table, in memory under the server's
// temp_store(MEMORY): 1.3 GB of RSS at 200,000 households, which a field office's machine
// at a million would not have. The UPDATEs here are OR FAIL, which needs no statement
// journal (a failure rolls the whole migration back): 40 MB. The file does not shrink
// (VACUUM reclaims the space, with the server stopped); new rows are a third of the size.
//
// The fields are edited in place (editFieldsInPlace), not by saving the collections:
// PocketBase drops and makes again every index of a collection whose fields change, which at
// 200,000 households sorted the members' indexes in memory (temp_store(MEMORY)): 528 MB of
// RSS for this migration, 40 MB without.
//
// pos of the rows stored before: their rank among their household's rows by rowid, the
// order InsertSubmission wrote them in (the roster's order).
//
// Down saves the collections the usual way (and so makes the indexes again).
func init() {
	m.Register(func(app core.App) error {
		if err := editFieldsInPlace(app, "members", "ALTER TABLE members ADD COLUMN pos NUMERIC DEFAULT 0 NOT NULL", func(c *core.Collection) {
			c.Fields.Add(&core.NumberField{Name: "pos", OnlyInt: true})
			c.Fields.GetByName("data").SetHidden(true)
		}); err != nil {
			return err
		}
		if err := editFieldsInPlace(app, "emigrants", "", func(c *core.Collection) {
			c.Fields.GetByName("data").SetHidden(true)
		}); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery(`UPDATE OR FAIL members SET data = NULL, pii = NULL, pos = (SELECT count(*)
			FROM members m2 WHERE m2.submission = members.submission AND m2.rowid < members.rowid)`).Execute(); err != nil {
			return err
		}
		_, err := app.DB().NewQuery("UPDATE OR FAIL emigrants SET data = NULL").Execute()
		return err
	}, func(app core.App) error {
		// The rows' answers again from their submissions (as SQLite writes JSON, which may
		// differ from the push's bytes in number forms), by each survey version's repeats.
		entry := func(table, col, repeat, pos string) string {
			return `(SELECT json_extract(s.` + col + `, '$."' || json_extract(v.definition, '$.settings.` + repeat + `') || '"[' || ` + pos + ` || ']')
				FROM submissions s JOIN surveys v ON v.form_id = s.form_id AND v.version = s.version WHERE s.id = ` + table + `.submission)`
		}
		if _, err := app.DB().NewQuery("UPDATE OR FAIL members SET data = " + entry("members", "data", "roster", "members.pos") +
			", pii = " + entry("members", "pii", "roster", "members.pos")).Execute(); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("UPDATE OR FAIL emigrants SET data = " + entry("emigrants", "data", "emigrants", "(emigrants.line - 1)")).Execute(); err != nil {
			return err
		}
		if err := editCollection(app, "members", func(c *core.Collection) {
			c.Fields.RemoveByName("pos")
			c.Fields.GetByName("data").SetHidden(false)
		}); err != nil {
			return err
		}
		return editCollection(app, "emigrants", func(c *core.Collection) {
			c.Fields.GetByName("data").SetHidden(false)
		})
	})
}

// editFieldsInPlace applies edit to a collection's fields and stores them, running alter (a
// column added, "" for none) instead of PocketBase's schema sync, which drops and makes again
// every index of the collection when its fields change (core/collection_record_table_sync.go).
// Only for changes the table needs nothing else for: a column added, a field hidden.
func editFieldsInPlace(app core.App, name, alter string, edit func(*core.Collection)) error {
	c, err := app.FindCollectionByNameOrId(name)
	if err != nil {
		return err
	}
	edit(c)
	fields, err := json.Marshal(c.Fields)
	if err != nil {
		return err
	}
	if alter != "" {
		if _, err := app.DB().NewQuery(alter).Execute(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if _, err := app.DB().NewQuery("UPDATE _collections SET fields = {:f} WHERE id = {:id}").
		Bind(dbx.Params{"f": string(fields), "id": c.Id}).Execute(); err != nil {
		return fmt.Errorf("%s fields: %w", name, err)
	}
	return app.ReloadCachedCollections()
}
