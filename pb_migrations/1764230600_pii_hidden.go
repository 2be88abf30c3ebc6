package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Marks the sensitive answers (`pii` of submissions and members) as hidden fields. Hiding
// them only in the API answer (hooks/ bindEnrich) left them filterable: an analyst could
// ask ?filter=pii.a_head_name='…' and learn from the count whether a person was
// interviewed. PocketBase lets only superusers filter or sort by a hidden field; hooks/
// shows the values again to the roles that may read them.
func init() {
	setHidden := func(app core.App, hidden bool) error {
		for _, name := range []string{"submissions", "members"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			f := c.Fields.GetByName("pii")
			if f == nil {
				continue
			}
			f.SetHidden(hidden)
			if err := app.Save(c); err != nil {
				return err
			}
		}
		return nil
	}
	m.Register(func(app core.App) error {
		return setHidden(app, true)
	}, func(app core.App) error {
		return setHidden(app, false)
	})
}
