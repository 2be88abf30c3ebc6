package hooks_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// rosterHousehold is a synthetic household with three members or more and an emigrant,
// pushed by enumA1: its record id and envelope.
func rosterHousehold(t *testing.T, s *server) (string, map[string]any) {
	t.Helper()
	for _, h := range households(t, 30, 4242) {
		ms, _ := data(h)["members"].([]any)
		es, _ := data(h)["emigrants"].([]any)
		if len(ms) < 3 || len(es) == 0 {
			continue
		}
		id, _ := pushOne(t, s, "enumA1", h)
		return id, h
	}
	t.Fatal("no synthetic household with three members and an emigrant")
	return "", nil
}

// jsonOf is v as generic JSON (numbers float64), for comparing answers however encoded.
func jsonOf(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRosterAnswersFromSubmission: the answers of member and emigrant rows are stored once,
// in the submission; every read path of the record API (list, view, expand from the
// submission) shows each row's own answers as its data, a member's sensitive answers as its
// pii to those who may read them (no pii key for the others), and an edit of the
// submission's answers shows in its rows at once.
func TestRosterAnswersFromSubmission(t *testing.T) {
	s := newServer(t)
	sub, h := rosterHousehold(t, s)
	if code, body := reviewAs(s, "supA", sub, map[string]any{"action": "approve"}); code != 200 {
		t.Fatalf("approve: %d %v", code, body)
	}
	var stored struct {
		Data string `db:"data"`
		PII  string `db:"pii"`
	}
	if err := s.App.DB().NewQuery("SELECT data, pii FROM submissions WHERE id = {:id}").Bind(dbx.Params{"id": sub}).One(&stored); err != nil {
		t.Fatal(err)
	}
	var sdata, spii map[string]any
	json.Unmarshal([]byte(stored.Data), &sdata)
	json.Unmarshal([]byte(stored.PII), &spii)
	wantMembers, _ := sdata["members"].([]any)
	wantPII, _ := spii["members"].([]any)
	wantEmigrants, _ := sdata["emigrants"].([]any)
	if len(wantMembers) != len(data(h)["members"].([]any)) || len(wantPII) != len(wantMembers) || len(wantEmigrants) == 0 {
		t.Fatalf("stored %d members with %d pii rows and %d emigrants", len(wantMembers), len(wantPII), len(wantEmigrants))
	}
	if n := count(t, s, "members", "submission = '"+sub+"'"); n != len(wantMembers) {
		t.Fatalf("%d member rows for %d members", n, len(wantMembers))
	}
	if n := count(t, s, "emigrants", "submission = '"+sub+"'"); n != len(wantEmigrants) {
		t.Fatalf("%d emigrant rows for %d emigrants", n, len(wantEmigrants))
	}
	// mhs computes b_line as the position; a survey's roster_line need not be. The rows'
	// answers are found by pos, whatever the line says.
	if _, err := s.App.DB().NewQuery("UPDATE members SET line = 100 - line WHERE submission = {:s}").Bind(dbx.Params{"s": sub}).Execute(); err != nil {
		t.Fatal(err)
	}

	checkRows := func(who string, items []any, want, wantPII []any, key string, withPII bool) {
		t.Helper()
		if len(items) != len(want) && !strings.HasSuffix(who, "(view)") {
			t.Fatalf("%s: %d %s rows, want %d", who, len(items), key, len(want))
		}
		for _, it := range items {
			rec := it.(map[string]any)
			pos := int(rec["line"].(float64)) - 1
			if key == "members" {
				pos = int(rec["pos"].(float64))
			}
			if pos < 0 || pos >= len(want) {
				t.Fatalf("%s: %s row at position %d", who, key, pos)
			}
			if got := jsonOf(t, rec["data"]); !reflect.DeepEqual(got, want[pos]) {
				t.Errorf("%s: %s[%d] data %v, want %v", who, key, pos, got, want[pos])
			}
			p, has := rec["pii"]
			switch {
			case key != "members" && has:
				t.Errorf("%s: an emigrant row has pii %v", who, p)
			case key == "members" && withPII && !reflect.DeepEqual(jsonOf(t, p), wantPII[pos]):
				t.Errorf("%s: members[%d] pii %v, want %v", who, pos, p, wantPII[pos])
			case key == "members" && !withPII && has:
				t.Errorf("%s may not read personal data but gets members[%d] pii %v", who, pos, p)
			}
		}
	}
	filter := "?perPage=200&filter=" + url.QueryEscape("submission = '"+sub+"'")
	for who, withPII := range map[string]bool{"enumA1": true, "supA": true, "superuser": true, "analyst": false, "analystPII": true} {
		code, body := s.do("GET", "/api/collections/members/records"+filter, who, nil)
		if code != 200 {
			t.Fatalf("%s members: %d %v", who, code, body)
		}
		checkRows(who, asList(body["items"]), wantMembers, wantPII, "members", withPII)
		code, body = s.do("GET", "/api/collections/emigrants/records"+filter, who, nil)
		if code != 200 {
			t.Fatalf("%s emigrants: %d %v", who, code, body)
		}
		checkRows(who, asList(body["items"]), wantEmigrants, nil, "emigrants", false)
		// one row by id
		first := asList(body["items"])[0].(map[string]any)
		code, one := s.do("GET", "/api/collections/emigrants/records/"+first["id"].(string), who, nil)
		if code != 200 {
			t.Fatalf("%s view: %d %v", who, code, one)
		}
		checkRows(who+" (view)", []any{one}, wantEmigrants, nil, "emigrants", false)
		// expanded from the submission
		code, rec := s.do("GET", "/api/collections/submissions/records/"+sub+"?expand=members_via_submission", who, nil)
		if code != 200 {
			t.Fatalf("%s expand: %d %v", who, code, rec)
		}
		exp, _ := rec["expand"].(map[string]any)
		checkRows(who+" (expand)", asList(exp["members_via_submission"]), wantMembers, wantPII, "members", withPII)
	}
	for _, who := range []string{"supB", "enumA2"} {
		if code, body := s.do("GET", "/api/collections/members/records"+filter, who, nil); code != 200 || len(asList(body["items"])) != 0 {
			t.Errorf("%s reads another team's or enumerator's members: %d %v", who, code, body)
		}
	}

	// An edit of the submission's answers (a superuser in the admin UI) is what its rows show.
	wantMembers[1].(map[string]any)["b_age"] = 77.0
	sdata["members"] = wantMembers
	if code, body := s.do("PATCH", "/api/collections/submissions/records/"+sub, "superuser", map[string]any{"data": sdata}); code != 200 {
		t.Fatalf("edit: %d %v", code, body)
	}
	code, body := s.do("GET", "/api/collections/members/records"+filter, "supA", nil)
	if code != 200 {
		t.Fatal(body)
	}
	checkRows("supA after the edit", asList(body["items"]), jsonOf(t, wantMembers).([]any), wantPII, "members", true)
}

// TestRosterAnswerFiltersRefused: the rows hold no answers, so a filter or sort on them
// would match nothing or sort nothing: it is refused with a 400 that says what to filter
// instead, on every name of the collections; filters on the rows' own fields, on the
// submission's answers and texts that merely contain "data" still work.
func TestRosterAnswerFiltersRefused(t *testing.T) {
	s := newServer(t)
	sub, _ := rosterHousehold(t, s)
	col, err := s.App.FindCollectionByNameOrId("members")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, query string
		code        int
	}{
		{"members", "filter=data.b_age>30", 400},
		{"members", "filter=" + url.QueryEscape("b_sex = '1' && pii.b_name ~ 'a'"), 400},
		{"members", "sort=-data.b_age", 400},
		{col.Id, "filter=data.b_age>30", 400},
		{"emigrants", "filter=(data.d_age>20)", 400},
		{"members", "filter=b_age>0", 200},
		{"members", "filter=" + url.QueryEscape("submission = '"+sub+"' && submission.data.a_psu > 0"), 200},
		{"members", "filter=" + url.QueryEscape("mig_status != 'data'"), 200},
		{"members", "sort=pos,-line", 200},
	} {
		code, body := s.do("GET", "/api/collections/"+c.path+"/records?"+c.query, "supA", nil)
		if code != c.code {
			t.Errorf("%s?%s: %d %v, want %d", c.path, c.query, code, body, c.code)
			continue
		}
		// superusers too: PocketBase lets them filter hidden fields, which are empty here
		if su, _ := s.do("GET", "/api/collections/"+c.path+"/records?"+c.query, "superuser", nil); su != c.code {
			t.Errorf("superuser %s?%s: %d, want %d", c.path, c.query, su, c.code)
		}
		if msg, _ := body["message"].(string); code == 400 && !strings.Contains(msg, "stored in their submission") {
			t.Errorf("%s?%s: message %q does not say where the answers are", c.path, c.query, msg)
		}
		if code == 200 && strings.Contains(c.query, "a_psu") && len(asList(body["items"])) == 0 {
			t.Errorf("%s?%s: no rows", c.path, c.query)
		}
	}
}

