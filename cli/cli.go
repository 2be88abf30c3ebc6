// Package cli adds fieldbase's commands to PocketBase's command line: survey add, check,
// gen, demo, bench and export. Each command reports progress on stderr and its result on stdout.
package cli

import (
	"github.com/pocketbase/pocketbase"

	"fieldbase/hooks"
)

// Register adds the commands to app's root command.
func Register(app *pocketbase.PocketBase, srv *hooks.Server) {
	app.RootCmd.Short = "fieldbase: the server for household surveys of migrants"
	app.RootCmd.Long = "fieldbase is PocketBase plus survey sync, validation, deduplication, review, indicators and exports.\n\n" +
		"Start a server with `fieldbase serve` (data in ./pb_data, or --dir DIR), try it with `fieldbase demo`.\n" +
		"check, gen and bench need no data dir; survey, export and indicators work on an existing one (--dir).\n" +
		"The sync API devices use is described in docs/sync-api.md."
	app.RootCmd.AddCommand(surveyCommand(app))
	app.RootCmd.AddCommand(checkCommand())
	app.RootCmd.AddCommand(genCommand())
	app.RootCmd.AddCommand(demoCommand(app, srv))
	app.RootCmd.AddCommand(benchCommand(app))
	app.RootCmd.AddCommand(exportCommand(app))
	app.RootCmd.AddCommand(indicatorsCommand(app, srv))
	app.RootCmd.AddCommand(replicaCommand(app))
	app.RootCmd.AddCommand(reportCommand(app, srv))
	app.RootCmd.AddCommand(tokenCommand(app))
}
