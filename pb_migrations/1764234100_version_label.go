package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// surveys.version_label: the version as the XLSForm wrote it ("2025-05-01 22-47", "v1"),
// which OpenRosa clients are served and send back; version stays the sync protocol's
// number (a whole-number version keeps it, any other text gets the next number of its
// form_id at install). One label per form_id. Existing versions are labelled by their
// number, as they were served.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("surveys")
		if err != nil {
			return err
		}
		c.Fields.Add(&core.TextField{Name: "version_label", Max: 100})
		if err := app.Save(c); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("UPDATE surveys SET version_label = CAST(version AS TEXT) WHERE version_label = ''").Execute(); err != nil {
			return err
		}
		// A record saved without the server's hooks may have no label yet: not a clash.
		c.AddIndex("idx_surveys_form_label", true, "`form_id`, `version_label`", "version_label != ''")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("surveys")
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_surveys_form_label")
		c.Fields.RemoveByName("version_label")
		return app.Save(c)
	})
}
