package hooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

const (
	consoleDefaultPer = 50
	consoleMaxPer     = 200
)

// consoleSorts are the columns the submissions table may sort on (user input never reaches
// the SQL text otherwise).
var consoleSorts = map[string]string{
	"created": "s.created", "a_date": "s.a_date", "psu": "s.a_psu", "status": "s.status",
	"warnings": "s.warning_count", "errors": "s.error_count", "duration": "s.duration_s",
	"size": "s.hh_size", "updated": "s.updated",
}

var consoleStatuses = map[string]bool{"received": true, "flagged": true, "invalid": true, "approved": true,
	"rejected": true, "duplicate": true, "superseded": true}

var consoleFlagKinds = map[string]bool{"possible_duplicate": true, "conflict": true, "correction": true}

var (
	keyRe  = regexp.MustCompile(`^\s*(\d{1,5})\s*[/-]\s*(\d{1,4})\s*$`)
	dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// listFilter is the submissions table's filter, read from the query string. The same filter
// drives the table, the counts per status and "approve everything this filter shows".
type listFilter struct {
	where []string
	args  dbx.Params
}

// parseListFilter turns the query into SQL conditions; an unknown value is a 400 naming it.
func parseListFilter(q url.Values, sc *consoleScope) (*listFilter, error) {
	f := &listFilter{where: []string{sc.where}, args: dbx.Params{}}
	for k, v := range sc.args {
		f.args[k] = v
	}
	bad := func(format string, a ...any) error { return apiError(http.StatusBadRequest, fmt.Sprintf(format, a...)) }
	if v := q.Get("status"); v != "" {
		list := strings.Split(v, ",")
		for _, st := range list {
			if !consoleStatuses[st] {
				return nil, bad("status %q is not one of received, flagged, invalid, approved, rejected, duplicate, superseded", st)
			}
		}
		f.where = append(f.where, "s.status IN ("+bindList(f.args, "st", list)+")")
	}
	if v := q.Get("flag"); v != "" {
		if v == "any" {
			f.where = append(f.where, "s.flags IS NOT NULL AND s.flags NOT IN ('', 'null', '[]')")
		} else {
			if !consoleFlagKinds[v] {
				return nil, bad("flag %q is not one of any, possible_duplicate, conflict, correction", v)
			}
			// The kinds are fixed words, so a substring test on the stored JSON is exact and
			// cheaper than json_each over every row.
			f.where = append(f.where, "instr(s.flags, {:flag}) > 0")
			f.args["flag"] = `"kind":"` + v + `"`
		}
	}
	switch q.Get("problems") {
	case "":
	case "errors":
		f.where = append(f.where, "s.error_count > 0")
	case "warnings":
		f.where = append(f.where, "s.warning_count > 0")
	case "none":
		f.where = append(f.where, "s.error_count = 0 AND s.warning_count = 0")
	default:
		return nil, bad("problems %q is not one of errors, warnings, none", q.Get("problems"))
	}
	if v := q.Get("enumerator"); v != "" {
		f.where = append(f.where, "s.enumerator = {:enum}")
		f.args["enum"] = v
	}
	if v := q.Get("team"); v != "" {
		f.where = append(f.where, "s.team = {:team}")
		f.args["team"] = v
	}
	if v := q.Get("psu"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, bad("psu %q is not a PSU number", v)
		}
		f.where = append(f.where, "s.a_psu = {:psu}")
		f.args["psu"] = n
	}
	for _, d := range []struct{ key, op string }{{"from", ">="}, {"to", "<="}} {
		if v := q.Get(d.key); v != "" {
			if !dateRe.MatchString(v) {
				return nil, bad("%s %q is not a date (YYYY-MM-DD)", d.key, v)
			}
			f.where = append(f.where, "s.a_date "+d.op+" {:"+d.key+"}")
			f.args[d.key] = v
		}
	}
	if v := q.Get("version"); v != "" {
		// "mhs@2" or a survey record id.
		if form, ver, ok := strings.Cut(v, "@"); ok {
			n, err := strconv.Atoi(ver)
			if err != nil {
				return nil, bad("version %q is not form@version", v)
			}
			f.where = append(f.where, "s.form_id = {:vf} AND s.version = {:vv}")
			f.args["vf"], f.args["vv"] = form, n
		} else {
			f.where = append(f.where, "s.survey = {:vs}")
			f.args["vs"] = v
		}
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		// Household key "PSU/dwelling", a PSU number, or the start of a submission's UUID or id.
		if m := keyRe.FindStringSubmatch(v); m != nil {
			f.where = append(f.where, "s.a_psu = {:qp} AND s.a_dwelling = {:qd}")
			p, _ := strconv.Atoi(m[1])
			d, _ := strconv.Atoi(m[2])
			f.args["qp"], f.args["qd"] = p, d
		} else if n, err := strconv.Atoi(v); err == nil {
			f.where = append(f.where, "s.a_psu = {:qp}")
			f.args["qp"] = n
		} else {
			f.where = append(f.where, "(s.uuid LIKE {:qu} OR s.id = {:qi})")
			f.args["qu"], f.args["qi"] = strings.ReplaceAll(strings.ReplaceAll(v, "%", ""), "_", "")+"%", v
		}
	}
	return f, nil
}

