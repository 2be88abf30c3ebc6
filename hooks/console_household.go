package hooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/form"
)

// answerView is one answer as a reviewer reads it: the question's label, the answer in words
// (choice labels, not codes) and the problems the checks found at it.
type answerView struct {
	Path      string      `json:"path"`
	Name      string      `json:"name"`
	Label     string      `json:"label"`
	Type      string      `json:"type"`
	Value     any         `json:"value"`
	Display   string      `json:"display"`
	Hidden    bool        `json:"hidden,omitempty"` // personal: not shown to this caller
	Sensitive bool        `json:"sensitive,omitempty"`
	Problems  []problemAt `json:"problems,omitempty"`
}

type problemAt struct {
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Message  string `json:"message"`
}

type sectionView struct {
	Name    string       `json:"name"`
	Label   string       `json:"label"`
	Answers []answerView `json:"answers"`
}

type repeatView struct {
	Name    string         `json:"name"`
	Label   string         `json:"label"`
	Columns []columnView   `json:"columns"`
	Rows    [][]answerView `json:"rows"`
}

type columnView struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

// labeller turns stored answers into what a reviewer reads, for one survey version.
type labeller struct {
	sv       *form.Survey
	personal bool // the caller may read sensitive answers and exact GPS
	problems map[string][]problemAt
}

