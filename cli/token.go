package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	qrcode "github.com/skip2/go-qrcode"
	"github.com/spf13/cobra"

	"fieldbase/openrosa"
)

// tokenCommand manages the app tokens ODK Collect, KoboCollect and Enketo use (OpenRosa):
// `token add` makes one for an enumerator and writes Collect's settings QR code.
func tokenCommand(app *pocketbase.PocketBase) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "App tokens for ODK Collect, KoboCollect and Enketo (OpenRosa)"}
	var email, base, label, qr string
	add := &cobra.Command{
		Use:   "add",
		Short: "Make an app token for an enumerator; print the server URL and write Collect's settings QR code",
		Long: "The server URL (BASE/openrosa/key/<token>) is what Collect, KoboCollect or Enketo is set to; " +
			"scanning the QR code (--qr FILE.png) in Collect (Add project → Scan QR code) sets it with no typing. " +
			"Anyone with the URL can submit as that enumerator: hand it over like a password, revoke it when a tablet is lost.",
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if email == "" || base == "" {
				return errors.New("--enumerator EMAIL and --url https://your.server are required")
			}
			if err := app.RunAllMigrations(); err != nil {
				return fmt.Errorf("migrations: %w", err)
			}
			user, err := app.FindAuthRecordByEmail("users", email)
			if err != nil {
				return fmt.Errorf("no user %s", email)
			}
			col, err := app.FindCollectionByNameOrId("app_tokens")
			if err != nil {
				return err
			}
			rec := core.NewRecord(col)
			rec.Set("enumerator", user.Id)
			rec.Set("label", label)
			if err := app.Save(rec); err != nil {
				return err
			}
			url := strings.TrimRight(base, "/") + "/openrosa/key/" + rec.GetString("token")
			settings, err := openrosa.CollectSettings(url, strings.TrimSpace("fieldbase "+label))
			if err != nil {
				return err
			}
			if qr != "" {
				if err := qrcode.WriteFile(settings, qrcode.Medium, 512, qr); err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "wrote %s: scan it in ODK Collect (Add project → Scan QR code)\n", qr)
			}
			if strings.HasPrefix(base, "http://") {
				fmt.Fprintln(os.Stderr, "warning: an http:// URL sends the token and every household in clear; use https:// outside a test")
			}
			fmt.Printf("token record %s for %s\nserver URL: %s\n", rec.Id, email, url)
			return nil
		},
	}
	add.Flags().StringVar(&email, "enumerator", "", "email of the enumerator")
	add.Flags().StringVar(&base, "url", "", "the server's public address, e.g. https://survey.example.org")
	add.Flags().StringVar(&label, "label", "", "which tablet (shown in the admin UI and in Collect's project name)")
	add.Flags().StringVar(&qr, "qr", "", "write Collect's settings QR code to this PNG file")
	revoke := &cobra.Command{
		Use:          "revoke TOKEN-OR-RECORD-ID",
		Short:        "Revoke an app token at once (a lost or handed-back tablet)",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return fmt.Errorf("migrations: %w", err)
			}
			rec, err := app.FindFirstRecordByFilter("app_tokens", "id = {:a} || token = {:a}", dbx.Params{"a": args[0]})
			if err != nil {
				return errors.New("no such app token")
			}
			rec.Set("revoked", true)
			if err := app.Save(rec); err != nil {
				return err
			}
			fmt.Printf("revoked app token %s\n", rec.Id)
			return nil
		},
	}
	cmd.AddCommand(add, revoke)
	return cmd
}
