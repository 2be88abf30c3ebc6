package hooks_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"fieldbase/schemas"
)

// matrixRoles are the columns of the role matrix: anonymous, the enumerator who collected
// the team A records, another enumerator of team A, team A's supervisor, team B's
// supervisor, an analyst, and a superuser.
var matrixRoles = []string{"", "enumA1", "enumA2", "supA", "supB", "analyst", "superuser"}

// roleMatrix is sync.md's role table as answers of the API, one row per collection
// and operation (or custom route), one cell per role in matrixRoles order (the header):
//
//	list:  "+" = 200 and the team A target is listed, "-" = 200 without it, or the status
//	other: the status (a denied view/update/delete of a rule-filtered record is a 404,
//	       a superuser-only (nil) rule is a 403, a create failing its rule is a 400)
//	route: the status, "200/n" for a bulk review that decided n submissions
//
// A superuser's delete of a team, user, survey or submission that other records still name
// through a required relation (assignments, the audit trail) is refused with a 400.
//
// Targets belong to team A and were collected by enumA1: an approved and a received
// submission with their roster rows, the approval's audit record, enumA1's device and
// assignment, a pull-feed change, an export record, the mhs survey, team A, user enumA1
// and the superuser. Any change of an answer fails the test: update the table only
// together with sync.md.
var roleMatrix = `
row                                  anon enumA1 enumA2 supA  supB  analyst su
teams list                           -    +      +      +     +     +       +
teams view                           404  200    200    200   200   200     200
teams update                         403  403    403    403   403   403     200
teams create                         403  403    403    403   403   403     200
teams delete                         403  403    403    403   403   403     400
users list                           -    +      -      +     -     -       +
users view                           404  200    404    200   404   404     200
users update                         404  200    404    404   404   404     200
users create                         403  403    403    403   403   403     200
users delete                         403  403    403    403   403   403     400
surveys list                         -    +      +      +     +     +       +
surveys view                         404  200    200    200   200   200     200
surveys update                       403  403    403    403   403   403     200
surveys create                       403  403    403    403   403   403     200
surveys delete                       403  403    403    403   403   403     400
assignments list                     -    +      -      +     -     -       +
assignments view                     404  200    404    200   404   404     200
assignments update                   404  404    404    200   404   404     200
assignments create                   400  400    400    200   400   400     200
assignments delete                   404  404    404    204   404   404     204
submissions(approved) list           -    +      -      +     -     +       +
submissions(approved) view           404  200    404    200   404   200     200
submissions(received) list           -    +      -      +     -     -       +
submissions(received) view           404  200    404    200   404   404     200
submissions update                   404  404    404    200   404   404     200
submissions create                   403  403    403    403   403   403     200
submissions delete                   403  403    403    403   403   403     400
members(approved) list               -    +      -      +     -     +       +
members(approved) view               404  200    404    200   404   200     200
members(received) list               -    +      -      +     -     -       +
members(received) view               404  200    404    200   404   404     200
members update                       403  403    403    403   403   403     200
members create                       403  403    403    403   403   403     200
members delete                       403  403    403    403   403   403     204
emigrants(approved) list             -    +      -      +     -     +       +
emigrants(approved) view             404  200    404    200   404   200     200
emigrants(received) list             -    +      -      +     -     -       +
emigrants(received) view             404  200    404    200   404   404     200
emigrants update                     403  403    403    403   403   403     200
emigrants create                     403  403    403    403   403   403     200
emigrants delete                     403  403    403    403   403   403     204
reviews list                         -    +      -      +     -     -       +
reviews view                         404  200    404    200   404   404     200
reviews update                       403  403    403    403   403   403     200
reviews create                       403  403    403    403   403   403     200
reviews delete                       403  403    403    403   403   403     204
devices list                         -    +      -      +     -     -       +
devices view                         404  200    404    200   404   404     200
devices update                       403  403    403    403   403   403     200
devices create                       403  403    403    403   403   403     200
devices delete                       403  403    403    403   403   403     204
changes list                         403  403    403    403   403   403     +
changes view                         403  403    403    403   403   403     200
changes update                       403  403    403    403   403   403     200
changes create                       403  403    403    403   403   403     200
changes delete                       403  403    403    403   403   403     204
exports list                         403  403    403    403   403   403     +
exports view                         403  403    403    403   403   403     200
exports update                       403  403    403    403   403   403     200
exports create                       403  403    403    403   403   403     200
exports delete                       403  403    403    403   403   403     204
_superusers list                     403  403    403    403   403   403     +
_superusers view                     403  403    403    403   403   403     200
_superusers update                   403  403    403    403   403   403     200
_superusers create                   403  403    403    403   403   403     200
_superusers delete                   403  403    403    403   403   403     204

POST /api/sync/push                  401  200    200    403   403   403     403
GET /api/sync/pull                   401  200    200    403   403   403     403
POST /api/submissions/{id}/review    401  403    403    200   404   403     200
POST /api/review/bulk                401  403    403    200/1 200/0 403     200/1
GET /api/review/summary?team=A       401  403    403    200   404   403     200
GET /api/indicators                  401  403    403    200   200   200     200
GET /api/export/microdata            401  403    403    200   200   200     200
GET /api/export/microdata?pii=1      401  403    403    403   403   403     200
`

