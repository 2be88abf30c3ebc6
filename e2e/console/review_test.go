package console

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A supervisor filters to flagged households, opens one, reads labels rather than codes,
// rejects it with a note and a comment on one question; the enumerator's next pull carries both.
func TestRejectWithQuestionComment(t *testing.T) {
	ctx := browser(t)
	signIn(t, ctx, "sup1@fieldbase.demo")
	run(t, ctx, css(`table.grid tbody tr`), click(`.tabs button.st-flagged`), until(`location.hash.includes("status=flagged")`),
		chromedp.Sleep(300*1e6), css(`table.grid tbody a.hh`))
	statuses := text(t, ctx, "table.grid tbody td.c-status")
	if statuses == "" || strings.ReplaceAll(strings.ReplaceAll(statuses, "Flagged", ""), "\n", "") != "" {
		t.Fatalf("the flagged filter shows other statuses: %q", statuses)
	}
	screenshot(t, ctx, "submissions-flagged")
	run(t, ctx, click(`table.grid tbody a.hh`), css(`article.household`), css(`.roster table`))
	id := eval[string](t, ctx, `location.hash.split("/")[2]`)
	roster := text(t, ctx, ".roster table")
	if !contains(roster, "Sex", "Relationship to the head") || !(contains(roster, "Male") || contains(roster, "Female")) {
		t.Fatalf("the roster does not show labels: %.500s", roster)
	}
	if contains(roster, "\t1\t") {
		t.Errorf("the roster shows a code where a label belongs: %.300s", roster)
	}
	screenshot(t, ctx, "household")

	// Reject with a note and a comment on the first member's age.
	run(t, ctx,
		click(`td[data-path="members[0].b_age"] button`),
		css(`form.reject`),
		keys(`form.reject textarea[name=note]`, "Ages do not match the roster: check with the household."),
		keys(`form.reject .comment textarea`, "Age of the head looks too low for the children listed."),
	)
	screenshot(t, ctx, "household-reject")
	run(t, ctx, click(`form.reject button[type=submit]`), waitText(".hh-head", "Rejected"), waitText(".audit", "reject"))

	// The enumerator's tablet pulls the decision.
	sub := must(t, "GET", "/api/collections/submissions/records/"+id, srv.login("_superusers", "admin@fieldbase.demo"), nil, 200)
	enumEmail := ""
	for _, e := range []string{"enum1", "enum2"} {
		tok := srv.login("users", e+"@fieldbase.demo")
		me := must(t, "GET", "/api/collections/users/records?filter="+urlq("id='"+sub["enumerator"].(string)+"'"), tok, nil, 200)
		if items, _ := me["items"].([]any); len(items) == 1 {
			enumEmail = e + "@fieldbase.demo"
		}
	}
	if enumEmail == "" {
		t.Fatalf("no demo enumerator of team 1 owns %s", id)
	}
	tok := srv.login("users", enumEmail)
	var found map[string]any
	cursor := ""
	for page := 0; page < 50 && found == nil; page++ {
		pull := must(t, "GET", "/api/sync/pull?limit=1000&cursor="+cursor, tok, nil, 200)
		for _, d := range pull["decisions"].([]any) {
			if dm := d.(map[string]any); dm["record"] == id {
				found = dm
			}
		}
		cursor = pull["cursor"].(string)
		if pull["has_more"] != true {
			break
		}
	}
	if found == nil {
		t.Fatalf("the enumerator's pull has no decision for %s", id)
	}
	b, _ := json.Marshal(found["comments"])
	if found["status"] != "rejected" || !strings.Contains(fmt.Sprint(found["note"]), "Ages do not match") ||
		!strings.Contains(string(b), `"path":"members[0].b_age"`) || !strings.Contains(string(b), "too low for the children") {
		t.Fatalf("the pulled decision lacks the note or the comment: status %v note %v comments %s", found["status"], found["note"], b)
	}
}
