// Command fieldbase is the server for household surveys of migrants: PocketBase plus the
// survey engine, sync, review, indicators and exports. Run `fieldbase --help` for commands.
package main

import (
	"log"
	"os"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"

	"fieldbase/cli"
	"fieldbase/hooks"
	_ "fieldbase/pb_migrations"
)

func main() {
	// `fieldbase demo` keeps its data apart from a real pb_data unless --dir says otherwise.
	cfg := pocketbase.Config{}
	if len(os.Args) > 1 && os.Args[1] == "demo" {
		cfg.DefaultDataDir = "pb_demo"
	}
	app := pocketbase.NewWithConfig(cfg)
	// Schema changes are Go migrations in pb_migrations/, written by hand and reviewed;
	// automigrate stays off so the admin UI cannot silently fork the schema.
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		TemplateLang: migratecmd.TemplateLangGo,
		Dir:          "pb_migrations",
	})
	srv := hooks.Register(app)
	cli.Register(app, srv)
	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
