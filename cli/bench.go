package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"fieldbase/bench"
)

func benchCommand(app *pocketbase.PocketBase) *cobra.Command {
	var quick bool
	var o bench.Options
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure push, resend, pull, indicators and export against a real server on a temporary data dir",
		Long: "Starts this binary as a server child process on a temporary data dir (seeded through the REST API), " +
			"and prints one `name value unit` line per figure on stdout (progress on stderr): push through " +
			"POST /api/sync/push vs raw prepared INSERTs vs PocketBase's record API, resends, a 1000-decision pull, " +
			"indicators over the approved households (and R's survey package when installed), the microdata export, " +
			"and the server's peak RSS. Each figure is the median of --runs runs. --quick takes about a minute, the full " +
			"run under ten minutes on 2 cores. The temporary directory is removed at the end and on Ctrl-C.",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := bench.Full
			if quick {
				opt = bench.Quick
			}
			// Flags given on the command line override the preset.
			fl := cmd.Flags()
			set := func(name string, dst *int, v int) {
				if fl.Changed(name) {
					*dst = v
				}
			}
			set("runs", &opt.Runs, o.Runs)
			set("clients", &opt.Clients, o.Clients)
			set("batch", &opt.Batch, o.Batch)
			set("households", &opt.PushHouseholds, o.PushHouseholds)
			set("pb-households", &opt.PBHouseholds, o.PBHouseholds)
			set("resend-repeats", &opt.ResendRepeats, o.ResendRepeats)
			set("decisions", &opt.Decisions, o.Decisions)
			set("indicator-households", &opt.IndicatorHouseholds, o.IndicatorHouseholds)
			set("r-cells", &opt.RCells, o.RCells)
			opt.FillRoute = o.FillRoute
			if fl.Changed("seed") {
				opt.Seed = o.Seed
			}
			opt.NoR, opt.Keep, opt.TmpDir = o.NoR, o.Keep, o.TmpDir
			opt.Out, opt.Log = os.Stdout, os.Stderr
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("bench: cannot find this binary to serve with: %w", err)
			}
			opt.Exe = exe

			b := bench.New(opt)
			// PocketBase stops waiting for the command on SIGINT/SIGTERM and runs its terminate
			// hooks before exiting: stop the servers and remove the temporary dir there too.
			if app != nil {
				app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
					b.Cleanup()
					return e.Next()
				})
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			defer b.Cleanup()
			return b.Run(ctx)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "small sizes: about a minute (20,000 households for indicators and export)")
	f.IntVar(&o.Runs, "runs", bench.Full.Runs, "runs per figure (the median is printed)")
	f.IntVar(&o.Clients, "clients", bench.Full.Clients, "concurrent clients (one enumerator each)")
	f.IntVar(&o.Batch, "batch", bench.Full.Batch, "households per push (and per raw transaction)")
	f.IntVar(&o.PushHouseholds, "households", bench.Full.PushHouseholds, "households per push run (quick: 1000)")
	f.IntVar(&o.PBHouseholds, "pb-households", bench.Full.PBHouseholds, "households per PocketBase record-API run, the first of the push run's (quick: 80)")
	f.IntVar(&o.ResendRepeats, "resend-repeats", bench.Full.ResendRepeats, "times each client resends its batch per resend run (quick: 10)")
	f.IntVar(&o.Decisions, "decisions", bench.Full.Decisions, "decisions the timed pull reads")
	f.IntVar(&o.IndicatorHouseholds, "indicator-households", bench.Full.IndicatorHouseholds, "approved households for indicators and export, 0 to skip (quick: 20000)")
	f.IntVar(&o.FillRoute, "fill-route", 0, "push at most this many households through the route and copy the rest (new ids and PSUs, approved) into the server's database directly, with the server stopped: a fill of --indicator-households 1000000 in minutes; 0 pushes all through the route")
	f.IntVar(&o.RCells, "r-cells", bench.Full.RCells, "cells per indicator R times, extrapolated to all; 0 times every cell (about 3 more minutes at 100k households)")
	f.BoolVar(&o.NoR, "no-r", false, "skip the R comparison")
	f.Int64Var(&o.Seed, "seed", bench.Full.Seed, "seed of the synthetic households")
	f.BoolVar(&o.Keep, "keep", false, "keep the temporary directory (data dirs and server logs)")
	f.StringVar(&o.TmpDir, "tmp", "", "where to make the temporary directory (default: the system's)")
	return cmd
}
