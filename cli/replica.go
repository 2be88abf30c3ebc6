package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"

	"fieldbase/replica"
)

// replicaCommand is `fieldbase replica restore --from DIR [--dir pb_data]`: the database of
// a Litestream replica (`serve --replica DIR`) written into an empty data dir.
func replicaCommand(app *pocketbase.PocketBase) *cobra.Command {
	cmd := &cobra.Command{Use: "replica", Short: "Restore the database from a Litestream replica (serve --replica DIR)"}
	var from string
	restore := &cobra.Command{
		Use:   "restore",
		Short: "Write the replica's data.db into an empty data dir (--dir), then serve it",
		Long: "Restores data.db, as of the last transaction the replica received, into the data dir given by --dir, " +
			"which must not hold a data.db yet. Then start the server on it: `fieldbase serve --dir DIR` " +
			"(add --replica to replicate again, to a new directory).",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return errors.New("--from DIR (the replica directory) is required")
			}
			out := filepath.Join(app.DataDir(), "data.db")
			// Starting the command made an empty data.db (PocketBase's system tables): a data
			// dir that held a database has fieldbase's tables or a superuser, and is refused.
			var tables, supers int
			app.DB().NewQuery("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'submissions'").Row(&tables)
			app.DB().NewQuery("SELECT COUNT(*) FROM _superusers").Row(&supers)
			if tables > 0 || supers > 0 {
				return fmt.Errorf("%s already holds a database: restore into an empty data dir (a new --dir)", app.DataDir())
			}
			if err := app.ResetBootstrapState(); err != nil {
				return err
			}
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(out + suffix); err != nil && !os.IsNotExist(err) {
					return err
				}
			}
			if err := replica.Restore(cmd.Context(), from, out); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "restored %s from the replica in %s\n", out, from)
			return nil
		},
	}
	restore.Flags().StringVar(&from, "from", "", "the replica directory (what serve --replica wrote)")
	cmd.AddCommand(restore)
	return cmd
}
