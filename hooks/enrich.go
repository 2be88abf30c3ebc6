package hooks

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/disclosure"
)

// What a reader of a submission record sees, on every path that shows records (record API,
// admin UI, expand, realtime), sync.md "Protecting the people in the data":
//   - the recorded GPS (lat, lon, gps_accuracy, data.a_gps) only if they may see it
//     (maySeeGPS); every other reader gets the PSU's displaced point (psuPoint);
//   - flags with the evidence by role: a supervisor sees another team's household named only
//     as "another team's household", an enumerator sees about anyone else's submission only
//     possible_duplicate, an analyst only the kinds;
//   - duplicate_of, conflict_of and supersedes only when they name a submission the reader
//     may read (else empty, as if there were none);
//   - the derived digests (head_key, content_hash, raw_hash, roster_sig) never, except to
//     superusers (hidden fields, see pb_migrations).

// maySeeGPS: superusers, the team's supervisors, the enumerator who recorded it, analysts
// with pii_granted.
func maySeeGPS(auth, sub *core.Record) bool {
	return maySeeGPSOf(auth, sub.GetString("team"), sub.GetString("enumerator"))
}

// maySeeGPSOf is maySeeGPS for a submission known by its team and enumerator.
func maySeeGPSOf(auth *core.Record, team, enumerator string) bool {
	switch roleOf(auth) {
	case RoleSuperuser:
		return true
	case RoleSupervisor:
		return contains(teamsOf(auth), team)
	case RoleEnumerator:
		return auth != nil && enumerator == auth.Id
	case RoleAnalyst:
		return auth.GetBool("pii_granted")
	}
	return false
}

// mayReadSubmission mirrors the submissions view rule for a submission known by its row.
func mayReadSubmission(auth *core.Record, team, enumerator, status string) bool {
	switch roleOf(auth) {
	case RoleSuperuser:
		return true
	case RoleSupervisor:
		return contains(teamsOf(auth), team)
	case RoleEnumerator:
		return enumerator == auth.Id
	case RoleAnalyst:
		return status == "approved"
	}
	return false
}

type subOwner struct {
	Team       string `db:"team"`
	Enumerator string `db:"enumerator"`
	Status     string `db:"status"`
}

func (s *Server) ownerOf(id string) (subOwner, bool) {
	var o subOwner
	err := s.app.DB().NewQuery("SELECT team, enumerator, status FROM submissions WHERE id = {:id}").
		Bind(dbx.Params{"id": id}).One(&o)
	return o, err == nil
}

func (s *Server) enrichSubmission(e *core.RecordEnrichEvent) error {
	auth := e.RequestInfo.Auth
	if roleOf(auth) == RoleSuperuser {
		return e.Next()
	}
	rec := e.Record
	if maySeeGPS(auth, rec) {
		rec.Unhide("lat", "lon", "gps_accuracy")
	} else {
		s.displaceRecord(rec)
	}
	for _, f := range []string{"duplicate_of", "conflict_of", "supersedes"} {
		if id := rec.GetString(f); id != "" {
			if o, ok := s.ownerOf(id); !ok || !mayReadSubmission(auth, o.Team, o.Enumerator, o.Status) {
				rec.Set(f, "")
			}
		}
	}
	if raw := rec.GetString("flags"); raw != "" && raw != "null" && raw != "[]" {
		var flags []map[string]any
		if json.Unmarshal([]byte(raw), &flags) == nil {
			rec.Set("flags", s.flagsFor(auth, flags))
		}
	}
	return e.Next()
}