func (f *listFilter) sql(skipStatus bool) string {
	parts := f.where
	if skipStatus {
		parts = make([]string, 0, len(f.where))
		for _, w := range f.where {
			if !strings.HasPrefix(w, "s.status IN (") {
				parts = append(parts, w)
			}
		}
	}
	return strings.Join(parts, " AND ")
}

type listRow struct {
	ID           string   `db:"id" json:"id"`
	UUID         string   `db:"uuid" json:"uuid"`
	Status       string   `db:"status" json:"status"`
	PSU          int      `db:"a_psu" json:"psu"`
	Dwelling     int      `db:"a_dwelling" json:"dwelling"`
	Enumerator   string   `db:"enumerator" json:"enumerator"`
	EnumName     string   `db:"enum_name" json:"enumerator_name"`
	Team         string   `db:"team" json:"team"`
	TeamName     string   `db:"team_name" json:"team_name"`
	Warnings     int      `db:"warning_count" json:"warnings"`
	Errors       int      `db:"error_count" json:"errors"`
	FlagsRaw     string   `db:"flags" json:"-"`
	Flags        []string `db:"-" json:"flags"`
	Date         string   `db:"a_date" json:"a_date"`
	Size         int      `db:"hh_size" json:"hh_size"`
	Duration     float64  `db:"duration_s" json:"duration_s"`
	FormID       string   `db:"form_id" json:"form_id"`
	Version      int      `db:"version" json:"version"`
	Created      string   `db:"created" json:"created"`
	DuplicateOf  string   `db:"duplicate_of" json:"duplicate_of,omitempty"`
	Supersedes   string   `db:"supersedes" json:"supersedes,omitempty"`
	ReviewNote   string   `db:"review_note" json:"review_note,omitempty"`
	ReviewedAt   string   `db:"reviewed_at" json:"reviewed_at,omitempty"`
	DeviceID     string   `db:"device_id" json:"-"`
	SupersededBy string   `db:"superseded_by" json:"superseded_by,omitempty"`
}

const listColumns = `s.id, s.uuid, s.status, COALESCE(s.a_psu, 0) AS a_psu, COALESCE(s.a_dwelling, 0) AS a_dwelling,
	s.enumerator, COALESCE(u.name, '') AS enum_name, s.team, COALESCE(t.name, '') AS team_name,
	COALESCE(s.warning_count, 0) AS warning_count, COALESCE(s.error_count, 0) AS error_count,
	COALESCE(s.flags, '') AS flags, COALESCE(s.a_date, '') AS a_date, COALESCE(s.hh_size, 0) AS hh_size,
	COALESCE(s.duration_s, 0) AS duration_s, s.form_id, COALESCE(s.version, 0) AS version, s.created,
	s.duplicate_of, s.supersedes, s.superseded_by, s.review_note, s.reviewed_at, s.device_id`

