package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"fieldbase/hooks"
	"fieldbase/schemas"
)

// Installs the `mhs` v1 survey shipped in schemas/ (once: migrations run once per data dir)
// and turns on PocketBase's rate limiter with limits that suit field teams, many of which
// share one office IP address.
func init() {
	m.Register(func(app core.App) error {
		if _, err := hooks.InstallSurvey(app, schemas.MHS); err != nil {
			return err
		}
		s := app.Settings()
		s.RateLimits.Enabled = true
		s.RateLimits.Rules = []core.RateLimitRule{
			{Label: "*:auth", MaxRequests: 10, Duration: 3},
			{Label: "*:create", MaxRequests: 50, Duration: 5},
			{Label: "/api/batch", MaxRequests: 3, Duration: 1},
			{Label: "/api/sync/", MaxRequests: 100, Duration: 1},
			{Label: "/api/", MaxRequests: 600, Duration: 10},
		}
		return app.Save(s)
	}, func(app core.App) error {
		_, err := app.DB().NewQuery("DELETE FROM surveys WHERE form_id = 'mhs' AND version = 1").Execute()
		return err
	})
}
