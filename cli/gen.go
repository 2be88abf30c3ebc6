package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"fieldbase/synth"
)

func genCommand() *cobra.Command {
	var opt synth.Options
	var today string
	var labels bool
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Write synthetic mhs v1 households (sync envelopes) as JSON lines to stdout",
		Long: "Deterministic for a seed. Invalid and duplicate households are deliberate; " +
			"their label is printed with --labels as a \"_label\" key beside the envelope.",
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if today != "" {
				t, err := time.Parse("2006-01-02", today)
				if err != nil {
					return fmt.Errorf("--today: %w", err)
				}
				opt.Today = t
			} else {
				opt.Today = time.Now()
			}
			out := bufio.NewWriterSize(os.Stdout, 1<<20)
			defer out.Flush()
			if !labels {
				return synth.WriteJSONL(out, opt)
			}
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			return synth.Generate(opt, func(it synth.Item) error {
				it.Envelope["_label"] = it.Label
				return enc.Encode(it.Envelope)
			})
		},
	}
	cmd.Flags().IntVar(&opt.Households, "households", 100, "number of envelopes to write")
	cmd.Flags().Int64Var(&opt.Seed, "seed", 1, "random seed (same seed, same output)")
	cmd.Flags().Float64Var(&opt.InvalidRate, "invalid-rate", 0, "share of deliberately invalid households (0..1)")
	cmd.Flags().Float64Var(&opt.DuplicateRate, "duplicate-rate", 0, "share of duplicates: resends, same content under a new id, same dwelling again (0..1)")
	cmd.Flags().IntVar(&opt.Enumerators, "enumerators", 4, "number of enumerators (one device each)")
	cmd.Flags().BoolVar(&labels, "labels", false, `add "_label" (valid, invalid:<what>, duplicate:<kind>) to each envelope`)
	cmd.Flags().StringVar(&today, "today", "", "the server's today as YYYY-MM-DD (default: now); interview dates fall before it")
	return cmd
}
