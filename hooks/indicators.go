package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/form"
	"fieldbase/indicators"
	"fieldbase/ingest"
	"fieldbase/review"
	"fieldbase/schemas"
)

// indicatorCatalogJSON holds the indicator catalogs by the form_id they are written for
// (their "survey" key): a catalog belongs to its survey. The shipped ones, and those added
// with AddIndicatorCatalog.
var indicatorCatalogJSON = struct {
	sync.RWMutex
	m map[string][]byte
}{m: catalogsBySurvey(shippedCatalogs())}

func shippedCatalogs() [][]byte { return schemas.Catalogs }

// AddIndicatorCatalog adds (or replaces) the indicator catalog of the survey its "survey"
// key names, for this process: a survey installed with `survey add` gets indicators without a
// new build. The catalog is compiled against each version of the survey when first used.
func AddIndicatorCatalog(raw []byte) error {
	survey, err := catalogSurvey(raw)
	if err != nil {
		return err
	}
	indicatorCatalogJSON.Lock()
	indicatorCatalogJSON.m[survey] = append([]byte(nil), raw...)
	indicatorCatalogJSON.Unlock()
	catalogs.Lock()
	clear(catalogs.m) // compiled from the old catalog
	catalogs.Unlock()
	return nil
}

func catalogsBySurvey(list [][]byte) map[string][]byte {
	out := map[string][]byte{}
	for _, raw := range list {
		var head struct {
			Survey string `json:"survey"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.Survey == "" || out[head.Survey] != nil {
			panic(fmt.Sprintf("hooks: a shipped indicator catalog names no survey, or the same one as another (%q, %v)", head.Survey, err))
		}
		out[head.Survey] = raw
	}
	return out
}

// catalogs caches one compiled catalog per compiled survey version: compiling takes about a
// millisecond and the facts function runs once per pushed household.
var catalogs = struct {
	sync.Mutex
	m map[*form.Survey]catalogEntry
}{m: map[*form.Survey]catalogEntry{}}

type catalogEntry struct {
	c   *indicators.Catalog
	err error
}

// IndicatorCatalog returns the indicator catalog compiled for a survey version, nil (and no
// error) when no catalog is shipped for its form_id.
func IndicatorCatalog(sv *form.Survey) (*indicators.Catalog, error) {
	indicatorCatalogJSON.RLock()
	raw, ok := indicatorCatalogJSON.m[sv.FormID]
	indicatorCatalogJSON.RUnlock()
	if !ok {
		return nil, nil
	}
	catalogs.Lock()
	defer catalogs.Unlock()
	if e, ok := catalogs.m[sv]; ok {
		return e.c, e.err
	}
	if len(catalogs.m) >= 32 { // surveys reloaded many times: drop the old compiled forms
		clear(catalogs.m)
	}
	c, err := indicators.LoadPooled(raw, sv)
	catalogs.m[sv] = catalogEntry{c, err}
	return c, err
}

// IndicatorFacts is the ingest facts function: the indicator facts of a pushed household
// under the catalog of its survey, or none for a survey without a catalog. Plug it into the
// store before the first push: s.Facts = s.IndicatorFacts().
func (s *Server) IndicatorFacts() ingest.FactsFunc {
	return func(sv *form.Survey, data map[string]any) (string, []string) {
		c, err := IndicatorCatalog(sv)
		if err != nil {
			s.app.Logger().Error("indicator catalog does not compile against the survey", "form_id", sv.FormID, "version", sv.Version, "error", err)
			return "", nil
		}
		if c == nil {
			return "", nil
		}
		return c.Facts(sv, data)
	}
}

// indicatorFormats are the answers of GET /api/indicators by format=.
var indicatorFormats = map[string]string{
	"json": indicators.ContentTypeJSON,
	"csv":  indicators.ContentTypeCSV,
	"sdmx": indicators.ContentTypeSDMX,
}

// indicators is GET /api/indicators?survey=mhs&by=DIM[,DIM2]&indicator=ID[,ID...]&format=json|csv|sdmx:
// the published cells over the approved households, from their stored facts.
func (s *Server) indicators(e *core.RequestEvent) error {
	if _, err := requireRole(e, RoleSupervisor, RoleAnalyst, RoleSuperuser); err != nil {
		return err
	}
	q := e.Request.URL.Query()
	survey := q.Get("survey")
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	contentType, ok := indicatorFormats[format]
	if !ok {
		return apiError(http.StatusBadRequest, fmt.Sprintf("unknown format %q: use json, csv or sdmx", format))
	}
	sc, cat, err := s.indicatorScopeOf(q)
	if err != nil {
		return err
	}
	sv := sc.SV
	req := cat.Normalize(indicators.Request{Indicators: splitList(q.Get("indicator")), By: splitList(q.Get("by"))})
	if req.Indicators, err = measuredOnly(sc, cat, req.Indicators); err != nil {
		return err
	}
	precision, err := indicators.ParsePrecision(q.Get("precision"), defaultPrecision[format])
	if err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	var res *indicators.Result
	snap, err := s.scopedSnapshot(e.Request.Context(), sc, cat)
	if err == nil {
		res, err = snap.Compute(req)
	}
	if err == nil {
		err = suppress(cat, snap, res)
		afterCompute(snap)
	}
	var reqErr *indicators.RequestError
	var stale *indicators.StaleError
	switch {
	case errors.As(err, &reqErr):
		return apiError(http.StatusBadRequest, reqErr.Error())
	case errors.As(err, &stale):
		return apiError(http.StatusConflict, fmt.Sprintf("the stored indicator facts of %d approved rows predate the current catalog: run `fieldbase indicators rebuild --survey %s` and ask again", stale.Rows, survey))
	case err != nil:
		return fmt.Errorf("indicators: %w", err)
	}
	h := e.Response.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", downloadName(format, survey, "indicators", req.By, q.Get("download") != ""))
	e.Response.WriteHeader(http.StatusOK)
	switch format {
	case "csv":
		err = res.WriteCSVPrecision(e.Response, precision)
	case "sdmx":
		// A round's figures are of the round's year; else of the year most interviews took place.
		err = res.WriteSDMX(e.Response, indicators.SDMXOptions{RefArea: sv.Form.Settings.Country, TimePeriod: sc.RoundYear})
	default:
		err = res.WriteJSONPrecision(e.Response, precision)
	}
	if err != nil { // the status line is sent: all that is left is to log it
		s.app.Logger().Error("indicators: writing the answer failed", "survey", survey, "format", format, "error", err)
	}
	return nil
}

// snapshots keeps, per server and survey, the decoded facts of the approved rows and the
// state of the data they were read in: reading 100,000 households' facts from SQLite takes
// about a second, computing a request from a snapshot some tens of milliseconds.
var snapshots = struct {
	sync.Mutex
	m map[snapshotKey]*snapshotEntry
}{m: map[snapshotKey]*snapshotEntry{}}

type snapshotKey struct {
	s     *Server
	scope string // indicatorScope.key
}

type snapshotEntry struct {
	mu     sync.Mutex // held while reading, so that concurrent requests read once
	state  string     // catalog, facts layout, rebuild generation
	logPos int64      // facts_log position the snapshot is complete up to
	snap   *indicators.Snapshot
}

// factsGeneration changes whenever RebuildIndicatorFacts rewrites facts in this process.
var factsGeneration atomic.Int64

// snapshotReads and snapshotApplies count full reads of the facts and updates from
// facts_log (IndicatorSnapshotStats).
var snapshotReads, snapshotApplies atomic.Int64

// IndicatorSnapshotStats says how often this process read every approved row's facts and
// how often it updated a snapshot with the few households that changed.
func IndicatorSnapshotStats() (reads, applies int64) {
	return snapshotReads.Load(), snapshotApplies.Load()
}

// indicatorSnapshot returns the decoded facts of a survey's approved rows. facts_log (see
// the indicator facts migration) has a row for every change of an approved household,
// whoever made it: when it has not moved since the snapshot, the snapshot stands; when a
// few households changed, only they are read and the snapshot is updated with them
// (indicators.Snapshot.Apply); otherwise, or when facts were rewritten or rows deleted, or
// the catalog changed, every approved row is read again. The log position and the facts
// are read in one read transaction, so they agree.
func (s *Server) indicatorSnapshot(ctx context.Context, survey string, cat *indicators.Catalog) (*indicators.Snapshot, error) {
	return s.scopedSnapshot(ctx, indicatorScope{Survey: survey}, cat)
}

// scopedSnapshot is indicatorSnapshot for the households of some versions of a survey
// (version=, round=): one snapshot per scope.
func (s *Server) scopedSnapshot(ctx context.Context, sc indicatorScope, cat *indicators.Catalog) (*indicators.Snapshot, error) {
	state := fmt.Sprintf("%p|%s|%d", cat, cat.FactsPrefix(), factsGeneration.Load())

	snapshots.Lock()
	k := snapshotKey{s, sc.key()}
	entry := snapshots.m[k]
	if entry == nil {
		if len(snapshots.m) >= 16 { // many servers (tests) or surveys: start afresh
			clear(snapshots.m)
		}
		entry = &snapshotEntry{}
		snapshots.m[k] = entry
	}
	snapshots.Unlock()

	entry.mu.Lock()
	defer entry.mu.Unlock()
	var db dbx.Builder = s.app.ConcurrentDB()
	if d, ok := db.(*dbx.DB); ok {
		tx, err := d.Begin() // SQLite in WAL: a read transaction is a stable snapshot
		if err != nil {
			return nil, fmt.Errorf("indicators: begin: %w", err)
		}
		defer tx.Rollback()
		db = tx
	}
	var pos int64
	if err := db.NewQuery("SELECT COALESCE(MAX(id), 0) FROM facts_log").WithContext(ctx).Row(&pos); err != nil {
		return nil, fmt.Errorf("indicators: facts log: %w", err)
	}
	if entry.snap != nil && entry.state == state {
		if pos == entry.logPos {
			return entry.snap, nil
		}
		snap, err := applyFactsLog(ctx, db, sc, entry.snap, entry.logPos, pos)
		if err != nil {
			return nil, err
		}
		if snap != nil {
			snapshotApplies.Add(1)
			entry.snap, entry.logPos = snap, pos
			return snap, nil
		}
	}
	snapshotReads.Add(1)
	if tx, ok := db.(*dbx.Tx); ok {
		defer smallCache(tx)()
	}
	snap, err := cat.Read(&factsSource{ctx: ctx, db: db, scope: sc})
	if err != nil {
		return nil, err
	}
	afterFullRead(snap.Households() + snap.Members())
	entry.state, entry.snap, entry.logPos = state, snap, pos
	return snap, nil
}

// maxLogDelta is the most changed households a snapshot is updated with rather than read
// again (at least; a twentieth of the snapshot's households when that is more).
const maxLogDelta = 2000

// applyFactsLog updates snap with the households facts_log names after from (up to to), or
// returns nil when the snapshot must be read again: too many changes, facts rewritten, a
// row deleted, or a household changed survey.
func applyFactsLog(ctx context.Context, db dbx.Builder, sc indicatorScope, snap *indicators.Snapshot, from, to int64) (*indicators.Snapshot, error) {
	limit := max(maxLogDelta, snap.Households()/20)
	if to-from > int64(limit) { // ids have no gaps: no log row is ever deleted
		return nil, nil
	}
	var log []struct {
		Sub     int64          `db:"sub"`
		Old     sql.NullString `db:"old_status"`
		Refacts bool           `db:"refacts"`
	}
	if err := db.NewQuery("SELECT sub, old_status, refacts FROM facts_log WHERE id > {:from} AND id <= {:to} ORDER BY id").
		Bind(dbx.Params{"from": from, "to": to}).WithContext(ctx).All(&log); err != nil {
		return nil, fmt.Errorf("indicators: facts log: %w", err)
	}
	// The first entry of a household after the snapshot has its status in the snapshot.
	was := map[int64]bool{}
	var subs []int64
	for _, e := range log {
		if e.Refacts {
			return nil, nil
		}
		if _, seen := was[e.Sub]; !seen {
			was[e.Sub] = e.Old.Valid && e.Old.String == review.Approved
			subs = append(subs, e.Sub)
		}
	}
	removed, added := &listSource{}, &listSource{}
	var gone, came []string // submission ids
	for start := 0; start < len(subs); start += 500 {
		chunk := subs[start:min(start+500, len(subs))]
		params := dbx.Params{}
		marks := make([]string, len(chunk))
		for i, r := range chunk {
			k := fmt.Sprintf("r%d", i)
			params[k], marks[i] = r, "{:"+k+"}"
		}
		var rows []struct {
			Row     int64  `db:"r"`
			ID      string `db:"id"`
			FormID  string `db:"form_id"`
			Version int    `db:"version"`
			Status  string `db:"status"`
			Facts   string `db:"facts"`
		}
		if err := db.NewQuery("SELECT rowid AS r, id, form_id, version, status, COALESCE(facts, '') AS facts FROM submissions WHERE rowid IN (" +
			strings.Join(marks, ",") + ")").Bind(params).WithContext(ctx).All(&rows); err != nil {
			return nil, fmt.Errorf("indicators: changed households: %w", err)
		}
		if len(rows) != len(chunk) { // deleted since (the delete trigger logs refacts)
			return nil, nil
		}
		for _, r := range rows {
			if r.FormID != sc.Survey || !sc.has(r.Version) {
				continue // a household's version never changes (a correction is a new one)
			}
			switch now := r.Status == review.Approved; {
			case was[r.Row] && !now:
				removed.hh, gone = append(removed.hh, r.Facts), append(gone, r.ID)
			case now && !was[r.Row]:
				added.hh, came = append(added.hh, r.Facts), append(came, r.ID)
			}
		}
	}
	for _, side := range []struct {
		ids []string
		src *listSource
	}{{gone, removed}, {came, added}} {
		for start := 0; start < len(side.ids); start += 500 {
			chunk := side.ids[start:min(start+500, len(side.ids))]
			params := dbx.Params{}
			marks := make([]string, len(chunk))
			for i, id := range chunk {
				k := fmt.Sprintf("s%d", i)
				params[k], marks[i] = id, "{:"+k+"}"
			}
			var facts []string
			if err := db.NewQuery("SELECT COALESCE(facts, '') FROM members WHERE submission IN (" + strings.Join(marks, ",") + ")").
				Bind(params).WithContext(ctx).Column(&facts); err != nil {
				return nil, fmt.Errorf("indicators: changed members: %w", err)
			}
			side.src.members = append(side.src.members, facts...)
		}
	}
	if len(removed.hh) == 0 && len(added.hh) == 0 {
		return snap, nil
	}
	return snap.Apply(removed, added)
}

// listSource is facts texts in memory (indicators.Source).
type listSource struct{ hh, members []string }

func (l *listSource) Households(fn func(string) error) error { return eachText(l.hh, fn) }
func (l *listSource) Members(fn func(string) error) error    { return eachText(l.members, fn) }

func eachText(list []string, fn func(string) error) error {
	for _, f := range list {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// splitList reads "A,B , C" as [A B C]; "" is none.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// factsSource streams the facts of the approved households and members of a survey, of
// every version or of the scope's (indicators.Source).
type factsSource struct {
	ctx   context.Context
	db    dbx.Builder
	scope indicatorScope
}

func (f *factsSource) Households(fn func(string) error) error {
	params := dbx.Params{}
	return f.each("SELECT COALESCE(facts, '') FROM submissions WHERE form_id = {:f} AND status = 'approved'"+f.scope.versionFilter(params), params, fn)
}

func (f *factsSource) Members(fn func(string) error) error {
	params := dbx.Params{}
	if v := f.scope.versionFilter(params); v != "" { // members have no version: their household has
		return f.each(`SELECT COALESCE(facts, '') FROM members WHERE form_id = {:f} AND status = 'approved'
			AND submission IN (SELECT id FROM submissions WHERE form_id = {:f} AND status = 'approved'`+v+")", params, fn)
	}
	return f.each("SELECT COALESCE(facts, '') FROM members WHERE form_id = {:f} AND status = 'approved'", params, fn)
}

func (f *factsSource) each(query string, params dbx.Params, fn func(string) error) error {
	params["f"] = f.scope.Survey
	rows, err := f.db.NewQuery(query).Bind(params).WithContext(f.ctx).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	var facts string
	for rows.Next() {
		if err := rows.Scan(&facts); err != nil {
			return err
		}
		if err := fn(facts); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RebuildIndicatorFacts recomputes the stored facts of a survey's submissions (every
// status) and their members from the stored answers: those not written under the current
// catalog, or all of them with all = true. Run it after a change of schemas/indicators.json
// (GET /api/indicators answers 409 until then). It returns the submissions rewritten.
func (s *Server) RebuildIndicatorFacts(ctx context.Context, survey string, all bool) (int, error) {
	type sub struct {
		ID      string `db:"id"`
		Version int    `db:"version"`
		Data    string `db:"data"`
		Facts   string `db:"facts"`
	}
	var subs []struct {
		ID string `db:"id"`
	}
	// Ids first, then one submission at a time: the answers of 100,000 households do not
	// fit comfortably in memory at once.
	if err := s.app.DB().NewQuery("SELECT id FROM submissions WHERE form_id = {:f} ORDER BY rowid").
		Bind(dbx.Params{"f": survey}).WithContext(ctx).All(&subs); err != nil {
		return 0, err
	}
	done := 0
	const batch = 200
	for start := 0; start < len(subs); start += batch {
		end := min(start+batch, len(subs))
		err := s.app.RunInTransaction(func(tx core.App) error {
			for _, row := range subs[start:end] {
				var r sub
				err := tx.DB().NewQuery("SELECT id, version, COALESCE(data, '') AS data, COALESCE(facts, '') AS facts FROM submissions WHERE id = {:id}").
					Bind(dbx.Params{"id": row.ID}).WithContext(ctx).One(&r)
				if err != nil {
					return err
				}
				sv, ok := s.Surveys.Survey(survey, r.Version)
				if !ok {
					continue
				}
				cat, err := IndicatorCatalog(sv.Form)
				if err != nil || cat == nil {
					return err
				}
				var members []struct {
					ID    string `db:"id"`
					Facts string `db:"facts"`
				}
				if err := tx.DB().NewQuery("SELECT id, COALESCE(facts, '') AS facts FROM members WHERE submission = {:id} ORDER BY line, rowid").
					Bind(dbx.Params{"id": r.ID}).WithContext(ctx).All(&members); err != nil {
					return err
				}
				current := func(f string) bool { return strings.HasPrefix(f, cat.FactsPrefix()+"|") }
				stale := all || !current(r.Facts)
				for _, m := range members {
					stale = stale || !current(m.Facts)
				}
				if !stale {
					continue
				}
				var data map[string]any
				if err := json.Unmarshal([]byte(r.Data), &data); err != nil {
					return fmt.Errorf("submission %s: stored answers: %w", r.ID, err)
				}
				hf, mf := cat.Facts(sv.Form, data)
				if _, err := tx.DB().NewQuery("UPDATE submissions SET facts = {:facts} WHERE id = {:id}").
					Bind(dbx.Params{"facts": hf, "id": r.ID}).WithContext(ctx).Execute(); err != nil {
					return err
				}
				for i, m := range members {
					facts := ""
					if i < len(mf) {
						facts = mf[i]
					}
					if _, err := tx.DB().NewQuery("UPDATE members SET facts = {:facts} WHERE id = {:id}").
						Bind(dbx.Params{"facts": facts, "id": m.ID}).WithContext(ctx).Execute(); err != nil {
						return err
					}
				}
				done++
			}
			return nil
		})
		if done > 0 {
			factsGeneration.Add(1)
		}
		if err != nil {
			return done, fmt.Errorf("rebuild indicator facts: %w", err)
		}
	}
	return done, nil
}