// flagKinds reads the kinds out of a stored flags array.
func flagKinds(raw string) []string {
	out := []string{}
	if raw == "" || raw == "null" || raw == "[]" {
		return out
	}
	var flags []struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal([]byte(raw), &flags) != nil {
		return out
	}
	for _, f := range flags {
		out = append(out, f.Kind)
	}
	return out
}

// consoleSubmissions is GET /api/console/submissions: one page of the caller's households
// with the filter's total and its counts per status (status filter left out of those, so the
// status tabs show what each would hold).
func (s *Server) consoleSubmissions(e *core.RequestEvent) error {
	start := time.Now()
	sc, err := s.scopeOf(e)
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	f, err := parseListFilter(q, sc)
	if err != nil {
		return err
	}
	page, per := 1, consoleDefaultPer
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return apiError(http.StatusBadRequest, "page must be a whole number from 1")
		}
	}
	if v := q.Get("per"); v != "" {
		if per, err = strconv.Atoi(v); err != nil || per < 1 || per > consoleMaxPer {
			return apiError(http.StatusBadRequest, fmt.Sprintf("per must be a whole number from 1 to %d", consoleMaxPer))
		}
	}
	order := "s.created DESC, s.id DESC"
	if v := q.Get("sort"); v != "" {
		dir := "ASC"
		key := v
		if strings.HasPrefix(v, "-") {
			dir, key = "DESC", v[1:]
		}
		col, ok := consoleSorts[key]
		if !ok {
			return apiError(http.StatusBadRequest, fmt.Sprintf("sort %q is not one of created, updated, a_date, psu, status, warnings, errors, duration, size (a leading - sorts descending)", v))
		}
		order = col + " " + dir + ", s.id " + dir
	}
	where := f.sql(false)
	rows := []listRow{}
	args := dbx.Params{"lim": per, "off": (page - 1) * per}
	for k, v := range f.args {
		args[k] = v
	}
	// The page's ids first (an index walk over submissions alone), then their columns and names.
	err = s.app.DB().NewQuery(`SELECT ` + listColumns + ` FROM (SELECT s.id FROM submissions s WHERE ` + where +
		` ORDER BY ` + order + ` LIMIT {:lim} OFFSET {:off}) p JOIN submissions s ON s.id = p.id
		LEFT JOIN users u ON u.id = s.enumerator LEFT JOIN teams t ON t.id = s.team ORDER BY ` + order).Bind(args).All(&rows)
	if err != nil {
		return fmt.Errorf("console: list: %w", err)
	}
	for i := range rows {
		rows[i].Flags = flagKinds(rows[i].FlagsRaw)
	}
	var counts []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.app.DB().NewQuery("SELECT s.status, COUNT(*) AS n FROM submissions s WHERE " + f.sql(true) + " GROUP BY s.status").
		Bind(f.args).All(&counts); err != nil {
		return fmt.Errorf("console: counts: %w", err)
	}
	byStatus := map[string]int{}
	all := 0
	for _, c := range counts {
		byStatus[c.Status] = c.N
		all += c.N
	}
	total := all
	if st := q.Get("status"); st != "" {
		total = 0
		for _, v := range strings.Split(st, ",") {
			total += byStatus[v]
		}
	}
	e.Response.Header().Set("Server-Timing", fmt.Sprintf("db;dur=%.1f", float64(time.Since(start).Microseconds())/1000))
	return e.JSON(http.StatusOK, map[string]any{"items": rows, "page": page, "per": per, "total": total,
		"all": all, "by_status": byStatus, "role": sc.role})
}