// flagsFor is a submission's stored flags as the reader may see them.
func (s *Server) flagsFor(auth *core.Record, flags []map[string]any) []map[string]any {
	role := roleOf(auth)
	out := make([]map[string]any, 0, len(flags))
	vague := false
	for _, f := range flags {
		other, _ := f["other"].(string)
		if other == "" {
			out = append(out, f)
			continue
		}
		team, _ := f["other_team"].(string)
		enum, _ := f["other_enumerator"].(string)
		if team == "" || enum == "" { // flags stored before the owner was written in them
			if o, ok := s.ownerOf(other); ok {
				team, enum = o.Team, o.Enumerator
			}
		}
		kind, _ := f["kind"].(string)
		switch {
		case role == RoleSupervisor && team != "" && contains(teamsOf(auth), team):
			out = append(out, f)
		case role == RoleSupervisor:
			out = append(out, map[string]any{"kind": kind, "reasons": []string{"another team's household"}})
		case role == RoleEnumerator && enum == auth.Id:
			g := map[string]any{}
			for k, v := range f {
				if k != "other_enumerator" && k != "other_team" {
					g[k] = v
				}
			}
			out = append(out, g)
		case kind == "reused_id":
			// says nothing to those who may not see the other submission
		case !vague:
			vague = true
			out = append(out, map[string]any{"kind": "possible_duplicate"})
		}
	}
	return out
}

// displaceRecord puts the PSU's displaced point where the recorded GPS was.
func (s *Server) displaceRecord(rec *core.Record) {
	p, ok := s.psuPoint(rec.GetString("form_id"), rec.GetInt("a_psu"))
	rec.Unhide("lat", "lon")
	rec.Set("gps_accuracy", 0)
	if !ok {
		rec.Set("lat", 0)
		rec.Set("lon", 0)
	} else {
		rec.Set("lat", p.Lat)
		rec.Set("lon", p.Lon)
	}
	var data map[string]any
	if json.Unmarshal([]byte(rec.GetString("data")), &data) == nil && data != nil {
		pl := s.places(rec.GetString("form_id"), rec.GetInt("version"))
		point := pointOf(p, ok)
		changed := displaceInRows(data, func() map[string]any { return point })
		if dropShapes(data, pl.shapes) {
			changed = true
		}
		for _, k := range append(pl.points, pointKeys(data)...) {
			if _, has := data[k]; has {
				if point != nil {
					data[k] = point
				} else {
					delete(data, k)
				}
				changed = true
			}
		}
		if changed {
			rec.Set("data", data)
		}
	}
}

// pointOf is a displaced point as a GPS answer (nil when there is none).
func pointOf(p disclosure.Point, ok bool) map[string]any {
	if !ok {
		return nil
	}
	return map[string]any{"lat": p.Lat, "lon": p.Lon}
}

// psuPoint is a PSU's displaced point: made once, from the first household stored in the
// PSU with a GPS fix, and kept in _fieldbase_psu_points so that it never moves. ok is false
// for a PSU without any fix (or no PSU).
func (s *Server) psuPoint(formID string, psu int) (disclosure.Point, bool) {
	p, made, ok := s.makePSUPoint(s.app.DB(), formID, psu)
	if made {
		s.keepPSUPoints(formID, []psuPointRow{{psu, p}})
	}
	return p, ok
}

// makePSUPoint reads a PSU's kept point, or makes it (made: not kept yet) from the first
// household stored in the PSU with a GPS fix, reading through db (an export's read
// transaction: its points then come from its snapshot, and its reads from its own small page
// cache rather than filling those of the server's idle connections).
func (s *Server) makePSUPoint(db dbx.Builder, formID string, psu int) (p disclosure.Point, made, ok bool) {
	if psu <= 0 {
		return disclosure.Point{}, false, false
	}
	err := db.NewQuery("SELECT lat, lon FROM _fieldbase_psu_points WHERE form_id = {:f} AND psu = {:p}").
		Bind(dbx.Params{"f": formID, "p": psu}).Row(&p.Lat, &p.Lon)
	if err == nil {
		return p, false, true
	}
	var first struct {
		Lat   float64 `db:"lat"`
		Lon   float64 `db:"lon"`
		Urban string  `db:"a_urban"`
	}
	// The PSU's index, named (see pb_migrations 1764234230_psu_key_index.go).
	err = db.NewQuery(`SELECT lat, lon, a_urban FROM submissions INDEXED BY idx_submissions_key
		WHERE form_id = {:f} AND a_psu = {:p} AND (lat != 0 OR lon != 0) ORDER BY created, rowid LIMIT 1`).
		Bind(dbx.Params{"f": formID, "p": psu}).One(&first)
	if err != nil {
		return disclosure.Point{}, false, false
	}
	keys, err := s.Keys()
	if err != nil {
		return disclosure.Point{}, false, false
	}
	return keys.Displace(formID, psu, disclosure.Point{Lat: first.Lat, Lon: first.Lon}, first.Urban == "U"), true, true
}

