package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/disclosure"
	"fieldbase/export"
	"fieldbase/form"
	"fieldbase/review"
	"fieldbase/store"
)

// exportStatuses are the statuses an export may ask for (status=all means every one).
var exportStatuses = []string{review.Received, review.Flagged, review.Invalid, review.Approved,
	review.Rejected, review.Duplicate, review.Superseded}

// ExportRequest says what to export and who asks (for the audit record in `exports`).
type ExportRequest struct {
	Filter export.Filter // Survey, Status (non-empty), Since, Teams (nil = every team), PII
	BOM    bool
	Format string // export.FormatCSV ("" too) or export.FormatParquet
	Actor  string // user or superuser id; "cli:<user>" for the command line
	Role   string
	// Begin, when set, is called once the export's snapshot is taken and before the first
	// byte is written, with the cursor the export is complete up to (a handler sets headers).
	Begin func(cursor int64) error
	// Totals, when set, receives the row count of each CSV file before writing starts.
	Totals   func(map[string]int64)
	Progress func(file string, rows int64, done bool)
	// Displace, when set, gives the displaced point of a PSU: the households' recorded GPS
	// is replaced by it (readers who may not see the recorded point, sync.md). It reads
	// through db, the export's read transaction.
	Displace func(db dbx.Builder, formID string, psu int) (disclosure.Point, bool)
	// Displaced, when set with Displace, gives the displaced points already made for a
	// survey, read in one query instead of one per PSU; Displace makes the others.
	Displaced func(ctx context.Context, db dbx.Builder, formID string) map[int]disclosure.Point
}

// exportMicrodata is GET /api/export/microdata?survey=&status=&since=&pii=&bom= : the
// microdata ZIP, streamed. Analysts export approved households; supervisors any status of
// their own teams; superusers everything, and only they may add the sensitive answers.
func (s *Server) exportMicrodata(e *core.RequestEvent) error {
	role, err := requireRole(e, RoleAnalyst, RoleSupervisor, RoleSuperuser)
	if err != nil {
		return err
	}
	req, err := parseExportQuery(e, role)
	if err != nil {
		return err
	}
	sv, ok := s.Surveys.Latest(req.Filter.Survey)
	if !ok {
		return apiError(http.StatusNotFound, fmt.Sprintf("no survey %q is installed", req.Filter.Survey))
	}
	deadline := http.NewResponseController(e.Response)
	req.Begin = func(cursor int64) error {
		h := e.Response.Header()
		h.Set("Content-Type", "application/zip")
		kind := "microdata"
		if req.Format == export.FormatParquet {
			kind = "microdata-parquet"
		}
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%d.zip"`, req.Filter.Survey, kind, cursor))
		h.Set("X-Export-Cursor", strconv.FormatInt(cursor, 10))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Access-Control-Expose-Headers", "X-Export-Cursor, Content-Disposition")
		e.Response.WriteHeader(http.StatusOK)
		return nil
	}
	if role == RoleAnalyst && !e.Auth.GetBool("pii_granted") {
		points := s.newPSUPointBatch()
		defer points.flush()
		req.Displace, req.Displaced = points.of, storedPSUPoints
	}
	w := &slidingDeadline{w: e.Response, rc: deadline}
	m, err := ExportMicrodata(e.Request.Context(), s.app, sv.Form, req, w)
	if err != nil {
		if m == nil { // nothing written yet: a normal error answer
			s.app.Logger().Error("microdata export could not start", "actor", req.Actor, "error", err)
			return apiError(http.StatusInternalServerError, "the export could not be started; the server log has the details")
		}
		// The ZIP is cut short (no central directory), which any unzip tool reports; the
		// status line is gone, so all that is left to do is to log it.
		s.app.Logger().Error("microdata export failed while streaming", "actor", req.Actor, "error", err)
	}
	return nil
}

