package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Protecting the people in the data (issue 12, sync.md):
//   - the derived keys and hashes of answers (head_key, content_hash, raw_hash, roster_sig)
//     and the recorded GPS columns become hidden fields: only superusers can read, filter
//     or sort by them (hooks/ shows the recorded GPS to the roles that may see it and the
//     PSU's displaced point to the others). A filter on lat/lon let an analyst narrow a
//     dwelling down to a metre by counting; a filter on head_key let one test names;
//   - _fieldbase_meta keeps the fingerprint of the secret the stored digests were made with
//     (hooks/ recomputes them from the stored answers when it is not the current secret's:
//     an old data dir, or a lost secret); _fieldbase_psu_points keeps each PSU's displaced
//     point once made, so that it never moves;
//   - the per-IP limit on sign-ins is loosened (100 per 10 s): failed sign-ins are now
//     throttled per identity and address (hooks/auth.go), so one office IP no longer locks
//     every colleague out. A limit an admin changed is left as it is.
var hiddenDigests = []string{"head_key", "content_hash", "raw_hash", "roster_sig", "lat", "lon", "gps_accuracy"}

func init() {
	setHidden := func(app core.App, hidden bool) error {
		c, err := app.FindCollectionByNameOrId("submissions")
		if err != nil {
			return err
		}
		for _, name := range hiddenDigests {
			if f := c.Fields.GetByName(name); f != nil {
				f.SetHidden(hidden)
			}
		}
		return app.Save(c)
	}
	setAuthLimit := func(app core.App, from, to [2]int) error {
		s := app.Settings()
		for i, r := range s.RateLimits.Rules {
			if r.Label == "*:auth" && r.MaxRequests == from[0] && r.Duration == int64(from[1]) {
				s.RateLimits.Rules[i].MaxRequests, s.RateLimits.Rules[i].Duration = to[0], int64(to[1])
				return app.Save(s)
			}
		}
		return nil
	}
	m.Register(func(app core.App) error {
		for _, q := range []string{
			`CREATE TABLE IF NOT EXISTS _fieldbase_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`,
			`CREATE TABLE IF NOT EXISTS _fieldbase_psu_points (form_id TEXT NOT NULL, psu INTEGER NOT NULL,
				lat REAL NOT NULL, lon REAL NOT NULL, PRIMARY KEY (form_id, psu))`,
		} {
			if _, err := app.DB().NewQuery(q).Execute(); err != nil {
				return err
			}
		}
		if err := setHidden(app, true); err != nil {
			return err
		}
		return setAuthLimit(app, [2]int{10, 3}, [2]int{100, 10})
	}, func(app core.App) error {
		if err := setHidden(app, false); err != nil {
			return err
		}
		return setAuthLimit(app, [2]int{100, 10}, [2]int{10, 3})
	})
}
