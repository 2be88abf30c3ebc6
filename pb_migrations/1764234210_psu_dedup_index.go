package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// idx_submissions_key (form_id, a_psu, a_dwelling) gains status, lat and lon: the probable-
// duplicate read of every push (store: the live households of the PSU at the dwelling or
// near the GPS point) then tests its conditions on the index entries and reads the table
// row only of a household that passes them, instead of every household of the PSU (a row's
// lat, lon and status sit after its ~2 KB of answers). Same number of index entries a
// household writes; its PSU's entries are one leaf page.
func init() {
	m.Register(func(app core.App) error {
		return setIndex(app, "submissions", "idx_submissions_key", "`form_id`, `a_psu`, `a_dwelling`, `status`, `lat`, `lon`")
	}, func(app core.App) error {
		return setIndex(app, "submissions", "idx_submissions_key", "`form_id`, `a_psu`, `a_dwelling`")
	})
}

// setIndex makes a collection's index name cover columns (dropped and made again).
func setIndex(app core.App, collection, name, columns string) error {
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		return err
	}
	c.RemoveIndex(name)
	c.AddIndex(name, false, columns, "")
	return app.Save(c)
}
