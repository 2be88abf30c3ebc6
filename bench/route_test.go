package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"fieldbase/hooks"
	"fieldbase/synth"
)

// The route benchmarks run the sync routes in this process (so that go test -cpuprofile
// sees the server side) over a real HTTP listener, with the bench's client:
//
//	go test ./bench -run '^$' -bench 'Route' -benchtime 40x -cpuprofile /tmp/cpu.out
//	go tool pprof -top -cum bench.test /tmp/cpu.out
//
// The server is built as main.go builds it (hooks.Register, nothing else).

type routeServer struct {
	app    *tests.TestApp
	srv    *hooks.Server
	url    string
	tokens []string
	hs     *httptest.Server
}

func newRouteServer(tb testing.TB, enumerators int) *routeServer {
	tb.Helper()
	empty := tb.TempDir()
	app, err := tests.NewTestApp(empty)
	if err != nil {
		tb.Fatal(err)
	}
	app.Settings().RateLimits.Enabled = false
	srv := hooks.Register(app)
	teams, _ := app.FindCollectionByNameOrId("teams")
	team := core.NewRecord(teams)
	team.Set("name", "T")
	if err := app.Save(team); err != nil {
		tb.Fatal(err)
	}
	users, _ := app.FindCollectionByNameOrId("users")
	rs := &routeServer{app: app, srv: srv}
	for i := 0; i < enumerators; i++ {
		u := core.NewRecord(users)
		u.SetEmail(fixedID("e", i) + "@example.org")
		u.Set("role", "enumerator")
		u.Set("teams", []string{team.Id})
		u.SetPassword("password123")
		if err := app.Save(u); err != nil {
			tb.Fatal(err)
		}
		tok, err := u.NewStaticAuthToken(time.Hour)
		if err != nil {
			tb.Fatal(err)
		}
		rs.tokens = append(rs.tokens, tok)
	}
	tb.Cleanup(func() {
		app.Cleanup()
		os.RemoveAll(empty)
	})
	rs.hs = serveApp(tb, app)
	rs.url = rs.hs.URL
	return rs
}

// serveApp serves an app's routes (its OnServe hooks bound to a router) on a real HTTP
// listener, closed at the end of the test.
func serveApp(tb testing.TB, app core.App) *httptest.Server {
	tb.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		tb.Fatal(err)
	}
	var mux http.Handler
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(e *core.ServeEvent) error {
		m, err := e.Router.BuildMux()
		mux = m
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(mux)
	tb.Cleanup(hs.Close)
	return hs
}

func envelopes(tb testing.TB, seed int64, n int) [][]byte {
	var out [][]byte
	err := synth.Generate(synth.Options{Households: n, Seed: seed, Enumerators: 8, Today: time.Now()}, func(it synth.Item) error {
		raw, err := json.Marshal(it.Envelope)
		out = append(out, raw)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkPushRoute: one op is one push of 100 new households; 8 clients.
func BenchmarkPushRoute(b *testing.B) {
	rs := newRouteServer(b, 8)
	bs := batches(envelopes(b, 11, 100*b.N), 100)
	c := newClient(rs.url)
	b.ResetTimer()
	cpu0 := selfCPU()
	st, err := pushPrepared(context.Background(), c, rs.tokens, bs, false)
	b.ReportMetric(float64((selfCPU()-cpu0).Microseconds())/float64(st.households), "cpu-us/household")
	if err != nil {
		b.Fatal(err)
	}
	if st.outcomes["created"] != st.households {
		b.Fatalf("outcomes %v", st.outcomes)
	}
	b.ReportMetric(st.perSecond(), "households/s")
}

// BenchmarkResendRoute: one op is one resend of a batch of 100 households already stored.
func BenchmarkResendRoute(b *testing.B) {
	rs := newRouteServer(b, 8)
	bs := batches(envelopes(b, 12, 800), 100)
	c := newClient(rs.url)
	// Client i pushes batch i itself: only an enumerator's own submissions answer for an id.
	sentBy := make([][]batch, len(bs))
	for i, bt := range bs {
		var ans pushAnswer
		if err := c.do(context.Background(), "POST", "/api/sync/push", rs.tokens[i], bt.body, &ans); err != nil {
			b.Fatal(err)
		}
		sentBy[i] = []batch{bt}
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	b.ResetTimer()
	cpu0 := selfCPU()
	start := time.Now()
	err := runWorkers(context.Background(), 8, func(ctx context.Context, i int) error {
		for left.Add(-1) >= 0 {
			if _, err := resendAll(ctx, c, rs.tokens[i:i+1], sentBy[i:i+1], 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(100*b.N)/time.Since(start).Seconds(), "submissions/s")
	b.ReportMetric(float64((selfCPU()-cpu0).Microseconds())/float64(100*b.N), "cpu-us/submission")
}