// parseExportQuery reads and checks the query against the caller's role.
func parseExportQuery(e *core.RequestEvent, role string) (ExportRequest, error) {
	q := e.Request.URL.Query()
	req := ExportRequest{Actor: e.Auth.Id, Role: role}
	f := &req.Filter
	if f.Survey = q.Get("survey"); f.Survey == "" {
		return req, apiError(http.StatusBadRequest, "the survey parameter is required (a form id, e.g. survey=mhs)")
	}
	var err error
	if f.PII, err = flag01(q.Get("pii"), "pii"); err != nil {
		return req, err
	}
	if req.BOM, err = flag01(q.Get("bom"), "bom"); err != nil {
		return req, err
	}
	switch req.Format = q.Get("format"); req.Format {
	case "", export.FormatCSV, export.FormatParquet:
	default:
		return req, apiError(http.StatusBadRequest, fmt.Sprintf("unknown format %q: use csv (the default) or parquet", req.Format))
	}
	if f.PII && role != RoleSuperuser && !(role == RoleAnalyst && e.Auth.GetBool("pii_granted")) {
		return req, apiError(http.StatusForbidden, "personal data (the survey's sensitive fields) can be exported by a superuser or an analyst granted personal-data access only; drop pii=1 to export without it")
	}
	if f.Status, err = ParseExportStatus(q.Get("status")); err != nil {
		return req, apiError(http.StatusBadRequest, err.Error())
	}
	if role == RoleAnalyst && (len(f.Status) != 1 || f.Status[0] != review.Approved) {
		return req, apiError(http.StatusForbidden, "analysts export approved submissions only; drop the status parameter or use status=approved")
	}
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return req, apiError(http.StatusBadRequest, "the since parameter must be a cursor: a whole number ≥ 0 (the X-Export-Cursor of the previous export)")
		}
		f.Since = &n
	}
	if role == RoleSupervisor {
		if f.Teams = teamsOf(e.Auth); len(f.Teams) == 0 {
			return req, apiError(http.StatusForbidden, "this supervisor is in no team, so there is nothing to export; ask a superuser to fix the account")
		}
	}
	return req, nil
}

func flag01(v, name string) (bool, error) {
	switch v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, apiError(http.StatusBadRequest, "the "+name+" parameter must be 0 or 1")
}

// ParseExportStatus reads a status filter: "" is approved, "all" every status, else a
// comma-separated list of statuses.
func ParseExportStatus(v string) ([]string, error) {
	switch v {
	case "":
		return []string{review.Approved}, nil
	case "all":
		return append([]string(nil), exportStatuses...), nil
	}
	var out []string
	for _, st := range strings.Split(v, ",") {
		st = strings.TrimSpace(st)
		if !contains(exportStatuses, st) {
			return nil, fmt.Errorf("unknown status %q: use all, or some of %s (comma-separated)", st, strings.Join(exportStatuses, ", "))
		}
		if !contains(out, st) {
			out = append(out, st)
		}
	}
	return out, nil
}

// LatestSurvey returns the newest installed version of a survey, for callers without a
// Server (the export command).
func LatestSurvey(app core.App, formID string) (*form.Survey, error) {
	sv, ok := newRegistry(app).Latest(formID)
	if !ok {
		return nil, fmt.Errorf("no survey %q is installed", formID)
	}
	return sv.Form, nil
}

// ExportMicrodata writes the export of req to w from one read snapshot of the database, so
// the files agree with each other and with the cursor even while tablets push. It audits the
// export in `exports` before the first byte (an interrupted export is still on record) and
// completes the record at the end. A nil manifest with an error means nothing was written.
func ExportMicrodata(ctx context.Context, app core.App, sv *form.Survey, req ExportRequest, w io.Writer) (*export.Manifest, error) {
	if len(req.Filter.Status) == 0 {
		return nil, errors.New("export: no status to export")
	}
	defer tightenGC()() // the heap's peak during a long export (indicators_memory.go)
	var db dbx.Builder = app.ConcurrentDB()
	if d, ok := db.(*dbx.DB); ok {
		tx, err := d.Begin() // SQLite in WAL: a read transaction is a stable snapshot
		if err != nil {
			return nil, fmt.Errorf("export: begin: %w", err)
		}
		defer tx.Rollback()
		db = tx
		// The export reads each page once, so the connection's page cache (32 MB in
		// PocketBase) would only hold memory: shrink it for the export, then restore it.
		var prev int64
		if tx.NewQuery("PRAGMA cache_size").Row(&prev) == nil && prev != 0 {
			if _, err := tx.NewQuery("PRAGMA cache_size = -2000").Execute(); err == nil {
				defer tx.NewQuery("PRAGMA cache_size = " + strconv.FormatInt(prev, 10)).Execute()
			}
		}
	}
	var cursor int64
	if err := db.NewQuery(store.SubmissionChangeSeq.LastSQL()).WithContext(ctx).Row(&cursor); err != nil {
		return nil, fmt.Errorf("export: cursor: %w", err)
	}
	src := newExportSource(ctx, db, sv, req.Filter, cursor)
	if req.Displace != nil {
		src.displace = &displacedGPS{of: req.Displace, db: db, seen: map[psuKey][]byte{}}
		if req.Displaced != nil {
			src.displace.known(req.Filter.Survey, req.Displaced(ctx, db, req.Filter.Survey))
		}
	}
	if req.Totals != nil {
		totals, err := src.totals()
		if err != nil {
			return nil, err
		}
		req.Totals(totals)
	}
	schema, err := exportSchema(ctx, db, sv)
	if err != nil {
		return nil, err
	}
	audit, err := auditExport(app, req, cursor)
	if err != nil {
		return nil, err
	}
	if req.Begin != nil {
		if err := req.Begin(cursor); err != nil {
			return nil, err
		}
	}
	m, err := export.Write(w, schema, src, export.Options{Filter: req.Filter, Cursor: cursor,
		BOM: req.BOM, Format: req.Format, Progress: req.Progress, TempDir: exportTempDir(app)})
	if m == nil {
		m = &export.Manifest{}
	}
	if aerr := completeAudit(app, audit, req, cursor, m, err); aerr != nil && err == nil {
		err = aerr
	}
	return m, err
}

