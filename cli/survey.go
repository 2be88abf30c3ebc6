package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"

	"fieldbase/form"
	"fieldbase/hooks"
)

func surveyCommand(app *pocketbase.PocketBase) *cobra.Command {
	cmd := &cobra.Command{Use: "survey", Short: "Install survey versions into a data dir (survey add FILE)"}
	var attach []string
	add := &cobra.Command{
		Use:   "add FILE",
		Short: "Install a new survey version from a JSON definition (see schemas/mhs.json) or an XLSForm .xlsx",
		Long: `Install a new survey version from a JSON definition or an XLSForm workbook.

The files the form names (select_one_from_file lists, pulldata()/search() tables,
csv-external/xml-external data, the media of labels) are installed with it as the survey
version's attachments: give each with --attach, or put it next to the form, where it is
picked up. A form naming a data file that is not attached is refused.`,
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireData(app); err != nil {
				return err
			}
			def, err := readDefinition(args[0])
			if err != nil {
				return err
			}
			files, err := surveyAttachments(args[0], def, attach)
			if err != nil {
				return err
			}
			if err := app.RunAllMigrations(); err != nil {
				return fmt.Errorf("migrations: %w", err)
			}
			rec, err := hooks.InstallSurveyFiles(app, def, files)
			if err != nil {
				return fmt.Errorf("survey %s refused:\n%w", args[0], err)
			}
			fmt.Printf("installed survey %s version %d", rec.GetString("form_id"), rec.GetInt("version"))
			if label := rec.GetString("version_label"); label != strconv.Itoa(rec.GetInt("version")) {
				// A version that is not a whole number is numbered by install order.
				fmt.Printf(" (settings.version %q, which ODK clients are shown)", label)
			}
			fmt.Printf(" (record %s)", rec.Id)
			if len(files) > 0 {
				fmt.Printf(" with %d attachment(s)", len(files))
			}
			fmt.Println()
			return nil
		},
	}
	add.Flags().StringArrayVar(&attach, "attach", nil, "a file of the survey version (choice list CSV, pulldata table, label media); repeat for several")
	cmd.AddCommand(add)
	return cmd
}

// surveyAttachments reads the --attach files and the files the form names that lie next to
// it, by file name (the name the form uses).
func surveyAttachments(formPath string, def []byte, attach []string) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, p := range attach {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("--attach: %w", err)
		}
		name := filepath.Base(p)
		if _, dup := files[name]; dup {
			return nil, fmt.Errorf("--attach: two files named %s: a survey version has one file per name", name)
		}
		files[name] = b
	}
	f, err := form.Load(def)
	if err != nil {
		return files, nil // the install says what is wrong with the form
	}
	named := map[string]bool{}
	for _, ref := range f.NamedFiles() {
		named[ref.Name] = true
		if _, ok := files[ref.Name]; ok {
			continue
		}
		p := filepath.Join(filepath.Dir(formPath), ref.Name)
		b, err := os.ReadFile(p)
		if err != nil && !ref.Data {
			fmt.Printf("warning: the form names %s (a label's media) but it is not attached: devices show the label without it\n", ref.Name)
		}
		if err == nil {
			files[ref.Name] = b
			where := "a choice's media"
			if ref.Row > 0 {
				where = fmt.Sprintf("survey row %d", ref.Row)
			}
			fmt.Printf("attached %s (named by the form at %s, found next to it)\n", p, where)
		}
	}
	var extra []string
	for name := range files {
		if !named[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		fmt.Printf("note: %s is attached but the form does not name it (devices get it with the form all the same)\n", name)
	}
	return files, nil
}
