package bench

import (
	"context"
	"fmt"
	"net/url"
)

const (
	superEmail    = "bench@fieldbase.invalid"
	benchPassword = "fieldbase-bench-password"
	teamSize      = 4 // enumerators per team; one supervisor a team
)

// account is a seeded user and its token.
type account struct {
	ID, Email, Token string
	Team             string
}

// accounts are the seeded users of one server. Ids are fixed (PocketBase accepts a
// client-chosen 15-character id), so rows read from one server are valid in another.
type accounts struct {
	Super       string // superuser token
	Survey      string // record id of the mhs survey
	Teams       []string
	Enumerators []account
	Supervisors []account // by team
	Analyst     account
}

func fixedID(prefix string, i int) string { return fmt.Sprintf("%s%0*d", prefix, 15-len(prefix), i) }

// seed signs the superuser in, turns the rate limiter off for the bench, and creates the
// teams and users through the REST API as that superuser.
func seed(ctx context.Context, c *client, enumerators int) (*accounts, error) {
	a := &accounts{}
	var auth struct {
		Token string `json:"token"`
	}
	err := c.do(ctx, "POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]string{"identity": superEmail, "password": benchPassword}, &auth)
	if err != nil {
		return nil, fmt.Errorf("superuser sign-in: %w", err)
	}
	a.Super = auth.Token
	// Rate limiting is on by default (pb_migrations): 8 clients on one IP would be throttled.
	if err := c.do(ctx, "PATCH", "/api/settings", a.Super, map[string]any{"rateLimits": map[string]any{"enabled": false}}, nil); err != nil {
		return nil, fmt.Errorf("rate limiter off: %w", err)
	}
	var surveys struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	q := "/api/collections/surveys/records?filter=" + url.QueryEscape("form_id='mhs' && version=1")
	if err := c.do(ctx, "GET", q, a.Super, nil, &surveys); err != nil {
		return nil, fmt.Errorf("survey: %w", err)
	}
	if len(surveys.Items) != 1 {
		return nil, fmt.Errorf("survey mhs v1 is not installed on the server")
	}
	a.Survey = surveys.Items[0].ID

	nTeams := (enumerators + teamSize - 1) / teamSize
	for t := 0; t < nTeams; t++ {
		id := fixedID("bteam", t+1)
		err := c.do(ctx, "POST", "/api/collections/teams/records", a.Super,
			map[string]any{"id": id, "name": fmt.Sprintf("Bench team %d", t+1), "region": "R1"}, nil)
		if err != nil {
			return nil, fmt.Errorf("team: %w", err)
		}
		a.Teams = append(a.Teams, id)
	}
	mk := func(prefix, role string, i int, teams []string) (account, error) {
		acc := account{ID: fixedID(prefix, i+1), Email: fmt.Sprintf("%s%d@fieldbase.invalid", prefix, i+1)}
		if len(teams) == 1 {
			acc.Team = teams[0]
		}
		if teams == nil {
			teams = []string{}
		}
		err := c.do(ctx, "POST", "/api/collections/users/records", a.Super, map[string]any{
			"id": acc.ID, "email": acc.Email, "password": benchPassword, "passwordConfirm": benchPassword,
			"name": fmt.Sprintf("Bench %s %d", role, i+1), "role": role, "teams": teams, "verified": true,
		}, nil)
		if err != nil {
			return acc, fmt.Errorf("%s: %w", role, err)
		}
		err = c.do(ctx, "POST", "/api/collections/users/auth-with-password", "",
			map[string]string{"identity": acc.Email, "password": benchPassword}, &auth)
		if err != nil {
			return acc, fmt.Errorf("%s sign-in: %w", role, err)
		}
		acc.Token = auth.Token
		return acc, nil
	}
	for i := 0; i < enumerators; i++ {
		acc, err := mk("benum", "enumerator", i, []string{a.Teams[i/teamSize]})
		if err != nil {
			return nil, err
		}
		a.Enumerators = append(a.Enumerators, acc)
	}
	for t := range a.Teams {
		acc, err := mk("bsup", "supervisor", t, []string{a.Teams[t]})
		if err != nil {
			return nil, err
		}
		a.Supervisors = append(a.Supervisors, acc)
	}
	if a.Analyst, err = mk("banalyst", "analyst", 0, nil); err != nil {
		return nil, err
	}
	return a, nil
}

// supervisorOf returns the supervisor of an enumerator's team.
func (a *accounts) supervisorOf(e account) account {
	for i, t := range a.Teams {
		if t == e.Team {
			return a.Supervisors[i]
		}
	}
	return account{}
}

// sql runs one statement through PocketBase's superuser SQL API (POST /api/sql), so that
// only the server writes its database.
func (a *accounts) sql(ctx context.Context, c *client, query string) (sqlResult, error) {
	var r sqlResult
	err := c.do(ctx, "POST", "/api/sql", a.Super, map[string]string{"query": query}, &r)
	return r, err
}

type sqlResult struct {
	AffectedRows int64      `json:"affectedRows"`
	Rows         [][]string `json:"rows"`
}
