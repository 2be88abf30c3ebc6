// Command fieldbase is the server for household surveys of migrants: PocketBase plus the
// survey engine, sync, review, indicators and exports. Run `fieldbase --help` for commands.
package main

import (
	"fmt"
	"log"
	"os"

	"github.com/pocketbase/dbx"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"

	"fieldbase/cli"
	"fieldbase/hooks"
	_ "fieldbase/pb_migrations"
)

// dbConnect is PocketBase's default SQLite connection with two changes: the WAL is
// checkpointed every 10,000 pages instead of 1,000. Each pushed household is its own small
// transaction; checkpointing less often writes the hot index pages to the database file
// once per many households rather than over and over (about 10% more households per second).
// And a reader's page cache is bounded smaller than the writer's (cacheSizeKiB, memory.go).
func dbConnect(dbPath string) (*dbx.DB, error) {
	pragmas := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)" +
		fmt.Sprintf("&_pragma=cache_size(-%d)", cacheSizeKiB(dbPath)) +
		"&_pragma=wal_autocheckpoint(10000)&_defensive=1"
	return dbx.Open("sqlite", dbPath+pragmas)
}

func main() {
	// check, gen and bench use no data dir: they run without PocketBase (no pb_data made here).
	setMemoryLimit()
	if code, ok := cli.Standalone(os.Args[1:]); ok {
		os.Exit(code)
	}
	// `fieldbase demo` keeps its data apart from a real pb_data unless --dir says otherwise.
	cfg := pocketbase.Config{DBConnect: dbConnect}
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
	replicaDir := app.RootCmd.PersistentFlags().String("replica", "",
		"replicate data.db continuously with Litestream to this directory; a write is answered once the replica has it (env FIELDBASE_REPLICA)")
	srv.Replicate(replicaDir)
	cli.Register(app, srv)
	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
