package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Standalone runs the commands that use no data dir (check, gen, bench) without PocketBase,
// so they neither create pb_data in the current directory nor list PocketBase's flags in
// their help. ok is false for every other command (PocketBase runs those).
func Standalone(args []string) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	var cmd *cobra.Command
	switch args[0] {
	case "check":
		cmd = checkCommand()
	case "gen":
		cmd = genCommand()
	case "bench":
		cmd = benchCommand(nil)
	default:
		return 0, false
	}
	root := &cobra.Command{Use: "fieldbase", SilenceUsage: true, SilenceErrors: true}
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(cmd)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		var ex exitError
		if errors.As(err, &ex) {
			return int(ex), true
		}
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1, true
	}
	return 0, true
}

// exitError is an exit code a command asks for.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }
