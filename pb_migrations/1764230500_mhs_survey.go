package pb_migrations

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// mhsV1 is the `mhs` v1 definition as this migration installs it: a copy frozen here, so
// that replaying the migration on a new data dir installs the same survey whatever
// schemas/mhs.json and the form loader have become since.
//
//go:embed data/1764230500_mhs_v1.json
var mhsV1 []byte

// Installs the `mhs` v1 survey (once: migrations run once per data dir) and turns on
// PocketBase's rate limiter with limits that suit field teams, many of which share one
// office IP address.
func init() {
	m.Register(func(app core.App) error {
		if err := installFrozenSurvey(app, mhsV1); err != nil {
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

// installFrozenSurvey stores a definition a migration carries as an active survey version.
// It reads only the settings it needs and skips record validation (today's form loader):
// the definition was checked when the migration was written (pb_migrations' test loads it).
func installFrozenSurvey(app core.App, definition []byte) error {
	var def struct {
		Settings struct {
			FormID  string `json:"form_id"`
			Version int    `json:"version"`
			Title   string `json:"title"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(definition, &def); err != nil {
		return fmt.Errorf("frozen survey: %w", err)
	}
	col, err := app.FindCollectionByNameOrId("surveys")
	if err != nil {
		return err
	}
	rec := core.NewRecord(col)
	rec.Set("form_id", def.Settings.FormID)
	rec.Set("version", def.Settings.Version)
	rec.Set("title", def.Settings.Title)
	rec.Set("definition", json.RawMessage(definition))
	rec.Set("status", "active")
	return app.SaveNoValidate(rec)
}
