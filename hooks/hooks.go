// Package hooks wires fieldbase's engine packages to PocketBase: custom routes (sync, review,
// indicators, export) and record hooks that keep the rules on every path (record API, admin UI).
// Handlers stay thin: they authenticate, parse, call a package, and write the answer.
package hooks

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/disclosure"
	"fieldbase/ingest"
	"fieldbase/store"
)

// Server holds the per-app state the routes share.
type Server struct {
	app     core.App
	Surveys *Registry

	storeMu sync.Mutex
	store   *ingest.Store

	// Facts, when set, computes indicator facts at ingest (see package indicators).
	Facts ingest.FactsFunc

	logins *loginThrottle // failed sign-ins (auth.go)

	// recordHookBase is recordHooks as serving began (-1 until then; events.go): PocketBase's
	// own handlers (realtime's broadcast, the record proxies) and fieldbase's, none of which
	// needs a push's events but realtime's, which needs a subscriber. A handler bound after
	// that (an extension's, a test's) changes the count, and from then on every push fires
	// its events. A fieldbase handler meant to see pushed households must be bound after
	// serving begins, or be called from afterPush.
	recordHookBase atomic.Int64

	keysMu sync.Mutex
	keys   *disclosure.Keys // the deployment's secret (keys.go)
}

// Register binds every fieldbase hook and route to app and returns the shared state.
func Register(app core.App) *Server {
	s := &Server{app: app, logins: newLoginThrottle()}
	s.recordHookBase.Store(-1)
	s.Surveys = newRegistry(app)
	s.Facts = s.IndicatorFacts()
	s.bindSurveys()
	s.bindUsers()
	s.bindAssignments()
	s.bindReview()
	s.bindEnrich()
	s.bindRosterAnswers()
	s.bindAuth()
	s.bindRealtime()
	s.bindDigests()
	s.bindEdits()
	s.bindAppTokens()
	s.bindProfile()
	s.bindCatalogs()
	s.bindIndicatorWarmup()
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		// The secret is made at first start, and digests made under another one (an old
		// data dir, a lost secret) are recomputed before the first request.
		if _, err := s.Rekey(context.Background()); err != nil {
			return err
		}
		s.setTimeouts(se)
		se.Router.BindFunc(bodyDeadline)
		se.Router.BindFunc(s.emailChangeGuard)
		se.Router.BindFunc(s.rosterAnswerFilters)
		s.routes(se)
		// Every hook of PocketBase and fieldbase is bound by now (realtime's in NewRouter).
		s.recordHookBase.Store(recordHooks(s.app))
		return se.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		s.storeMu.Lock()
		if s.store != nil {
			s.store.DB.Close()
		}
		s.storeMu.Unlock()
		return e.Next()
	})
	return s
}

// Store returns the ingest store, preparing its statements on first use (the migrations
// must have run, which is true once the app serves). A failure is not remembered: the next
// call tries again.
func (s *Server) Store() (*ingest.Store, error) {
	s.storeMu.Lock()
	defer s.storeMu.Unlock()
	if s.store != nil {
		return s.store, nil
	}
	w, ok1 := s.app.NonconcurrentDB().(*dbx.DB)
	r, ok2 := s.app.ConcurrentDB().(*dbx.DB)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("hooks: the app database is not a *dbx.DB (inside a transaction?)")
	}
	keys, err := s.Keys()
	if err != nil {
		return nil, err
	}
	db, err := store.Open(context.Background(), w.DB(), r.DB())
	if err != nil {
		return nil, err
	}
	s.store = &ingest.Store{DB: db, Surveys: s.Surveys, Facts: s.Facts, AfterCommit: s.afterPush,
		Keys: keys, Quota: quotaFromEnv()}
	return s.store, nil
}

func (s *Server) routes(se *core.ServeEvent) {
	api := se.Router.Group("/api")
	// Devices on poor networks: both sync routes answer gzip when asked (Accept-Encoding);
	// a push body may be sent gzipped (Content-Encoding, see readBody).
	api.POST("/sync/push", s.push).Bind(apis.GzipWithConfig(apis.GzipConfig{MinLength: 512}))
	api.GET("/sync/pull", s.pull).Bind(apis.GzipWithConfig(apis.GzipConfig{MinLength: 512}))
	api.POST("/submissions/{id}/review", s.reviewOne)
	api.POST("/review/bulk", s.reviewBulk)
	api.GET("/review/summary", s.reviewSummary)
	s.extraRoutes(api)
	s.appTokenRoutes(api)
	s.mediaRoutes(api)
	s.openrosaRoutes(se.Router)
	s.consoleRoutes(se)
}
