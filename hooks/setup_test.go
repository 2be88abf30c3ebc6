package hooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"fieldbase/hooks"
	_ "fieldbase/pb_migrations"
)

// fixtureDir is a data dir with every migration applied and the demo accounts below;
// each test clones it (10–20 ms) so tests never share state.
var fixtureDir string

// ids and tokens of the fixture accounts.
var fx struct {
	teamA, teamB                    string
	enumA1, enumA2, enumB1          string
	supA, supB, analyst, analystPII string
	superuser                       string
	tok                             map[string]string // by account name
	assignA1, assignB1              string
}

func TestMain(m *testing.M) {
	code := func() int {
		empty, err := os.MkdirTemp("", "fieldbase_fixture_*")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(empty)
		app, err := tests.NewTestApp(empty)
		if err != nil {
			panic(err)
		}
		if err := seedFixture(app); err != nil {
			panic(err)
		}
		fixtureDir = app.DataDir()
		if err := app.ResetBootstrapState(); err != nil {
			panic(err)
		}
		defer os.RemoveAll(fixtureDir)
		return m.Run()
	}()
	os.Exit(code)
}

func seedFixture(app core.App) error {
	fx.tok = map[string]string{}
	teams, _ := app.FindCollectionByNameOrId("teams")
	mkTeam := func(name, region string) (string, error) {
		r := core.NewRecord(teams)
		r.Set("name", name)
		r.Set("region", region)
		return r.Id, app.Save(r)
	}
	var err error
	if fx.teamA, err = mkTeam("Team A", "R1"); err != nil {
		return err
	}
	if fx.teamB, err = mkTeam("Team B", "R2"); err != nil {
		return err
	}
	users, _ := app.FindCollectionByNameOrId("users")
	mkUser := func(name, role string, teamIDs []string, pii bool) (string, error) {
		r := core.NewRecord(users)
		r.Set("email", name+"@example.org")
		r.Set("name", name)
		r.Set("role", role)
		r.Set("teams", teamIDs)
		r.Set("pii_granted", pii)
		r.SetPassword("password123")
		if err := app.Save(r); err != nil {
			return "", fmt.Errorf("user %s: %w", name, err)
		}
		tok, err := r.NewStaticAuthToken(0)
		fx.tok[name] = tok
		return r.Id, err
	}
	for _, u := range []struct {
		dst   *string
		name  string
		role  string
		teams []string
		pii   bool
	}{
		{&fx.enumA1, "enumA1", "enumerator", []string{fx.teamA}, false},
		{&fx.enumA2, "enumA2", "enumerator", []string{fx.teamA}, false},
		{&fx.enumB1, "enumB1", "enumerator", []string{fx.teamB}, false},
		{&fx.supA, "supA", "supervisor", []string{fx.teamA}, false},
		{&fx.supB, "supB", "supervisor", []string{fx.teamB}, false},
		{&fx.analyst, "analyst", "analyst", nil, false},
		{&fx.analystPII, "analystPII", "analyst", nil, true},
	} {
		if *u.dst, err = mkUser(u.name, u.role, u.teams, u.pii); err != nil {
			return err
		}
	}
	su, _ := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	s := core.NewRecord(su)
	s.SetEmail("admin@example.org")
	s.SetPassword("password123")
	if err := app.Save(s); err != nil {
		return err
	}
	fx.superuser = s.Id
	fx.tok["superuser"], err = s.NewStaticAuthToken(0)
	if err != nil {
		return err
	}
	survey, err := app.FindFirstRecordByFilter("surveys", "form_id = 'mhs' && version = 1")
	if err != nil {
		return fmt.Errorf("mhs survey not installed: %w", err)
	}
	asg, _ := app.FindCollectionByNameOrId("assignments")
	mkAssign := func(enum, team string, psu, dwelling int) (string, error) {
		r := core.NewRecord(asg)
		r.Set("survey", survey.Id)
		r.Set("enumerator", enum)
		r.Set("team", team)
		r.Set("a_psu", psu)
		r.Set("a_dwelling", dwelling)
		r.Set("a_stratum", "R1U")
		r.Set("a_region", "R1")
		r.Set("a_urban", "U")
		r.Set("a_weight", 150.5)
		r.Set("status", "active")
		return r.Id, app.Save(r)
	}
	if fx.assignA1, err = mkAssign(fx.enumA1, fx.teamA, 101, 1); err != nil {
		return err
	}
	if fx.assignB1, err = mkAssign(fx.enumB1, fx.teamB, 201, 1); err != nil {
		return err
	}
	return nil
}

// server is a real HTTP server over a fresh clone of the fixture, with fieldbase registered.
type server struct {
	t   testing.TB
	App *tests.TestApp
	Srv *hooks.Server
	URL string
	hs  *httptest.Server
}

func newServer(t testing.TB) *server {
	t.Helper()
	return newServerAt(t, fixtureDir)
}

// newServerAt is newServer over a clone of another data dir (a restored backup, say).
func newServerAt(t testing.TB, dir string, routes ...func(*core.ServeEvent)) *server {
	t.Helper()
	return newServerBound(t, dir, nil, routes...)
}

// newServerBound is newServerAt with before run on the app before fieldbase binds its
// hooks (as main.go could bind hooks of its own first).
func newServerBound(t testing.TB, dir string, before func(core.App), routes ...func(*core.ServeEvent)) *server {
	t.Helper()
	app, err := tests.NewTestApp(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The rate limiter (on by default, see pb_migrations) would throttle tests that send
	// hundreds of requests from 127.0.0.1; TestRateLimit turns it back on.
	app.Settings().RateLimits.Enabled = false
	if before != nil {
		before(app)
	}
	srv := hooks.Register(app)
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var mux http.Handler
	se := &core.ServeEvent{App: app, Router: router}
	err = app.OnServe().Trigger(se, func(e *core.ServeEvent) error {
		for _, add := range routes {
			add(e)
		}
		m, err := e.Router.BuildMux()
		mux = m
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(mux)
	s := &server{t: t, App: app, Srv: srv, URL: hs.URL, hs: hs}
	t.Cleanup(func() {
		hs.Close()
		app.Cleanup()
	})
	return s
}

// do sends a request as the named fixture account ("" = anonymous) and decodes the JSON answer.
func (s *server) do(method, path, who string, body any) (int, map[string]any) {
	s.t.Helper()
	code, raw := s.doRaw(method, path, who, body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			s.t.Fatalf("%s %s: answer is not a JSON object (%v): %.300s", method, path, err, raw)
		}
	}
	return code, out
}

func (s *server) doRaw(method, path, who string, body any) (int, []byte) {
	s.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if who != "" {
		tok, ok := fx.tok[who]
		if !ok {
			s.t.Fatalf("no fixture account %q", who)
		}
		req.Header.Set("Authorization", tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return res.StatusCode, raw
}

// doRawWithToken sends a request with an arbitrary Authorization header.
func (s *server) doRawWithToken(method, path, token string, body any) (int, []byte) {
	s.t.Helper()
	fx.tok["_raw"] = token
	defer delete(fx.tok, "_raw")
	return s.doRaw(method, path, "_raw", body)
}

// get sends a GET as the named fixture account and returns status, headers and the raw body.
// A 404 from the router itself (not from a handler) fails the test: the route is not bound.
func (s *server) get(t testing.TB, path, who string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if who != "" {
		req.Header.Set("Authorization", fx.tok[who])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode == http.StatusNotFound && bytes.Contains(body, []byte(`"The requested resource wasn't found."`)) {
		t.Fatalf("GET %s is not routed", path)
	}
	return res.StatusCode, res.Header, body
}