type matrixRow struct {
	row   string
	cells []string
}

// parseMatrix reads roleMatrix: each line is a row name and one cell per role.
func parseMatrix(t *testing.T) []matrixRow {
	var out []matrixRow
	for i, line := range strings.Split(roleMatrix, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || i <= 1 {
			continue // blank, or the header
		}
		if len(f) <= len(matrixRoles) {
			t.Fatalf("role matrix line %q: want a row name and %d cells", line, len(matrixRoles))
		}
		n := len(f) - len(matrixRoles)
		out = append(out, matrixRow{strings.Join(f[:n], " "), f[n:]})
	}
	return out
}

// matrixTargets seeds one server and returns the ids the rows act on.
type matrixTargets struct {
	survey, approved, received, bulk   string
	memberApproved, memberReceived     string
	emigrantApproved, emigrantReceived string
	review, device, change, export     string
}

func seedMatrix(t *testing.T, s *server) matrixTargets {
	t.Helper()
	var m matrixTargets
	sv, err := s.App.FindFirstRecordByFilter("surveys", "form_id = 'mhs'")
	if err != nil {
		t.Fatal(err)
	}
	m.survey = sv.Id
	// households with emigrants, so every roster collection has a row
	var withEmigrants []map[string]any
	for _, h := range households(t, 40, 990) {
		if rows, _ := data(h)["emigrants"].([]any); len(rows) > 0 {
			withEmigrants = append(withEmigrants, h)
		}
	}
	if len(withEmigrants) < 3 {
		t.Fatal("not enough synthetic households with emigrants")
	}
	m.approved, _ = pushOne(t, s, "enumA1", withEmigrants[0])
	m.received, _ = pushOne(t, s, "enumA1", withEmigrants[1])
	m.bulk, _ = pushOne(t, s, "enumA1", withEmigrants[2])
	pushOne(t, s, "enumB1", households(t, 1, 991)[0])
	if code, body := reviewAs(s, "supA", m.approved, map[string]any{"action": "approve"}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	first := func(col, filter string) string {
		r, err := s.App.FindFirstRecordByFilter(col, filter)
		if err != nil {
			t.Fatalf("%s %s: %v", col, filter, err)
		}
		return r.Id
	}
	m.memberApproved = first("members", "submission = '"+m.approved+"'")
	m.memberReceived = first("members", "submission = '"+m.received+"'")
	m.emigrantApproved = first("emigrants", "submission = '"+m.approved+"'")
	m.emigrantReceived = first("emigrants", "submission = '"+m.received+"'")
	m.review = first("reviews", "submission = '"+m.approved+"'")
	m.device = first("devices", "enumerator = '"+fx.enumA1+"'")
	m.change = first("changes", "enumerator = '"+fx.enumA1+"'")
	col, _ := s.App.FindCollectionByNameOrId("exports")
	ex := core.NewRecord(col)
	ex.Set("actor", fx.superuser)
	ex.Set("kind", "microdata")
	if err := s.App.Save(ex); err != nil {
		t.Fatal(err)
	}
	m.export = ex.Id
	return m
}

// mhsV2 is the mhs definition as version 2 (a valid new survey for the create row).
func mhsNewVersion(t *testing.T) map[string]any {
	var def map[string]any
	if err := json.Unmarshal(schemas.MHS, &def); err != nil {
		t.Fatal(err)
	}
	def["settings"].(map[string]any)["version"] = 3 // v1 and v2 are installed by the migrations
	return def
}

// TestRoleMatrix runs every row of roleMatrix for every role, each role on its own fresh
// server, and fails on any cell that differs, printing the whole observed table.
func TestRoleMatrix(t *testing.T) {
	got := map[string][]string{}
	requests := 0
	for ri, who := range matrixRoles {
		s := newServer(t)
		m := seedMatrix(t, s)
		cell := func(row, v string) {
			if got[row] == nil {
				got[row] = make([]string, len(matrixRoles))
			}
			got[row][ri] = v
			requests++
		}
		do := func(method, path string, body any) (int, map[string]any) {
			code, raw := s.doRaw(method, path, who, body)
			var out map[string]any
			json.Unmarshal(raw, &out)
			return code, out
		}
		rec := func(col string) string { return "/api/collections/" + col + "/records" }
		list := func(row, col, id string) {
			code, body := do("GET", rec(col)+"?perPage=500&filter="+url.QueryEscape("id = '"+id+"'"), nil)
			switch {
			case code != 200:
				cell(row, fmt.Sprint(code))
			case body["totalItems"] == 1.0:
				cell(row, "+")
			default:
				cell(row, "-")
			}
		}
		view := func(row, col, id string) {
			code, _ := do("GET", rec(col)+"/"+id, nil)
			cell(row, fmt.Sprint(code))
		}
		type target struct{ row, col, id string }
		reads := []target{
			{"teams", "teams", fx.teamA}, {"users", "users", fx.enumA1}, {"surveys", "surveys", m.survey},
			{"assignments", "assignments", fx.assignA1},
			{"submissions(approved)", "submissions", m.approved}, {"submissions(received)", "submissions", m.received},
			{"members(approved)", "members", m.memberApproved}, {"members(received)", "members", m.memberReceived},
			{"emigrants(approved)", "emigrants", m.emigrantApproved}, {"emigrants(received)", "emigrants", m.emigrantReceived},
			{"reviews", "reviews", m.review}, {"devices", "devices", m.device}, {"changes", "changes", m.change},
			{"exports", "exports", m.export}, {"_superusers", "_superusers", fx.superuser},
		}
		for _, tg := range reads {
			list(tg.row+" list", tg.col, tg.id)
			view(tg.row+" view", tg.col, tg.id)
		}
		writes := []struct {
			col, id        string
			update, create map[string]any
		}{
			{"teams", fx.teamA, map[string]any{"region": "R9"}, map[string]any{"name": "Team Z"}},
			{"users", fx.enumA1, map[string]any{"name": "New Name"}, map[string]any{"email": "new@example.org", "password": "password123",
				"passwordConfirm": "password123", "role": "analyst"}},
			{"surveys", m.survey, map[string]any{"title": "Renamed"}, map[string]any{"form_id": "mhs", "version": 3, "status": "active", "definition": mhsNewVersion(t)}},
			{"assignments", fx.assignA1, map[string]any{"notes": "knock twice"}, map[string]any{"survey": m.survey, "enumerator": fx.enumA1,
				"team": fx.teamA, "a_psu": 5, "a_dwelling": 5}},
			{"submissions", m.received, map[string]any{"review_note": "seen"}, map[string]any{"uuid": newID(), "form_id": "mhs", "status": "received"}},
			{"members", m.memberReceived, map[string]any{"b_age": 30}, map[string]any{"submission": m.received}},
			{"emigrants", m.emigrantReceived, map[string]any{"d_age": 30}, map[string]any{"submission": m.received}},
			{"reviews", m.review, map[string]any{"note": "edited"}, map[string]any{"submission": m.received}},
			{"devices", m.device, map[string]any{"app_version": "9.9"}, map[string]any{"device_id": "tab-new"}},
			{"changes", m.change, map[string]any{"op": "edited"}, map[string]any{"seq": 999999}},
			{"exports", m.export, map[string]any{"rows": 5}, map[string]any{"kind": "csv"}},
			{"_superusers", fx.superuser, map[string]any{"emailVisibility": true}, map[string]any{"email": "su2@example.org",
				"password": "password123", "passwordConfirm": "password123"}},
		}
		for _, w := range writes {
			code, _ := do("PATCH", rec(w.col)+"/"+w.id, w.update)
			cell(w.col+" update", fmt.Sprint(code))
		}
		// custom routes, before anything is deleted
		code, _ := do("POST", "/api/sync/push", push(households(t, 1, 992)[0]))
		cell("POST /api/sync/push", fmt.Sprint(code))
		code, _ = do("GET", "/api/sync/pull", nil)
		cell("GET /api/sync/pull", fmt.Sprint(code))
		code, _ = do("POST", "/api/submissions/"+m.received+"/review", map[string]any{"action": "approve"})
		cell("POST /api/submissions/{id}/review", fmt.Sprint(code))
		code, body := do("POST", "/api/review/bulk", map[string]any{"action": "approve", "ids": []string{m.bulk}})
		if code == 200 {
			cell("POST /api/review/bulk", fmt.Sprintf("200/%v", body["done"]))
		} else {
			cell("POST /api/review/bulk", fmt.Sprint(code))
		}
		code, _ = do("GET", "/api/review/summary?team="+fx.teamA, nil)
		cell("GET /api/review/summary?team=A", fmt.Sprint(code))
		code, _ = s.doRaw("GET", "/api/indicators?survey=mhs", who, nil)
		cell("GET /api/indicators", fmt.Sprint(code))
		code, _ = s.doRaw("GET", "/api/export/microdata?survey=mhs", who, nil)
		cell("GET /api/export/microdata", fmt.Sprint(code))
		code, _ = s.doRaw("GET", "/api/export/microdata?survey=mhs&status=approved&pii=1", who, nil)
		cell("GET /api/export/microdata?pii=1", fmt.Sprint(code))
		for _, w := range writes {
			code, _ := do("POST", rec(w.col), w.create)
			cell(w.col+" create", fmt.Sprint(code))
		}
		// deletes last, children first; the submission's delete takes the other roster rows
		for _, col := range []string{"members", "emigrants", "reviews", "devices", "changes", "exports", "assignments",
			"submissions", "surveys", "users", "teams", "_superusers"} {
			id := map[string]string{"members": m.memberReceived, "emigrants": m.emigrantReceived, "reviews": m.review,
				"devices": m.device, "changes": m.change, "exports": m.export, "assignments": fx.assignA1,
				"submissions": m.bulk, "surveys": m.survey, "users": fx.enumA2, "teams": fx.teamA, "_superusers": fx.superuser}[col]
			if col == "users" {
				id = fx.enumA1
			}
			code, _ := do("DELETE", rec(col)+"/"+id, nil)
			cell(col+" delete", fmt.Sprint(code))
		}
	}

	var table strings.Builder
	drift := 0
	seen := map[string]bool{}
	expected := parseMatrix(t)
	for _, r := range expected {
		seen[r.row] = true
		want := r.cells
		have := got[r.row]
		mark := ""
		if strings.Join(want, " ") != strings.Join(have, " ") {
			drift++
			mark = "   <- want " + strings.Join(want, " ")
		}
		fmt.Fprintf(&table, "%-36s %s%s\n", r.row, strings.Join(have, " "), mark)
	}
	for row := range got {
		if !seen[row] {
			drift++
			fmt.Fprintf(&table, "%-36s %s   <- not in the table\n", row, strings.Join(got[row], " "))
		}
	}
	if drift > 0 {
		t.Errorf("%d rows differ from sync.md's role table (roles: anonymous %s):\n%s", drift, strings.Join(matrixRoles[1:], " "), table.String())
	}
	t.Logf("%d requests: %d rows x %d roles", requests, len(expected), len(matrixRoles))
}