type auditFilter struct {
	export.Filter
	Cursor   int64            `json:"cursor"`
	BOM      bool             `json:"bom"`
	Counts   map[string]int64 `json:"counts"`
	Complete bool             `json:"complete"`
	Error    string           `json:"error,omitempty"`
}

func auditExport(app core.App, req ExportRequest, cursor int64) (*core.Record, error) {
	col, err := app.FindCollectionByNameOrId("exports")
	if err != nil {
		return nil, fmt.Errorf("export: audit: %w", err)
	}
	rec := core.NewRecord(col)
	rec.Set("actor", req.Actor)
	rec.Set("role", req.Role)
	rec.Set("kind", "microdata")
	rec.Set("filter", auditFilter{Filter: req.Filter, Cursor: cursor, BOM: req.BOM, Counts: map[string]int64{}})
	rec.Set("rows", 0)
	if err := app.Save(rec); err != nil {
		return nil, fmt.Errorf("export: audit: %w", err)
	}
	return rec, nil
}

// completeAudit records what was written: rows is the number of households.
func completeAudit(app core.App, rec *core.Record, req ExportRequest, cursor int64, m *export.Manifest, failed error) error {
	f := auditFilter{Filter: req.Filter, Cursor: cursor, BOM: req.BOM, Counts: m.Counts, Complete: failed == nil}
	if failed != nil {
		f.Error = failed.Error()
	}
	rec.Set("filter", f)
	rec.Set("rows", m.Counts["households.csv"])
	if err := app.Save(rec); err != nil {
		app.Logger().Error("export audit not completed", "export", rec.Id, "error", err)
		return fmt.Errorf("export: audit: %w", err)
	}
	return nil
}

// slidingDeadline keeps a long download alive past the server's write timeout while it
// makes progress, yet still drops a client that stops reading.
type slidingDeadline struct {
	w    io.Writer
	rc   *http.ResponseController
	next time.Time
}

func (s *slidingDeadline) Write(p []byte) (int, error) {
	if now := time.Now(); now.After(s.next) {
		_ = s.rc.SetWriteDeadline(now.Add(2 * time.Minute)) // unsupported: the server's timeout stays
		s.next = now.Add(10 * time.Second)
	}
	return s.w.Write(p)
}

// exportSource reads the households of a filter from the database, one row at a time.
// Every query walks submissions along idx_submissions_seq (INDEXED BY), so the order needs
// no sort of the whole result: SQLite's temp store is in memory, and a sort would hold it.
type exportSource struct {
	ctx       context.Context
	db        dbx.Builder
	where     string // the exported households
	whole     string // the same without the cursor, for a whole export of every team (totals)
	withdrawn string // households of the increment outside the statuses, once inside them
	params    dbx.Params
	pii       bool
	places    places        // the GPS answers, displaced for some readers, and the shapes, left out
	displace  *displacedGPS // nil: recorded GPS
}

func newExportSource(ctx context.Context, db dbx.Builder, sv *form.Survey, f export.Filter, cursor int64) *exportSource {
	src := &exportSource{ctx: ctx, db: db, pii: f.PII, params: dbx.Params{"form": f.Survey, "cursor": cursor}}
	conds := []string{"s.seq <= {:cursor}", "s.form_id = {:form}"}
	if f.Since != nil {
		conds = append(conds, "s.seq > {:since}")
		src.params["since"] = *f.Since
	}
	if f.Teams != nil {
		conds = append(conds, "s.team IN ("+src.list("tm", f.Teams)+")")
	}
	base := strings.Join(conds, " AND ")
	statuses := src.list("st", f.Status)
	src.where = base + " AND s.status IN (" + statuses + ")"
	if f.Since == nil && f.Teams == nil {
		src.whole = "s.form_id = {:form} AND s.status IN (" + statuses + ")"
	}
	// Left the statuses: a transition out of one of them is in the audit trail.
	src.withdrawn = base + " AND s.status NOT IN (" + statuses + `) AND EXISTS (SELECT 1 FROM reviews w
		WHERE w.submission = s.id AND w."from" IN (` + statuses + "))"
	src.places = placesOf(sv)
	return src
}

