package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/pocketbase/dbx"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
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
	var stored []demoHousehold
	i := 0
	push := func(enumIdx int, env map[string]any) (ingest.Outcome, error) {
		raw, err := json.Marshal(env)
		if err != nil {
			return ingest.Outcome{}, err
		}
		enum := enumerators[enumIdx]
		out, err := store.Push(ctx, ingest.Caller{UserID: enum.Id, TeamID: teamIDs[enumIdx/2]}, raw)
		if err != nil {
			return out, err
		}
		srv.TouchDevice(enum.Id, synth.DeviceID(enumIdx), "demo", map[string]int{out.Outcome: 1})
		return out, nil
	}
	err = synth.Generate(synth.Options{Households: households, Seed: 2026, InvalidRate: 0.03, DuplicateRate: 0.03,
		Enumerators: len(enumerators), Today: time.Now()}, func(it synth.Item) error {
		out, err := push(it.Enumerator, it.Envelope)
		if err != nil {
			return err
		}
		if out.Outcome == ingest.Created {
			stored = append(stored, demoHousehold{out: out, enum: it.Enumerator, env: it.Envelope})
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
	if err := seedAssignments(app, stored, enumerators, teamIDs); err != nil {
		return fmt.Errorf("assignments: %w", err)
	}
	// Supervisors clear most of the clean work, send some back, settle half of the suspected
	// duplicates and leave the rest flagged for a look.
	var corrections []demoHousehold
	for k, h := range stored {
		sup := supervisors[h.enum/2]
		var d review.Decision
		switch {
		case h.out.Status == "received" && k%10 < 7:
			d = review.Decision{Action: "approve"}
		case h.out.Status == "received" && k%10 == 7:
			d = review.Decision{Action: "reject", Note: "Please re-check the ages in the roster with the household."}
		case h.out.Status == "invalid" && k%3 != 0:
			d = review.Decision{Action: "reject", Note: "Hard errors: correct them and send the household again."}
		case h.out.DuplicateOf != "" || hasFlag(h.out, "possible_duplicate") && k%2 == 0:
			other := h.out.DuplicateOf
			for _, f := range h.out.Flags {
				if f.Kind == "possible_duplicate" && f.Other != "" {
					other = f.Other
				}
			}
			d = review.Decision{Action: "duplicate", DuplicateOf: other}
		default:
			continue
		}
		if err := srv.Decide(sup, h.out.Record, d); err != nil {
			continue // e.g. the kept household was itself rejected: leave it for a person
		}
		if d.Action == "reject" && len(corrections) < len(stored)/40 {
			corrections = append(corrections, h)
		}
	}
	// Some rejected households come back corrected from the tablet (superseding the first
	// version); the supervisor approves every other correction.
	for k, h := range corrections {
		env := map[string]any{}
		for key, v := range h.env {
			env[key] = v
		}
		env["id"] = uuid.NewString()
		env["supersedes"] = h.env["id"]
		out, err := push(h.enum, env)
		if err != nil {
			return fmt.Errorf("correction: %w", err)
		}
		if out.Outcome == ingest.Created && k%2 == 0 && out.Status != "invalid" {
			srv.Decide(supervisors[h.enum/2], out.Record, review.Decision{Action: "approve"})
		}
	}
	// The last enumerator's tablet has been silent for five days.
	last := len(enumerators) - 1
	if _, err := app.DB().NewQuery("UPDATE devices SET last_seen = {:t}, last_push = {:t} WHERE enumerator = {:e}").
		Bind(dbx.Params{"t": types.NowDateTime().Add(-5 * 24 * time.Hour).String(), "e": enumerators[last].Id}).Execute(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "demo: seeded in %s\n", time.Since(start).Round(time.Millisecond))
	return printDemoSummary(app)
}

type demoHousehold struct {
	out  ingest.Outcome
	enum int
	env  map[string]any
}

func hasFlag(o ingest.Outcome, kind string) bool {
	for _, f := range o.Flags {
		if f.Kind == kind {
			return true
		}
	}
	return false
}

// seedAssignments gives every household's dwelling to its enumerator, plus two dwellings
// per PSU nobody has visited yet (outstanding work).
func seedAssignments(app core.App, stored []demoHousehold, enumerators []*core.Record, teamIDs []string) error {
	col, err := app.FindCollectionByNameOrId("assignments")
	if err != nil {
		return err
	}
	var survey string
	if err := app.DB().NewQuery("SELECT id FROM surveys WHERE form_id = 'mhs' ORDER BY version DESC LIMIT 1").Row(&survey); err != nil {
		return err
	}
	type key struct{ psu, dwelling int }
	done := map[key]bool{}
	maxDwelling := map[int]int{}
	psuOwner := map[int]int{}
	psuData := map[int]map[string]any{}
	num := func(v any) int {
		switch x := v.(type) {
		case int:
			return x
		case int64:
			return int(x)
		case float64:
			return int(x)
		}
		return 0
	}
	add := func(enum int, data map[string]any, dwelling int) error {
		r := core.NewRecord(col)
		r.Set("survey", survey)
		r.Set("enumerator", enumerators[enum].Id)
		r.Set("team", teamIDs[enum/2])
		r.Set("a_psu", num(data["a_psu"]))
		r.Set("a_dwelling", dwelling)
		r.Set("a_stratum", data["a_stratum"])
		r.Set("a_region", data["a_region"])
		r.Set("a_urban", data["a_urban"])
		r.Set("a_weight", data["a_weight"])
		r.Set("status", "active")
		return app.Save(r)
	}
	for _, h := range stored {
		data, _ := h.env["data"].(map[string]any)
		k := key{num(data["a_psu"]), num(data["a_dwelling"])}
		if data == nil || k.psu == 0 || k.dwelling == 0 || done[k] {
			continue
		}
		done[k] = true
		if err := add(h.enum, data, k.dwelling); err != nil {
			return err
		}
		if k.dwelling > maxDwelling[k.psu] {
			maxDwelling[k.psu] = k.dwelling
		}
		psuOwner[k.psu], psuData[k.psu] = h.enum, data
	}
	for psu, data := range psuData {
		for extra := 1; extra <= 2; extra++ {
			if d := maxDwelling[psu] + extra; d <= 9999 {
				if err := add(psuOwner[psu], data, d); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// printDemoSummary prints households per team and status, and assignments per team, from the
// data dir itself (so the figures are the ones every screen shows).
func printDemoSummary(app core.App) error {
	statuses := []string{"received", "flagged", "invalid", "approved", "rejected", "duplicate", "superseded"}
	var rows []struct {
		Team   string `db:"team"`
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := app.DB().NewQuery(`SELECT COALESCE(t.name, '?') AS team, s.status, COUNT(*) AS n FROM submissions s
		LEFT JOIN teams t ON t.id = s.team GROUP BY t.name, s.status`).All(&rows); err != nil {
		return err
	}
	var asg []struct {
		Team        string `db:"team"`
		Assigned    int    `db:"assigned"`
		Outstanding int    `db:"outstanding"`
	}
	if err := app.DB().NewQuery(`SELECT COALESCE(t.name, '?') AS team, COUNT(*) AS assigned,
		SUM(NOT EXISTS (SELECT 1 FROM submissions s WHERE s.team = a.team AND s.a_psu = a.a_psu AND s.a_dwelling = a.a_dwelling
			AND s.status NOT IN ('superseded', 'duplicate'))) AS outstanding
		FROM assignments a LEFT JOIN teams t ON t.id = a.team GROUP BY t.name`).All(&asg); err != nil {
		return err
	}
	by := map[string]map[string]int{}
	for _, r := range rows {
		if by[r.Team] == nil {
			by[r.Team] = map[string]int{}
		}
		by[r.Team][r.Status] = r.N
	}
	asgBy := map[string][2]int{}
	for _, a := range asg {
		asgBy[a.Team] = [2]int{a.Assigned, a.Outstanding}
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "\nteam\t"+strings.Join(statuses, "\t")+"\thouseholds\tassigned\toutstanding\t")
	total := map[string]int{}
	var all, allAsg, allOut int
	for _, t := range demoTeams {
		line, sum := t.name+"\t", 0
		for _, st := range statuses {
			n := by[t.name][st]
			line += fmt.Sprintf("%d\t", n)
			total[st] += n
			sum += n
		}
		a := asgBy[t.name]
		all, allAsg, allOut = all+sum, allAsg+a[0], allOut+a[1]
		fmt.Fprintf(w, "%s%d\t%d\t%d\t\n", line, sum, a[0], a[1])
	}
	line := "all\t"
	for _, st := range statuses {
		line += fmt.Sprintf("%d\t", total[st])
	}
	fmt.Fprintf(w, "%s%d\t%d\t%d\t\n", line, all, allAsg, allOut)
	return w.Flush()
}
