package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Indicator catalogs added at run time (`fieldbase indicators add catalog.json`): one per
// survey (form_id), the catalog's JSON as given. The shipped catalogs live in schemas/; a
// stored one replaces the shipped one of its survey. Only superusers read or change them
// (nil rules): a catalog is configuration, not data for a role.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection("indicator_catalogs")
		c.Fields.Add(
			&core.TextField{Name: "survey", Required: true, Max: 100, Presentable: true, Pattern: `^[A-Za-z][A-Za-z0-9_.-]*$`},
			&core.JSONField{Name: "catalog", Required: true, MaxSize: 2 << 20},
		)
		c.Fields.Add(timestamps()...)
		c.AddIndex("idx_indicator_catalogs_survey", true, "`survey`", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("indicator_catalogs")
		if err != nil {
			return nil
		}
		return app.Delete(c)
	})
}
