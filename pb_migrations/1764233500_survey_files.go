package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Survey files: the attachments of a survey version that devices load with the form
// (select_one_from_file choice lists, pulldata()/search() tables, csv/xml-external data,
// the media of labels), installed with it (`fieldbase survey add form.xlsx --attach
// villages.csv`) and listed in the OpenRosa manifest. Protected PocketBase files: a
// sample listing can name households. Enumerators (whose devices need them) and
// supervisors read them; only superusers change them.
func init() {
	m.Register(func(app core.App) error {
		surveys, err := app.FindCollectionByNameOrId("surveys")
		if err != nil {
			return err
		}
		c := core.NewBaseCollection("survey_files")
		c.ListRule = types.Pointer("(" + isEnumerator + ") || (" + isSupervisor + ")")
		c.ViewRule = c.ListRule
		c.Fields.Add(
			&core.RelationField{Name: "survey", CollectionId: surveys.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.TextField{Name: "name", Required: true, Max: 255, Presentable: true, Pattern: `^[^/\\\x00]+$`},
			&core.FileField{Name: "file", MaxSelect: 1, MaxSize: 50 << 20, Protected: true},
			&core.NumberField{Name: "size", OnlyInt: true},
			&core.TextField{Name: "md5", Max: 32},
		)
		c.Fields.Add(timestamps()...)
		c.AddIndex("idx_survey_files_name", true, "`survey`, `name`", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("survey_files")
		if err != nil {
			return nil
		}
		return app.Delete(c)
	})
}
