package hooks

import (
	"context"
	"net/url"
	"os"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/indicators"
)

// The first indicators request after a start reads every approved household's facts: about
// 4 s of the server's CPU for 300,000 households, 13 s for a million, many times that in
// wall time on a loaded machine. A server of a large survey does that read (and the
// dashboard's requests) in the background as it starts, so that the first analyst does not
// wait for it; a request that comes meanwhile waits for the same read, it does not start
// another.

// warmHouseholds is the approved households from which a survey's snapshot is read at start.
// FIELDBASE_INDICATORS_WARM=0 turns the read at start off (the bench does, to time the cold
// first read and to keep its other figures free of it).
const warmHouseholds = 50_000

func (s *Server) bindIndicatorWarmup() {
	if os.Getenv("FIELDBASE_INDICATORS_WARM") == "0" {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		go s.WarmIndicators(ctx, warmHouseholds)
		return se.Next()
	})
	s.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		cancel()
		return e.Next()
	})
}

// WarmIndicators reads the snapshot of every survey with at least min approved households
// and computes the dashboard's requests on it; it returns the surveys it read.
func (s *Server) WarmIndicators(ctx context.Context, min int) int {
	var forms []string
	if err := s.app.DB().NewQuery("SELECT DISTINCT form_id FROM surveys ORDER BY form_id").WithContext(ctx).Column(&forms); err != nil {
		return 0
	}
	warmed := 0
	for _, form := range forms {
		var n int
		err := s.app.ConcurrentDB().NewQuery("SELECT count(*) FROM submissions WHERE form_id = {:f} AND status = 'approved'").
			Bind(dbx.Params{"f": form}).WithContext(ctx).Row(&n)
		if err != nil || n < min {
			continue
		}
		sc, cat, err := s.indicatorScopeOf(url.Values{"survey": {form}})
		if err != nil {
			continue // no catalog: nothing to read
		}
		start := time.Now()
		// As GET /api/indicators?survey=… asks: its answer (with the dashboard's other 7
		// requests, computed together) and the disclosure tables are then kept.
		req := cat.Normalize(indicators.Request{})
		req.Indicators, _ = measuredOnly(sc, cat, nil)
		snap, err := s.scopedSnapshot(ctx, sc, cat)
		var res *indicators.Result
		if err == nil {
			res, err = snap.Compute(req)
		}
		if err == nil {
			err = suppress(cat, snap, res)
		}
		if err != nil {
			if ctx.Err() == nil {
				s.app.Logger().Warn("indicators: reading the snapshot at start failed", "survey", form, "error", err)
			}
			continue
		}
		afterCompute(snap)
		warmed++
		s.app.Logger().Info("indicators: snapshot read at start", "survey", form, "households", snap.Households(),
			"persons", snap.Members(), "seconds", time.Since(start).Seconds())
	}
	return warmed
}
