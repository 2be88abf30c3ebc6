package cli

import (
	"fmt"
	"os"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"

	"fieldbase/hooks"
)

// addCatalogCommand is `fieldbase indicators add catalog.json [--dir DIR]`: the catalog of a
// survey installed with `survey add`, stored in the data dir (indicator_catalogs).
func addCatalogCommand(app *pocketbase.PocketBase) *cobra.Command {
	return &cobra.Command{
		Use:   "add catalog.json",
		Short: "Store the indicator catalog of an installed survey (replaces its earlier one)",
		Long: "Compiles the catalog against every installed version of the survey its \"survey\" key names " +
			"(as the shipped catalogs are) and stores it; nothing is stored if any indicator does not compile. " +
			"A running server reads it when restarted; households pushed before need `fieldbase indicators rebuild --survey ID`.",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if err := openData(app); err != nil {
				return err
			}
			rec, err := hooks.SaveIndicatorCatalog(app, raw)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Printf("stored the indicator catalog of survey %s (restart a running server to use it; households already stored: `fieldbase indicators rebuild --survey %s`)\n",
				rec.GetString("survey"), rec.GetString("survey"))
			return nil
		},
	}
}