type psuPointRow struct {
	psu int
	p   disclosure.Point
}

// keepPSUPoints stores points just made, in one transaction. Kept once made: a concurrent
// first reader wrote the same point (same secret, same first household), and INSERT OR
// IGNORE keeps whichever came first.
func (s *Server) keepPSUPoints(formID string, rows []psuPointRow) {
	if len(rows) == 0 {
		return
	}
	err := s.app.RunInTransaction(func(tx core.App) error {
		for _, r := range rows {
			if _, err := tx.DB().NewQuery("INSERT OR IGNORE INTO _fieldbase_psu_points (form_id, psu, lat, lon) VALUES ({:f}, {:p}, {:lat}, {:lon})").
				Bind(dbx.Params{"f": formID, "p": r.psu, "lat": r.p.Lat, "lon": r.p.Lon}).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.app.Logger().Warn("psu points not kept", "form_id", formID, "points", len(rows), "error", err)
	}
}

// psuPointBatch is psuPoint for an export: the points it makes are kept in batches (one
// transaction per psuPointBatchSize, the rest by flush) instead of a commit per PSU, which
// made the first analyst export of a survey with many PSUs wait on the writer per PSU.
type psuPointBatch struct {
	s       *Server
	mu      sync.Mutex
	pending map[string][]psuPointRow
	n       int
}

const psuPointBatchSize = 500

func (s *Server) newPSUPointBatch() *psuPointBatch {
	return &psuPointBatch{s: s, pending: map[string][]psuPointRow{}}
}

func (b *psuPointBatch) of(db dbx.Builder, formID string, psu int) (disclosure.Point, bool) {
	p, made, ok := b.s.makePSUPoint(db, formID, psu)
	if made {
		b.mu.Lock()
		b.pending[formID] = append(b.pending[formID], psuPointRow{psu, p})
		b.n++
		full := b.n >= psuPointBatchSize
		b.mu.Unlock()
		if full {
			b.flush()
		}
	}
	return p, ok
}

// flush keeps the points made since the last flush.
func (b *psuPointBatch) flush() {
	b.mu.Lock()
	pending := b.pending
	b.pending, b.n = map[string][]psuPointRow{}, 0
	b.mu.Unlock()
	for formID, rows := range pending {
		b.s.keepPSUPoints(formID, rows)
	}
}

// gpsFilter finds a filter or sort that reaches the answers object of submissions (data,
// where a_gps is) or a GPS answer by name. Hidden fields (lat, lon, digests) are refused by
// PocketBase itself; `data` cannot be hidden, since analysts read it.
var gpsFilter = regexp.MustCompile(`(?i)(^|[^\w.])data\b|submission\.data\b|submissions_via_\w+\.data\b`)
var gpsFilterRelated = regexp.MustCompile(`(?i)submission\.data\b|submissions_via_\w+\.data\b`)

// guardGPSFilters refuses, to readers who see only displaced points, list filters and sorts
// that could count their way to a recorded point (data.a_gps.lat > 27.71…, data ~ "27.71").
func guardGPSFilters(e *core.RecordsListRequestEvent) error {
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	if roleOf(info.Auth) != RoleAnalyst || info.Auth.GetBool("pii_granted") {
		return e.Next()
	}
	re := gpsFilterRelated
	if e.Collection.Name == "submissions" {
		re = gpsFilter
	}
	for _, k := range []string{"filter", "sort"} {
		if v := info.Query[k]; v != "" && re.MatchString(v) {
			return apiError(http.StatusBadRequest, "filtering or sorting by the answers object (data) of submissions or by GPS is not open to analysts without personal-data access; filter by the other fields")
		}
	}
	return e.Next()
}
