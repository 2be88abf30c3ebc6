package hooks

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// MaxAssignmentRows is the most rows one assignment CSV may hold.
const MaxAssignmentRows = 5000

// assignColumns are the CSV's columns; psu, dwelling and enumerator are required.
var assignColumns = map[string]string{
	"psu": "a_psu", "dwelling": "a_dwelling", "enumerator": "enumerator", "stratum": "a_stratum",
	"region": "a_region", "urban": "a_urban", "weight": "a_weight", "notes": "notes",
}

type assignRow struct {
	Line           int               `json:"line"`
	OK             bool              `json:"ok"`
	Error          string            `json:"error,omitempty"`
	Values         map[string]string `json:"values"`
	EnumeratorName string            `json:"enumerator_name,omitempty"`
	Created        string            `json:"created,omitempty"`

	psu, dwelling int
	weight        float64
	enum          *personRef
}

// consoleImportAssignments is POST /api/console/assignments/import: {"survey": "mhs", "csv":
// "psu,dwelling,enumerator,...", "commit": false}. Without commit it answers a preview: every
// row with what is wrong with it. With commit the good rows are created (each through the
// assignment rules and the pull feed) and the bad ones reported; nothing is half-written.
func (s *Server) consoleImportAssignments(e *core.RequestEvent) error {
	role, err := requireRole(e, RoleSupervisor, RoleSuperuser)
	if err != nil {
		return err
	}
	body, err := readBody(e, 2<<20)
	if err != nil {
		return err
	}
	var req struct {
		Survey string `json:"survey"`
		CSV    string `json:"csv"`
		Commit bool   `json:"commit"`
	}
	if err := decodeObject(body, &req); err != nil {
		return err
	}
	if req.Survey == "" {
		req.Survey = "mhs"
	}
	sv, ok := s.Surveys.Latest(req.Survey)
	if !ok {
		return apiError(http.StatusBadRequest, fmt.Sprintf("no survey %q is installed", req.Survey))
	}
	rows, err := parseAssignCSV(req.CSV)
	if err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	// The enumerators the caller may assign to, by email, name and id.
	var people []personRef
	q := `SELECT u.id, u.name, u.email, j.value AS team FROM users u, json_each(u.teams) j WHERE u.role = 'enumerator'`
	p := dbx.Params{}
	if role == RoleSupervisor {
		teams := teamsOf(e.Auth)
		if len(teams) == 0 {
			return apiError(http.StatusForbidden, "you supervise no team: an administrator adds you to one")
		}
		q += " AND j.value IN (" + bindList(p, "t", teams) + ")"
	}
	if err := s.app.DB().NewQuery(q).Bind(p).All(&people); err != nil {
		return fmt.Errorf("console: enumerators: %w", err)
	}
	find := map[string]*personRef{}
	for i := range people {
		pr := &people[i]
		for _, k := range []string{pr.ID, strings.ToLower(pr.Email), strings.ToLower(pr.Name)} {
			if k != "" {
				find[k] = pr
			}
		}
	}
	// A dwelling assigned under any version of the survey is taken: a new version does not
	// make a second household visit.
	var taken []struct {
		PSU      int    `db:"a_psu"`
		Dwelling int    `db:"a_dwelling"`
		Name     string `db:"name"`
	}
	if err := s.app.DB().NewQuery(`SELECT a.a_psu, a.a_dwelling, COALESCE(u.name, u.email, '') AS name FROM assignments a
		LEFT JOIN users u ON u.id = a.enumerator
		WHERE a.survey IN (SELECT id FROM surveys WHERE form_id = (SELECT form_id FROM surveys WHERE id = {:sv})) AND a.status != 'cancelled'`).
		Bind(dbx.Params{"sv": sv.RecordID}).All(&taken); err != nil {
		return fmt.Errorf("console: existing assignments: %w", err)
	}
	existing := map[[2]int]string{}
	for _, t := range taken {
		existing[[2]int{t.PSU, t.Dwelling}] = t.Name
	}
	inFile := map[[2]int]int{}
	good := 0
	for i := range rows {
		r := &rows[i]
		r.Error = checkAssignRow(r, find)
		if r.Error == "" {
			key := [2]int{r.psu, r.dwelling}
			if who, ok := existing[key]; ok {
				r.Error = fmt.Sprintf("PSU %d dwelling %d is already assigned (to %s)", r.psu, r.dwelling, who)
			} else if line, ok := inFile[key]; ok {
				r.Error = fmt.Sprintf("PSU %d dwelling %d is also on line %d of this file", r.psu, r.dwelling, line)
			} else {
				inFile[key] = r.Line
			}
		}
		r.OK = r.Error == ""
		if r.OK {
			good++
		}
	}
	created := 0
	if req.Commit && good > 0 {
		col, err := s.app.FindCollectionByNameOrId("assignments")
		if err != nil {
			return err
		}
		for i := range rows {
			r := &rows[i]
			if !r.OK {
				continue
			}
			rec := core.NewRecord(col)
			rec.Set("survey", sv.RecordID)
			rec.Set("enumerator", r.enum.ID)
			rec.Set("team", r.enum.Team)
			rec.Set("a_psu", r.psu)
			rec.Set("a_dwelling", r.dwelling)
			rec.Set("a_weight", r.weight)
			for k, f := range map[string]string{"stratum": "a_stratum", "region": "a_region", "urban": "a_urban", "notes": "notes"} {
				rec.Set(f, r.Values[k])
			}
			rec.Set("status", "active")
			if err := s.app.Save(rec); err != nil {
				r.OK, r.Error = false, err.Error()
				continue
			}
			r.Created = rec.Id
			created++
		}
	}
	failed := 0
	for _, r := range rows {
		if !r.OK {
			failed++
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"survey": sv.Form.FormID, "version": sv.Form.Version, "rows": rows,
		"valid": good, "invalid": len(rows) - good, "committed": req.Commit, "created": created, "failed": failed})
}

