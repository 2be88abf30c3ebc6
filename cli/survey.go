package cli

import (
	"fmt"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"

	"fieldbase/hooks"
)

func surveyCommand(app *pocketbase.PocketBase) *cobra.Command {
	cmd := &cobra.Command{Use: "survey", Short: "Manage survey versions"}
	cmd.AddCommand(&cobra.Command{
		Use:          "add FILE",
		Short:        "Install a new survey version from a JSON definition (see schemas/mhs.json) or an XLSForm .xlsx",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			def, err := readDefinition(args[0])
			if err != nil {
				return err
			}
			if err := requireData(app); err != nil {
				return err
			}
			if err := app.RunAllMigrations(); err != nil {
				return fmt.Errorf("migrations: %w", err)
			}
			rec, err := hooks.InstallSurvey(app, def)
			if err != nil {
				return fmt.Errorf("survey %s refused:\n%w", args[0], err)
			}
			fmt.Printf("installed survey %s version %d (record %s)\n", rec.GetString("form_id"), rec.GetInt("version"), rec.Id)
			return nil
		},
	})
	return cmd
}
