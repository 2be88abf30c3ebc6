// Package cli adds fieldbase's commands to PocketBase's command line: survey add, check,
// gen, demo, bench and export. Each command reports progress on stderr and its result on stdout.
package cli

import (
	"github.com/pocketbase/pocketbase"

	"fieldbase/hooks"
)

// Register adds the commands to app's root command.
func Register(app *pocketbase.PocketBase, srv *hooks.Server) {
	app.RootCmd.AddCommand(surveyCommand(app))
	app.RootCmd.AddCommand(checkCommand())
	app.RootCmd.AddCommand(genCommand())
	app.RootCmd.AddCommand(demoCommand(app, srv))
	app.RootCmd.AddCommand(benchCommand(app))
	app.RootCmd.AddCommand(exportCommand(app))
	app.RootCmd.AddCommand(indicatorsCommand(app, srv))
	app.RootCmd.AddCommand(reportCommand(app, srv))
}
