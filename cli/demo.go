package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"fieldbase/hooks"
	"fieldbase/ingest"
	"fieldbase/review"
	"fieldbase/synth"
)

// DemoPassword is the password of every demo account (printed at start).
const DemoPassword = "fieldbase-demo"

var demoTeams = []struct{ name, region string }{{"Team Koshi", "R1"}, {"Team Bagmati", "R3"}, {"Team Lumbini", "R5"}}

func demoCommand(app *pocketbase.PocketBase, srv *hooks.Server) *cobra.Command {
	var households int
	var addr string
	var seedOnly bool
	cmd := &cobra.Command{
		Use:          "demo",
		Short:        "Seed a demo data dir (default pb_demo) with teams, users and synthetic households, then serve it",
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return fmt.Errorf("migrations: %w", err)
			}
			n, err := app.CountRecords("teams")
			if err != nil {
				return err
			}
			if n == 0 {
				if err := seedDemo(app, srv, households); err != nil {
					return fmt.Errorf("demo seed: %w", err)
				}
			} else {
				fmt.Fprintf(os.Stderr, "demo data already in %s (delete the folder to start over)\n", app.DataDir())
			}
			printLogins()
			if seedOnly {
				return nil
			}
			err = apis.Serve(app, apis.ServeConfig{HttpAddr: addr, ShowStartBanner: true, AllowedOrigins: []string{"*"}})
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		},
	}
	cmd.Flags().IntVar(&households, "households", 3000, "synthetic households to load")
	cmd.Flags().StringVar(&addr, "http", "127.0.0.1:8090", "address to serve on")
	cmd.Flags().BoolVar(&seedOnly, "seed-only", false, "seed the data dir and exit (then run `serve` on it)")
	return cmd
}

func printLogins() {
	fmt.Println("\nDemo logins (password for all: " + DemoPassword + "):")
	fmt.Println("  superuser (admin UI /_/):  admin@fieldbase.demo")
	for i, t := range demoTeams {
		fmt.Printf("  %-13s supervisor sup%d@fieldbase.demo, enumerators enum%d@fieldbase.demo, enum%d@fieldbase.demo\n",
			t.name+":", i+1, 2*i+1, 2*i+2)
	}
	fmt.Println("  analyst:       analyst@fieldbase.demo")
	fmt.Println()
}

func seedDemo(app core.App, srv *hooks.Server, households int) error {
	teamsCol, err := app.FindCollectionByNameOrId("teams")
	if err != nil {
		return err
	}
	usersCol, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	mkUser := func(email, name, role string, teams []string) (*core.Record, error) {
		u := core.NewRecord(usersCol)
		u.SetEmail(email)
		u.Set("name", name)
		u.Set("role", role)
		u.Set("teams", teams)
		u.SetVerified(true)
		u.SetPassword(DemoPassword)
		return u, app.Save(u)
	}
	var enumerators []*core.Record
	var supervisors []*core.Record
	var teamIDs []string
	for i, t := range demoTeams {
		team := core.NewRecord(teamsCol)
		team.Set("name", t.name)
		team.Set("region", t.region)
		if err := app.Save(team); err != nil {
			return err
		}
		teamIDs = append(teamIDs, team.Id)
		sup, err := mkUser(fmt.Sprintf("sup%d@fieldbase.demo", i+1), "Supervisor "+t.name, "supervisor", []string{team.Id})
		if err != nil {
			return err
		}
		supervisors = append(supervisors, sup)
		for k := 1; k <= 2; k++ {
			n := 2*i + k
			e, err := mkUser(fmt.Sprintf("enum%d@fieldbase.demo", n), fmt.Sprintf("Enumerator %d", n), "enumerator", []string{team.Id})
			if err != nil {
				return err
			}
			enumerators = append(enumerators, e)
		}
	}
	if _, err := mkUser("analyst@fieldbase.demo", "Analyst", "analyst", nil); err != nil {
		return err
	}
	suCol, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return err
	}
	su := core.NewRecord(suCol)
	su.SetEmail("admin@fieldbase.demo")
	su.SetPassword(DemoPassword)
	if err := app.Save(su); err != nil {
		return err
	}

	store, err := srv.Store()
	if err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	counts := map[string]int{}
	var stored []ingest.Outcome
	var owner []int
	i := 0
	err = synth.Generate(synth.Options{Households: households, Seed: 2026, InvalidRate: 0.03, DuplicateRate: 0.03,
		Enumerators: len(enumerators), Today: time.Now()}, func(it synth.Item) error {
		raw, err := json.Marshal(it.Envelope)
		if err != nil {
			return err
		}
		enum := enumerators[it.Enumerator]
		out, err := store.Push(ctx, ingest.Caller{UserID: enum.Id, TeamID: teamIDs[it.Enumerator/2]}, raw)
		if err != nil {
			return err
		}
		counts[out.Status]++
		srv.TouchDevice(enum.Id, synth.DeviceID(it.Enumerator), "demo", map[string]int{out.Outcome: 1})
		if out.Outcome == ingest.Created {
			stored = append(stored, out)
			owner = append(owner, it.Enumerator/2)
		}
		i++
		if i%500 == 0 || i == households {
			fmt.Fprintf(os.Stderr, "demo: pushed %d/%d households (%.0f/s)\n", i, households, float64(i)/time.Since(start).Seconds())
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Supervisors clear most of the clean work, send a few back, and leave the flagged ones.
	reviewed := 0
	for k, out := range stored {
		sup := supervisors[owner[k]]
		var d review.Decision
		switch {
		case out.Status == "received" && k%10 < 7:
			d = review.Decision{Action: "approve"}
		case out.Status == "received" && k%10 == 7:
			d = review.Decision{Action: "reject", Note: "Please re-check the ages in the roster with the household."}
		case out.Status == "invalid":
			d = review.Decision{Action: "reject", Note: "Hard errors: correct them and send the household again."}
		default:
			continue
		}
		if err := srv.Decide(sup, out.Record, d); err != nil {
			return fmt.Errorf("review %s: %w", out.Record, err)
		}
		reviewed++
	}
	fmt.Fprintf(os.Stderr, "demo: %d households stored %v; %d reviewed, in %s\n", len(stored), counts, reviewed, time.Since(start).Round(time.Millisecond))
	return nil
}