// TestRosterPositionMigration: down gives the rows their answers back from the submission;
// up again gives rows stored before their position from the order they were written in and
// empties their copies; the record API then shows the same answers as before.
func TestRosterPositionMigration(t *testing.T) {
	s := newServer(t)
	sub, h := rosterHousehold(t, s)
	want := jsonOf(t, data(h)["members"]).([]any)
	runner := core.NewMigrationsRunner(s.App, core.AppMigrations)
	if _, err := runner.Down(1); err != nil {
		t.Fatal(err)
	}
	var copies []string
	if err := s.App.DB().NewQuery("SELECT COALESCE(data, '') FROM members WHERE submission = {:s} ORDER BY rowid").
		Bind(dbx.Params{"s": sub}).Column(&copies); err != nil {
		t.Fatal(err)
	}
	if len(copies) != len(want) {
		t.Fatalf("%d member rows after down, want %d", len(copies), len(want))
	}
	for i, c := range copies {
		var got map[string]any
		if json.Unmarshal([]byte(c), &got) != nil || got["b_age"] != want[i].(map[string]any)["b_age"] {
			t.Fatalf("member %d after down: %q", i, c)
		}
	}
	if _, err := runner.Up(); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Pos  int    `db:"pos"`
		Data string `db:"data"`
		PII  string `db:"pii"`
	}
	if err := s.App.DB().NewQuery("SELECT pos, COALESCE(data, '') AS data, COALESCE(pii, '') AS pii FROM members WHERE submission = {:s} ORDER BY rowid").
		Bind(dbx.Params{"s": sub}).All(&rows); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if r.Pos != i || r.Data != "" || r.PII != "" {
			t.Fatalf("member row %d after up: pos %d, data %q, pii %q", i, r.Pos, r.Data, r.PII)
		}
	}
	if n := count(t, s, "emigrants", "data IS NOT NULL"); n != 0 {
		t.Fatalf("%d emigrant rows keep their copy", n)
	}
	col, _ := s.App.FindCollectionByNameOrId("members")
	if f := col.Fields.GetByName("data"); f == nil || !f.GetHidden() {
		t.Fatal("members.data is not a hidden field")
	}
	code, body := s.do("GET", "/api/collections/members/records?sort=pos&filter="+url.QueryEscape("submission = '"+sub+"'"), "supA", nil)
	if code != 200 {
		t.Fatal(body)
	}
	for i, it := range asList(body["items"]) {
		got := jsonOf(t, it.(map[string]any)["data"]).(map[string]any)
		w := want[i].(map[string]any)
		if got["b_age"] != w["b_age"] || got["b_rel"] != w["b_rel"] {
			t.Errorf("member %d after down and up: %v, want %v", i, got, w)
		}
	}
}