// display gives an answer in words: choice labels for selects (the code after it when
// the label differs), a geopoint as coordinates and accuracy.
func (l *labeller) display(f *form.Field, v any) string {
	if v == nil {
		return ""
	}
	switch f.Type {
	case "select_one", "select_multiple":
		var codes []string
		switch x := v.(type) {
		case []any:
			for _, c := range x {
				codes = append(codes, fmt.Sprint(c))
			}
		case string:
			if f.Type == "select_multiple" {
				codes = strings.Fields(x)
			} else {
				codes = []string{x}
			}
		default:
			codes = []string{fmt.Sprint(x)}
		}
		choices := l.sv.Choices(f.List)
		out := make([]string, len(codes))
		for i, c := range codes {
			out[i] = c
			for _, ch := range choices {
				if ch.Name == c && ch.Label != "" {
					out[i] = ch.Label
					break
				}
			}
		}
		return strings.Join(out, "; ")
	case "geopoint":
		m, _ := v.(map[string]any)
		if m == nil {
			return fmt.Sprint(v)
		}
		s := fmt.Sprintf("%v, %v", m["lat"], m["lon"])
		if a, ok := m["accuracy"]; ok {
			s += fmt.Sprintf(" (±%v m)", a)
		}
		return s
	}
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// answer builds the view of one field's answer at path.
func (l *labeller) answer(f *form.Field, path string, row map[string]any) (answerView, bool) {
	v, present := row[f.Name]
	a := answerView{Path: path, Name: f.Name, Label: f.Label, Type: f.Type, Sensitive: f.Sensitive, Problems: l.problems[path]}
	if a.Label == "" {
		a.Label = f.Name
	}
	if (f.Sensitive || isLocation(f.Type)) && !l.personal {
		a.Hidden = true
		return a, present || len(a.Problems) > 0
	}
	a.Value = v
	a.Display = l.display(f, v)
	return a, present || len(a.Problems) > 0
}

// sections lays out household-level answers by group (one "Household" section when the
// survey has no groups), and each repeat as a table.
func (l *labeller) sections(data map[string]any) ([]sectionView, []repeatView) {
	var secs []sectionView
	index := map[string]int{}
	repeats := map[string]*repeatView{}
	var order []string
	for _, f := range l.sv.Fields() {
		if f.Repeat != "" {
			if repeats[f.Repeat] == nil {
				rep := l.sv.Field(f.Repeat)
				label := f.Repeat
				if rep != nil && rep.Label != "" {
					label = rep.Label
				}
				repeats[f.Repeat] = &repeatView{Name: f.Repeat, Label: label}
				order = append(order, f.Repeat)
			}
			repeats[f.Repeat].Columns = append(repeats[f.Repeat].Columns, columnView{Name: f.Name, Label: orName(f.Label, f.Name)})
			continue
		}
		a, ok := l.answer(f, f.Name, data)
		if !ok {
			continue
		}
		key, label := f.Group, "Household"
		if g := l.sv.Field(f.Group); g != nil {
			label = orName(g.Label, g.Name)
		}
		i, seen := index[key]
		if !seen {
			i = len(secs)
			index[key] = i
			secs = append(secs, sectionView{Name: key, Label: label})
		}
		secs[i].Answers = append(secs[i].Answers, a)
	}
	reps := make([]repeatView, 0, len(order))
	for _, name := range order {
		rv := repeats[name]
		rows, _ := data[name].([]any)
		rv.Rows = [][]answerView{}
		for i, r := range rows {
			rm, _ := r.(map[string]any)
			cells := make([]answerView, 0, len(rv.Columns))
			for _, c := range rv.Columns {
				a, _ := l.answer(l.sv.Field(c.Name), fmt.Sprintf("%s[%d].%s", name, i, c.Name), rm)
				cells = append(cells, a)
			}
			rv.Rows = append(rv.Rows, cells)
		}
		// Columns nobody answered (skipped for every row) make the table wide for nothing.
		keep := make([]bool, len(rv.Columns))
		for _, row := range rv.Rows {
			for j, c := range row {
				if c.Value != nil || len(c.Problems) > 0 {
					keep[j] = true
				}
			}
		}
		rv.Columns = filterCols(rv.Columns, keep)
		for i := range rv.Rows {
			rv.Rows[i] = filterCells(rv.Rows[i], keep)
		}
		reps = append(reps, *rv)
	}
	return secs, reps
}

func filterCols(cols []columnView, keep []bool) []columnView {
	out := cols[:0:0]
	for i, c := range cols {
		if keep[i] {
			out = append(out, c)
		}
	}
	return out
}

func filterCells(cells []answerView, keep []bool) []answerView {
	out := cells[:0:0]
	for i, c := range cells {
		if keep[i] {
			out = append(out, c)
		}
	}
	return out
}

func orName(label, name string) string {
	if label != "" {
		return label
	}
	return name
}

var rowPathRe = regexp.MustCompile(`^([a-zA-Z_][\w]*)\[(\d+)\]\.([a-zA-Z_][\w]*)$`)

// flatten lists every answer as path → words in questionnaire order (for diffs and the
// side-by-side comparison). Repeat rows are labelled "Repeat label n · question".
func (l *labeller) flatten(data map[string]any) []answerView {
	secs, reps := l.sections(data)
	var out []answerView
	for _, s := range secs {
		out = append(out, s.Answers...)
	}
	for _, r := range reps {
		for i, row := range r.Rows {
			for _, a := range row {
				if a.Value == nil && !a.Hidden {
					continue
				}
				a.Label = fmt.Sprintf("%s %d · %s", r.Label, i+1, a.Label)
				out = append(out, a)
			}
		}
	}
	return out
}

func decodeJSON(raw string) map[string]any {
	m := map[string]any{}
	if raw != "" {
		json.Unmarshal([]byte(raw), &m)
	}
	return m
}

func problemsByPath(errs, warns string) (map[string][]problemAt, []problemAt) {
	byPath := map[string][]problemAt{}
	var general []problemAt
	for _, src := range []struct{ raw, sev string }{{errs, "error"}, {warns, "warning"}} {
		var list []form.Problem
		json.Unmarshal([]byte(src.raw), &list)
		for _, p := range list {
			pa := problemAt{Severity: src.sev, Rule: p.Rule, Message: p.Message}
			if p.Path == "" {
				general = append(general, pa)
				continue
			}
			byPath[p.Path] = append(byPath[p.Path], pa)
		}
	}
	return byPath, general
}

// householdOf loads a submission the caller may see and its labeller (nil, 404 otherwise).
func (s *Server) householdOf(sc *consoleScope, id string) (*core.Record, *labeller, map[string]any, error) {
	sub, err := findSubmission(s.app, id)
	if err != nil || !sc.canSee(sub) {
		return nil, nil, nil, notFound("household", id)
	}
	sv, ok := s.Surveys.Survey(sub.GetString("form_id"), sub.GetInt("version"))
	if !ok {
		return nil, nil, nil, fmt.Errorf("console: survey %s v%d of submission %s is not installed", sub.GetString("form_id"), sub.GetInt("version"), sub.Id)
	}
	data := decodeJSON(sub.GetString("data"))
	if sc.personal() {
		data = mergePII(data, decodeJSON(sub.GetString("pii")))
	}
	byPath, _ := problemsByPath(sub.GetString("errors"), sub.GetString("warnings"))
	return sub, &labeller{sv: sv.Form, personal: sc.personal(), problems: byPath}, data, nil
}

// summaryOf is what every household screen shows at the top.
func (s *Server) summaryOf(sc *consoleScope, sub *core.Record, sv *form.Survey) map[string]any {
	var names struct {
		Enum string `db:"enum"`
		Team string `db:"team"`
	}
	s.app.DB().NewQuery(`SELECT COALESCE((SELECT name FROM users WHERE id = {:u}), '') AS enum,
		COALESCE((SELECT name FROM teams WHERE id = {:t}), '') AS team`).
		Bind(dbx.Params{"u": sub.GetString("enumerator"), "t": sub.GetString("team")}).One(&names)
	out := map[string]any{
		"id": sub.Id, "uuid": sub.GetString("uuid"), "status": sub.GetString("status"),
		"psu": sub.GetInt("a_psu"), "dwelling": sub.GetInt("a_dwelling"), "a_date": sub.GetString("a_date"),
		"enumerator": sub.GetString("enumerator"), "enumerator_name": names.Enum, "team": sub.GetString("team"), "team_name": names.Team,
		"form_id": sub.GetString("form_id"), "version": sub.GetInt("version"), "title": sv.Title,
		"created": sub.GetString("created"), "duration_s": sub.GetFloat("duration_s"), "hh_size": sub.GetInt("hh_size"),
		"warnings": sub.GetInt("warning_count"), "errors": sub.GetInt("error_count"),
		"review_note": sub.GetString("review_note"), "reviewed_at": sub.GetString("reviewed_at"),
		"duplicate_of": s.visibleID(sc, sub.GetString("duplicate_of")), "supersedes": s.visibleID(sc, sub.GetString("supersedes")),
		"superseded_by": s.visibleID(sc, sub.GetString("superseded_by")), "device_id": sub.GetString("device_id"),
		"started_at": sub.GetString("started_at"), "completed_at": sub.GetString("completed_at"),
	}
	if sc.personal() {
		out["gps"] = map[string]any{"lat": sub.GetFloat("lat"), "lon": sub.GetFloat("lon"), "accuracy": sub.GetFloat("gps_accuracy")}
	} else {
		delete(out, "device_id")
	}
	return out
}

// visibleID keeps a reference to another submission only when the caller may see it.
func (s *Server) visibleID(sc *consoleScope, id string) string {
	if id == "" {
		return ""
	}
	r, err := s.app.FindRecordById("submissions", id)
	if err != nil || !sc.canSee(r) {
		return ""
	}
	return id
}

// consoleHousehold is GET /api/console/submissions/{id}: one household as the enumerator
// saw it, with labels, problems at their questions, flags with their evidence, the audit
// trail, the question comments and the diff against the submission it corrects.
func (s *Server) consoleHousehold(e *core.RequestEvent) error {
	start := time.Now()
	sc, err := s.scopeOf(e)
	if err != nil {
		return err
	}
	sub, lab, data, err := s.householdOf(sc, e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	secs, reps := lab.sections(data)
	_, general := problemsByPath(sub.GetString("errors"), sub.GetString("warnings"))
	out := map[string]any{
		"submission": s.summaryOf(sc, sub, lab.sv), "sections": secs, "repeats": reps, "problems": general,
		"flags": s.flagsView(sc, sub.GetString("flags")), "personal": sc.personal(),
	}
	var audit []struct {
		Actor   string `db:"actor_name" json:"actor"`
		Role    string `db:"role" json:"role"`
		Action  string `db:"action" json:"action"`
		From    string `db:"from" json:"from"`
		To      string `db:"to" json:"to"`
		Note    string `db:"note" json:"note"`
		Created string `db:"created" json:"created"`
	}
	if sc.role != RoleAnalyst {
		if err := s.app.DB().NewQuery("SELECT actor_name, role, action, [[from]], [[to]], note, created FROM reviews WHERE submission = {:id} ORDER BY created, id").
			Bind(dbx.Params{"id": sub.Id}).All(&audit); err != nil {
			return fmt.Errorf("console: audit: %w", err)
		}
		comments, err := s.questionComments(sub.Id, "")
		if err != nil {
			return err
		}
		out["comments"] = comments
	}
	out["audit"] = audit
	// The correction history: this household's earlier versions and later corrections.
	if other := sub.GetString("supersedes"); other != "" {
		out["diff"] = s.diffWith(sc, lab, data, other, "earlier")
	} else if other := sub.GetString("superseded_by"); other != "" {
		out["diff"] = s.diffWith(sc, lab, data, other, "later")
	}
	e.Response.Header().Set("Server-Timing", fmt.Sprintf("db;dur=%.1f", float64(time.Since(start).Microseconds())/1000))
	return e.JSON(http.StatusOK, out)
}

// flagsView gives the flags with their evidence; a flag's other household is named only when
// the caller may see it.
func (s *Server) flagsView(sc *consoleScope, raw string) []map[string]any {
	out := []map[string]any{}
	var flags []map[string]any
	json.Unmarshal([]byte(raw), &flags)
	for _, f := range flags {
		v := map[string]any{"kind": f["kind"], "score": f["score"], "reasons": f["reasons"]}
		if id, _ := f["other"].(string); id != "" {
			v["other"] = s.visibleID(sc, id)
			if v["other"] == "" {
				// Another team's household: named only as such, with no evidence (sync.md).
				v["reasons"], v["score"] = []string{"another team's household"}, nil
			}
		}
		if !sc.personal() {
			v["reasons"] = nil // evidence names heads and GPS distances
		}
		out = append(out, v)
	}
	return out
}

type diffRow struct {
	Path   string `json:"path"`
	Label  string `json:"label"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// diffWith compares this household's answers with another version of it.
func (s *Server) diffWith(sc *consoleScope, lab *labeller, data map[string]any, otherID, which string) map[string]any {
	other, err := s.app.FindRecordById("submissions", otherID)
	if err != nil || !sc.canSee(other) {
		return nil
	}
	od := decodeJSON(other.GetString("data"))
	if sc.personal() {
		od = mergePII(od, decodeJSON(other.GetString("pii")))
	}
	olab := *lab
	olab.problems = nil
	if osv, ok := s.Surveys.Survey(other.GetString("form_id"), other.GetInt("version")); ok {
		olab.sv = osv.Form
	}
	mine, theirs := lab.flatten(data), olab.flatten(od)
	if which == "later" {
		mine, theirs = theirs, mine
	}
	// before = the earlier version, after = the later one.
	return map[string]any{"other": otherID, "other_status": other.GetString("status"), "which": which,
		"changes": diffAnswers(theirs, mine)}
}

func diffAnswers(before, after []answerView) []diffRow {
	b := map[string]answerView{}
	for _, a := range before {
		b[a.Path] = a
	}
	seen := map[string]bool{}
	out := []diffRow{}
	for _, a := range after {
		seen[a.Path] = true
		if x, ok := b[a.Path]; !ok || x.Display != a.Display {
			out = append(out, diffRow{Path: a.Path, Label: a.Label, Before: x.Display, After: a.Display})
		}
	}
	for _, x := range before {
		if !seen[x.Path] {
			out = append(out, diffRow{Path: x.Path, Label: x.Label, Before: x.Display})
		}
	}
	return out
}

// consoleCompare is GET /api/console/compare?a=&b=: two households side by side, answer by
// answer, the differing ones marked.
func (s *Server) consoleCompare(e *core.RequestEvent) error {
	sc, err := s.scopeOf(e)
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	var sides [2]map[string]any
	var flat [2][]answerView
	for i, id := range []string{q.Get("a"), q.Get("b")} {
		if id == "" {
			return apiError(http.StatusBadRequest, "compare takes two households: a and b")
		}
		sub, lab, data, err := s.householdOf(sc, id)
		if err != nil {
			return err
		}
		sides[i] = s.summaryOf(sc, sub, lab.sv)
		flat[i] = lab.flatten(data)
	}
	type row struct {
		Path  string `json:"path"`
		Label string `json:"label"`
		A     string `json:"a"`
		B     string `json:"b"`
		Same  bool   `json:"same"`
		Hide  bool   `json:"hidden,omitempty"`
	}
	bmap := map[string]answerView{}
	for _, a := range flat[1] {
		bmap[a.Path] = a
	}
	rows := []row{}
	seen := map[string]bool{}
	diff := 0
	for _, a := range flat[0] {
		seen[a.Path] = true
		b := bmap[a.Path]
		r := row{Path: a.Path, Label: a.Label, A: a.Display, B: b.Display, Same: a.Display == b.Display, Hide: a.Hidden}
		if !r.Same {
			diff++
		}
		rows = append(rows, r)
	}
	for _, b := range flat[1] {
		if !seen[b.Path] {
			rows = append(rows, row{Path: b.Path, Label: b.Label, B: b.Display, Hide: b.Hidden})
			diff++
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"a": sides[0], "b": sides[1], "rows": rows, "differences": diff})
}

// pathLabel names a question path ("members[2].b_age") for people: "Household members 3 · Age".
func pathLabel(sv *form.Survey, path string) string {
	if m := rowPathRe.FindStringSubmatch(path); m != nil {
		rep, f := sv.Field(m[1]), sv.Field(m[3])
		if rep == nil || f == nil {
			return path
		}
		n, _ := strconv.Atoi(m[2])
		return fmt.Sprintf("%s %d · %s", orName(rep.Label, rep.Name), n+1, orName(f.Label, f.Name))
	}
	if f := sv.Field(path); f != nil {
		return orName(f.Label, f.Name)
	}
	return path
}

// isLocation: the answer is a place (a point, a route, a boundary), hidden on the screens of
// those who may not see recorded GPS.
func isLocation(typ string) bool {
	t, _, _ := strings.Cut(typ, " ")
	return t == "geopoint" || t == "start-geopoint" || t == "geotrace" || t == "geoshape"
}