func parseAssignCSV(text string) ([]assignRow, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	r := csv.NewReader(bytes.NewReader([]byte(text)))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("the CSV has no header row (psu,dwelling,enumerator[,stratum,region,urban,weight,notes])")
	}
	cols := make([]string, len(header))
	have := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, ok := assignColumns[h]; !ok {
			return nil, fmt.Errorf("column %q is not one of psu, dwelling, enumerator, stratum, region, urban, weight, notes", h)
		}
		cols[i] = h
		have[h] = true
	}
	for _, need := range []string{"psu", "dwelling", "enumerator"} {
		if !have[need] {
			return nil, fmt.Errorf("the CSV has no %q column (psu, dwelling and enumerator are required)", need)
		}
	}
	var rows []assignRow
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rows) == MaxAssignmentRows {
			return nil, fmt.Errorf("the CSV has more than %d rows: split it", MaxAssignmentRows)
		}
		row := assignRow{Line: line, Values: map[string]string{}}
		for i, v := range rec {
			if i < len(cols) {
				row.Values[cols[i]] = strings.TrimSpace(v)
			}
		}
		if len(rec) > len(cols) {
			row.Error = fmt.Sprintf("%d values for %d columns", len(rec), len(cols))
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("the CSV has a header but no rows")
	}
	return rows, nil
}

// checkAssignRow says what is wrong with one row ("" when nothing), in the words the
// preview shows next to it.
func checkAssignRow(r *assignRow, find map[string]*personRef) string {
	if r.Error != "" {
		return r.Error
	}
	var err error
	if r.psu, err = strconv.Atoi(r.Values["psu"]); err != nil || r.psu < 1 || r.psu > 99999 {
		return fmt.Sprintf("psu %q is not a PSU number (1 to 99999)", r.Values["psu"])
	}
	if r.dwelling, err = strconv.Atoi(r.Values["dwelling"]); err != nil || r.dwelling < 1 || r.dwelling > 9999 {
		return fmt.Sprintf("dwelling %q is not a dwelling number (1 to 9999)", r.Values["dwelling"])
	}
	who := r.Values["enumerator"]
	if who == "" {
		return "enumerator is empty (an email or name of an enumerator of your team)"
	}
	r.enum = find[who]
	if r.enum == nil {
		r.enum = find[strings.ToLower(who)]
	}
	if r.enum == nil {
		return fmt.Sprintf("enumerator %q is not an enumerator of your team", who)
	}
	r.EnumeratorName = orName(r.enum.Name, r.enum.Email)
	if w := r.Values["weight"]; w != "" {
		if r.weight, err = strconv.ParseFloat(w, 64); err != nil || r.weight < 0 {
			return fmt.Sprintf("weight %q is not a number of 0 or more", w)
		}
	}
	for k, max := range map[string]int{"stratum": 20, "region": 20, "urban": 2, "notes": 2000} {
		if len(r.Values[k]) > max {
			return fmt.Sprintf("%s is longer than %d characters", k, max)
		}
	}
	return ""
}

