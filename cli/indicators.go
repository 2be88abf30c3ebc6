package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"

	"fieldbase/hooks"
)

func indicatorsCommand(app *pocketbase.PocketBase, srv *hooks.Server) *cobra.Command {
	cmd := &cobra.Command{Use: "indicators", Short: "Maintain the indicator catalogs and the stored indicator facts"}
	var survey string
	var all bool
	rebuild := &cobra.Command{
		Use:   "rebuild",
		Short: "Recompute the stored indicator facts after schemas/indicators.json changed",
		Long: "Each household's indicator facts are computed when it is pushed. After a change of the " +
			"catalog, GET /api/indicators answers 409 until the facts are rebuilt with this command.",
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := openData(app); err != nil {
				return err
			}
			start := time.Now()
			fmt.Fprintf(os.Stderr, "rebuilding indicator facts of survey %s ...\n", survey)
			n, err := srv.RebuildIndicatorFacts(context.Background(), survey, all)
			if err != nil {
				return err
			}
			fmt.Printf("rewrote the facts of %d submissions in %s\n", n, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	rebuild.Flags().StringVar(&survey, "survey", "mhs", "form_id of the survey")
	rebuild.Flags().BoolVar(&all, "all", false, "rewrite every submission, not only stale ones")
	cmd.AddCommand(rebuild, addCatalogCommand(app))
	return cmd
}