// list binds values as {:prefix0}, {:prefix1} ... and returns the placeholders.
func (src *exportSource) list(prefix string, values []string) string {
	if len(values) == 0 {
		return "NULL" // IN (NULL) matches nothing
	}
	ph := make([]string, len(values))
	for i, v := range values {
		name := prefix + strconv.Itoa(i)
		src.params[name] = v
		ph[i] = "{:" + name + "}"
	}
	return strings.Join(ph, ", ")
}

const fromSubmissions = " FROM submissions s INDEXED BY idx_submissions_seq "

func (src *exportSource) query(sql string) (*dbx.Rows, error) {
	return src.db.NewQuery(sql).Bind(src.params).WithContext(src.ctx).Rows()
}

// piiCol is the column of personal data, or NULL when the export leaves it out: it is then
// not even read.
func (src *exportSource) piiCol(col string) string {
	if src.pii {
		return col
	}
	return "NULL"
}

func (src *exportSource) Households(fn func(*export.Household) error) error {
	rows, err := src.query(`SELECT s.id, s.uuid, s.form_id, s.version, s.status, s.enumerator, s.team, s.device_id,
		s.started_at, s.completed_at, s.duration_s, s.seq, s.created, s.updated, s.data, ` + src.piiCol("s.pii") +
		", s.a_psu" + fromSubmissions + "WHERE " + src.where + " ORDER BY s.seq, s.id")
	if err != nil {
		return fmt.Errorf("export: households: %w", err)
	}
	defer rows.Close()
	var h export.Household
	// The repeats' places and the shapes, hidden on the stored bytes (its buffers kept from
	// household to household).
	hide := disclosure.Places{InRepeats: src.places.inRepeats, Shapes: src.places.shapes}
	var version, seq sql.NullInt64
	var duration sql.NullFloat64
	var txt [11]sql.NullString
	var psu sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&txt[0], &txt[1], &txt[2], &version, &txt[3], &txt[4], &txt[5], &txt[6], &txt[7], &txt[8],
			&duration, &seq, &txt[9], &txt[10], (*sql.RawBytes)(&h.Data), (*sql.RawBytes)(&h.PII), &psu); err != nil {
			return fmt.Errorf("export: households: %w", err)
		}
		h.Replace = h.Replace[:0]
		if src.displace != nil {
			v := src.displace.point(txt[2].String, int(psu.Int64))
			for _, k := range src.places.points {
				h.Replace = append(h.Replace, export.Answer{Field: k, Value: v})
			}
			if src.places.any() {
				// A repeat's GPS answers (a member's workplace, a plot) become the PSU's point
				// as well (nil v: no point, they are left out), and routes and boundaries are
				// left out: for these surveys only. Answers that cannot be read are not
				// exported as they are.
				out, _, err := hide.Hide(h.Data, v)
				if err != nil {
					return fmt.Errorf("export: household %s: %w", txt[0].String, err)
				}
				h.Data = out
			}
		}
		h.Key, h.UUID, h.FormID, h.Status = txt[0].String, txt[1].String, txt[2].String, txt[3].String
		h.Enumerator, h.Team, h.DeviceID = txt[4].String, txt[5].String, txt[6].String
		h.StartedAt, h.CompletedAt, h.Created, h.Updated = txt[7].String, txt[8].String, txt[9].String, txt[10].String
		h.Version, h.Seq = int(version.Int64), seq.Int64
		h.DurationS = nil
		if duration.Valid {
			d := duration.Float64
			h.DurationS = &d
		}
		if err := fn(&h); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (src *exportSource) Reviews(fn func(*export.Review) error) error {
	rows, err := src.query(`SELECT s.id, r.id, r.created, r.actor, ` + src.piiCol("r.actor_name") + `, r.role, r."from", r."to",
		r.action, r.note, r.duplicate_of` + fromSubmissions + "CROSS JOIN reviews r ON r.submission = s.id WHERE " + src.where +
		" ORDER BY s.seq, s.id, r.created, r.id")
	if err != nil {
		return fmt.Errorf("export: reviews: %w", err)
	}
	defer rows.Close()
	var r export.Review
	var txt [11]sql.NullString
	for rows.Next() {
		if err := rows.Scan(&txt[0], &txt[1], &txt[2], &txt[3], &txt[4], &txt[5], &txt[6], &txt[7], &txt[8], &txt[9], &txt[10]); err != nil {
			return fmt.Errorf("export: reviews: %w", err)
		}
		r = export.Review{Key: txt[0].String, ID: txt[1].String, Created: txt[2].String, Actor: txt[3].String,
			ActorName: txt[4].String, Role: txt[5].String, From: txt[6].String, To: txt[7].String, Action: txt[8].String,
			Note: txt[9].String, DuplicateOf: txt[10].String}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (src *exportSource) Withdrawn(fn func(*export.Withdrawn) error) error {
	rows, err := src.query("SELECT s.id, s.seq" + fromSubmissions + "WHERE " + src.withdrawn + " ORDER BY s.seq, s.id")
	if err != nil {
		return fmt.Errorf("export: withdrawn: %w", err)
	}
	defer rows.Close()
	var w export.Withdrawn
	for rows.Next() {
		if err := rows.Scan(&w.Key, &w.Seq); err != nil {
			return fmt.Errorf("export: withdrawn: %w", err)
		}
		if err := fn(&w); err != nil {
			return err
		}
	}
	return rows.Err()
}

// totals counts the households (for a progress bar) from an index: no pass over the rows.
// The other files show their rows without a total (counting them would read every
// household a second time).
//
// For a whole export of every team, the count is over the (form_id, status) index alone:
// seq <= cursor holds for every row, the cursor being MAX(seq) in the same snapshot (seq is
// NOT NULL), and checking it would read each household's row.
func (src *exportSource) totals() (map[string]int64, error) {
	where := src.where
	if src.whole != "" {
		where = src.whole
	}
	var n int64
	if err := src.db.NewQuery("SELECT COUNT(*) FROM submissions s WHERE " + where).Bind(src.params).WithContext(src.ctx).Row(&n); err != nil {
		return nil, fmt.Errorf("export: count households: %w", err)
	}
	return map[string]int64{"households.csv": n}, nil
}

// exportTempDir is where an export keeps the repeats' files while it reads the households:
// beside the database (the system's temporary directory may be a small RAM disk).
func exportTempDir(app core.App) string {
	dir := filepath.Join(app.DataDir(), "export_tmp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	return dir
}

type psuKey struct {
	form string
	psu  int
}

// displacedGPS is the displaced point of each PSU of one export, as the JSON answer written
// instead of the recorded one (nil: the PSU has none, the answer is left out).
type displacedGPS struct {
	of   func(db dbx.Builder, formID string, psu int) (disclosure.Point, bool)
	db   dbx.Builder // the export's snapshot
	seen map[psuKey][]byte
}

func (d *displacedGPS) point(formID string, psu int) []byte {
	k := psuKey{formID, psu}
	if v, hit := d.seen[k]; hit {
		return v
	}
	var v []byte
	if p, ok := d.of(d.db, formID, psu); ok {
		v = pointAnswer(p)
	}
	d.seen[k] = v
	return v
}

// known takes the points of a survey's PSUs made before (a PSU not among them is asked of
// d.of when met, as before).
func (d *displacedGPS) known(formID string, points map[int]disclosure.Point) {
	for psu, p := range points {
		if psu > 0 { // psuPoint has no point for the others
			d.seen[psuKey{formID, psu}] = pointAnswer(p)
		}
	}
}

func pointAnswer(p disclosure.Point) []byte {
	v, _ := json.Marshal(map[string]float64{"lat": p.Lat, "lon": p.Lon})
	return v
}

// storedPSUPoints reads the displaced points kept for a survey (psuPoint's table), in the
// export's snapshot; nil if they cannot be read (each is then read by psuPoint).
func storedPSUPoints(ctx context.Context, db dbx.Builder, formID string) map[int]disclosure.Point {
	rows, err := db.NewQuery("SELECT psu, lat, lon FROM _fieldbase_psu_points WHERE form_id = {:f}").
		Bind(dbx.Params{"f": formID}).WithContext(ctx).Rows()
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[int]disclosure.Point{}
	for rows.Next() {
		var psu int
		var p disclosure.Point
		if rows.Scan(&psu, &p.Lat, &p.Lon) != nil {
			return nil
		}
		out[psu] = p
	}
	if rows.Err() != nil {
		return nil
	}
	return out
}
