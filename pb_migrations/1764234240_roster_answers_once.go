package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The roster's answers are stored once, in the submission. A member row kept `data` and
// `pii`, and an emigrant row `data`: byte for byte the text of its entry in the
// submission's data (and pii), written a second time by every push (~1.6 kB of a
// five-member household's ~5 kB; 13 % of an OpenRosa household's CPU, docs/performance.md,
// ninth round). It also went stale when an answer was edited on the submission, since
// only the facts were refreshed.
//
// A member row now says where its answers are: `pos`, its index in the roster repeat
// (`line` may be the roster's own line number, b_line, which need not be the position); an
// emigrant row's `line` is its position from 1, as it always was. The record API shows
// `data` and `pii` as before, read from the submission (hooks/roster.go), to the same
// readers; a filter or sort on them is refused with a 400 that says to filter the
// submissions instead.
//
// pos of the rows stored before: their rank among their household's rows by rowid, the
// order InsertSubmission wrote them in (the roster's order).
//
// Down puts the fields back empty: the answers are in the submissions.
func init() {
	m.Register(func(app core.App) error {
		if err := editCollection(app, "members", func(c *core.Collection) {
			c.Fields.Add(&core.NumberField{Name: "pos", OnlyInt: true})
		}); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery(`UPDATE members SET pos = (SELECT count(*) FROM members m2
			WHERE m2.submission = members.submission AND m2.rowid < members.rowid)`).Execute(); err != nil {
			return err
		}
		if err := editCollection(app, "members", func(c *core.Collection) {
			c.Fields.RemoveByName("data")
			c.Fields.RemoveByName("pii")
		}); err != nil {
			return err
		}
		return editCollection(app, "emigrants", func(c *core.Collection) {
			c.Fields.RemoveByName("data")
		})
	}, func(app core.App) error {
		if err := editCollection(app, "members", func(c *core.Collection) {
			c.Fields.RemoveByName("pos")
			c.Fields.Add(&core.JSONField{Name: "data", MaxSize: 256 << 10},
				&core.JSONField{Name: "pii", MaxSize: 64 << 10, Hidden: true})
		}); err != nil {
			return err
		}
		return editCollection(app, "emigrants", func(c *core.Collection) {
			c.Fields.Add(&core.JSONField{Name: "data", MaxSize: 64 << 10})
		})
	})
}
