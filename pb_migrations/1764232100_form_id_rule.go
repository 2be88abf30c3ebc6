package pb_migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"fieldbase/form"
)

// surveys.form_id takes the form ids XLSForm (pyxform) takes, the same rule the loader
// applies (form.FormIDProblem): RHoMIS_Core, household-survey-2025, not only [a-z0-9_].
func init() {
	m.Register(func(app core.App) error {
		return setFormIDRule(app, form.FormIDPattern, 100)
	}, func(app core.App) error {
		return setFormIDRule(app, `^[a-z][a-z0-9_]*$`, 64)
	})
}

func setFormIDRule(app core.App, pattern string, max int) error {
	c, err := app.FindCollectionByNameOrId("surveys")
	if err != nil {
		return err
	}
	f, ok := c.Fields.GetByName("form_id").(*core.TextField)
	if !ok {
		return fmt.Errorf("surveys.form_id is not a text field")
	}
	f.Pattern, f.Max = pattern, max
	return app.Save(c)
}
