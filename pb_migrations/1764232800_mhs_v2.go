package pb_migrations

import (
	_ "embed"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"fieldbase/hooks"
)

// mhsV2 is the definition this migration installs, a copy of schemas/mhs_v2.json as it was
// when the migration was written: a migration carries its own data, so that a later edit of
// the shipped file (which must become a version 3) cannot change what this one installed.
//
//go:embed data/mhs_v2.json
var mhsV2 []byte

// Installs mhs version 2 (the income module and the poverty lines, questionnaire.md) beside
// version 1: v1 devices keep syncing under v1, and the indicators pool both versions.
func init() {
	m.Register(func(app core.App) error {
		_, err := hooks.InstallSurvey(app, mhsV2)
		return err
	}, func(app core.App) error {
		_, err := app.DB().NewQuery("DELETE FROM surveys WHERE form_id = 'mhs' AND version = 2").Execute()
		return err
	})
}