// consoleProgress is GET /api/console/progress[?team=]: per PSU and per enumerator, how many
// dwellings are assigned, received (a live submission with the assignment's key), approved,
// rejected (waiting for a correction), and outstanding (assigned, nothing received yet).
func (s *Server) consoleProgress(e *core.RequestEvent) error {
	sc, err := s.scopeOf(e)
	if err != nil {
		return err
	}
	if sc.role == RoleAnalyst {
		return apiError(http.StatusForbidden, "the analyst role may not do this")
	}
	p := dbx.Params{}
	scopeA := "1"
	teams := sc.teams
	if t := e.Request.URL.Query().Get("team"); t != "" {
		if sc.role == RoleSupervisor && !contains(teams, t) {
			return notFound("team", t)
		}
		teams = []string{t}
	}
	if sc.role == RoleSupervisor || len(teams) > 0 {
		if len(teams) == 0 {
			teams = []string{""}
		}
		scopeA = "a.team IN (" + bindList(p, "t", teams) + ")"
	}
	type prog struct {
		Key         string `db:"k" json:"key"`
		Name        string `db:"name" json:"name"`
		Assigned    int    `db:"assigned" json:"assigned"`
		Received    int    `db:"received" json:"received"`
		Approved    int    `db:"approved" json:"approved"`
		Rejected    int    `db:"rejected" json:"rejected"`
		Outstanding int    `db:"outstanding" json:"outstanding"`
	}
	query := func(key, name string) ([]prog, error) {
		var out []prog
		// Per assignment, its households are found through the (form_id, a_psu, a_dwelling)
		// index: the cost follows the assignments, not the team's submissions.
		live := `FROM submissions s WHERE s.form_id = sv.form_id AND s.a_psu = a.a_psu AND s.a_dwelling = a.a_dwelling
			AND s.team = a.team AND s.status NOT IN ('superseded', 'duplicate')`
		err := s.app.DB().NewQuery(`SELECT ` + key + ` AS k, ` + name + ` AS name, COUNT(*) AS assigned, SUM(x.rc > 0) AS received,
				SUM(x.ap) AS approved, SUM(x.rj AND NOT x.ap) AS rejected, SUM(x.rc = 0) AS outstanding
			FROM (SELECT a.a_psu, a.enumerator, (SELECT COUNT(*) ` + live + `) AS rc,
					EXISTS (SELECT 1 ` + live + ` AND s.status = 'approved') AS ap,
					EXISTS (SELECT 1 ` + live + ` AND s.status = 'rejected') AS rj
				FROM assignments a JOIN surveys sv ON sv.id = a.survey WHERE a.status != 'cancelled' AND ` + scopeA + `) x
			LEFT JOIN users u ON u.id = x.enumerator
			GROUP BY k ORDER BY ` + key).Bind(p).All(&out)
		if out == nil {
			out = []prog{}
		}
		return out, err
	}
	byPSU, err := query("x.a_psu", "''")
	if err != nil {
		return fmt.Errorf("console: progress by PSU: %w", err)
	}
	byEnum, err := query("x.enumerator", "COALESCE(MAX(u.name), '')")
	if err != nil {
		return fmt.Errorf("console: progress by enumerator: %w", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"by_psu": byPSU, "by_enumerator": byEnum})
}
