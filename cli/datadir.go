package cli

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// firstMigration is the file name PocketBase records in _migrations for fieldbase's first
// migration (pb_migrations/1764230400_collections.go).
const firstMigration = "1764230400_collections.go"

// requireData refuses a data dir fieldbase has not set up: PocketBase makes an empty
// pb_data wherever a command runs, and reading that would answer "nothing" as if it were
// the survey's data.
func requireData(app core.App) error {
	var n int
	err := app.DB().NewQuery("SELECT COUNT(*) FROM _migrations WHERE file = {:f}").
		Bind(dbx.Params{"f": firstMigration}).Row(&n)
	if err != nil || n == 0 {
		return fmt.Errorf("no fieldbase data in %s; pass --dir (the data dir of a fieldbase server: `fieldbase serve` or `fieldbase migrate up` sets one up)", app.DataDir())
	}
	return nil
}

// openData is requireData, then the migrations a newer binary brings.
func openData(app core.App) error {
	if err := requireData(app); err != nil {
		return err
	}
	if err := app.RunAllMigrations(); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}
