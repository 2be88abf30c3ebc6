package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"fieldbase/form"
	"fieldbase/schemas"
	"fieldbase/synth"
	"fieldbase/xform"
)

// firstID returns the first household the caller's console list gives for the query.
func firstID(t *testing.T, token, query string) (string, map[string]any) {
	t.Helper()
	out := must(t, "GET", "/api/console/submissions?"+query, token, nil, 200)
	items, _ := out["items"].([]any)
	if len(items) == 0 {
		t.Fatalf("no household for %s", query)
	}
	row := items[0].(map[string]any)
	return row["id"].(string), row
}

// Another team's household typed into the URL reads "not found", like one that does not exist.
func TestOtherTeamNotFound(t *testing.T) {
	other, _ := firstID(t, srv.login("users", "sup2@fieldbase.demo"), "")
	mine, _ := firstID(t, srv.login("users", "sup1@fieldbase.demo"), "")
	ctx := browser(t)
	signIn(t, ctx, "sup1@fieldbase.demo")
	run(t, ctx, chromedp.Navigate(srv.url+"/#/household/"+other), waitText("main", "Not found"))
	screenshot(t, ctx, "not-found")
	page := text(t, ctx, "main")
	if strings.Contains(page, other) && strings.Contains(page, "Household ") {
		t.Errorf("another team's household shows: %.300s", page)
	}
	run(t, ctx, chromedp.Navigate(srv.url+"/#/compare/"+mine+"/"+other), waitText("main", "Not found"))
	run(t, ctx, chromedp.Navigate(srv.url+"/#/household/nosuchid000000"), waitText("main", "Not found"))
	run(t, ctx, chromedp.Navigate(srv.url+"/#/household/"+mine), css(`article.household`))
}

// A suspected duplicate side by side: differences marked, one kept, the other marked duplicate.
func TestCompareDuplicate(t *testing.T) {
	sup := srv.login("users", "sup1@fieldbase.demo")
	// The tablet sends a household twice, the second time as a new interview with one answer
	// changed: a probable duplicate.
	env := validEnvelope(t, 991)
	data := env["data"].(map[string]any)
	data["a_psu"], data["a_dwelling"] = 4343, 12
	second := map[string]any{}
	b, _ := json.Marshal(env)
	json.Unmarshal(b, &second)
	second["id"] = "9d1f3c52-5d0e-4c1e-9a41-6b7e8f0a1b2c"
	second["data"].(map[string]any)["a_weight"] = 1234.5
	tok := srv.login("users", "enum1@fieldbase.demo")
	res := must(t, "POST", "/api/sync/push", tok, map[string]any{"device_id": "dup-test", "app_version": "t", "submissions": []any{env, second}}, 200)
	r2 := res["results"].([]any)[1].(map[string]any)
	if r2["status"] != "flagged" {
		t.Fatalf("the second copy is %v, not flagged: %v", r2["status"], r2)
	}
	id := r2["record"].(string)
	other := res["results"].([]any)[0].(map[string]any)["record"].(string)
	ctx := browser(t)
	signIn(t, ctx, "sup1@fieldbase.demo")
	run(t, ctx, chromedp.Navigate(srv.url+"/#/household/"+id), css(`.flags a`), click(`.flags a`), css(`table.compare-table`))
	if n := eval[int](t, ctx, `document.querySelectorAll("table.compare-table tbody tr").length`); n < 10 {
		t.Fatalf("the comparison shows %d rows", n)
	}
	diffs := eval[int](t, ctx, `document.querySelectorAll("table.compare-table tr.differs").length`)
	said := text(t, ctx, "h1")
	if diffs != 1 || !strings.Contains(said, "(1 answer differs)") {
		t.Errorf("one answer (the weight) was changed: heading %q, %d highlighted rows", said, diffs)
	}
	screenshot(t, ctx, "compare")
	// A is the flagged one (the later household): keep B, mark A as duplicate.
	run(t, ctx, chromedp.Click(chromedp.CSS(`.buttons button:nth-of-type(2)`)), waitText(".compare", "is marked as a duplicate"))
	after := must(t, "GET", "/api/console/submissions/"+id, sup, nil, 200)["submission"].(map[string]any)
	if after["status"] != "duplicate" || after["duplicate_of"] != other {
		t.Fatalf("after marking: status %v duplicate_of %v (want duplicate of %s)", after["status"], after["duplicate_of"], other)
	}
}

// Approve everything a filter shows (one enumerator's received households), with the count.
func TestBulkApproveFilter(t *testing.T) {
	sup := srv.login("users", "sup1@fieldbase.demo")
	_, row := firstID(t, sup, "status=received")
	enum := row["enumerator"].(string)
	before := must(t, "GET", "/api/console/submissions?enumerator="+enum, sup, nil, 200)["by_status"].(map[string]any)
	received := int(before["received"].(float64))
	ctx := browser(t)
	signIn(t, ctx, "sup1@fieldbase.demo")
	run(t, ctx, chromedp.Navigate(srv.url+"/#/submissions?status=received&enumerator="+enum), css(`table.grid tbody a.hh`),
		waitText(".bulk", fmt.Sprintf("Approve all %d in this filter", received)))
	eval[bool](t, ctx, `(window.confirm = () => true, true)`)
	run(t, ctx, click(`.bulk button:nth-of-type(2)`), waitText(".bulk", fmt.Sprintf("%d approved", received)))
	screenshot(t, ctx, "bulk-approved")
	after := must(t, "GET", "/api/console/submissions?enumerator="+enum, sup, nil, 200)["by_status"].(map[string]any)
	if after["received"] != nil && after["received"].(float64) != 0 {
		t.Fatalf("still received after approving the filter: %v", after)
	}
	if int(after["approved"].(float64)) != int(before["approved"].(float64))+received {
		t.Fatalf("approved %v → %v, want +%d", before["approved"], after["approved"], received)
	}
}

// An assignment CSV with one bad row: a clear error for that row, the others created.
func TestImportAssignments(t *testing.T) {
	sup := srv.login("users", "sup1@fieldbase.demo")
	csv := "psu,dwelling,enumerator,weight\n" +
		"901,1,enum1@fieldbase.demo,120.5\n" +
		"901,2,nobody@example.org,120.5\n" +
		"901,3,Enumerator 2,99\n"
	ctx := browser(t)
	signIn(t, ctx, "sup1@fieldbase.demo")
	run(t, ctx, chromedp.Navigate(srv.url+"/#/assignments"), css(`textarea[name=csv]`))
	b, _ := json.Marshal(csv)
	// Typing newlines into a textarea is what a paste does; set it the way an input event would.
	eval[bool](t, ctx, `(() => { const t = document.querySelector("textarea[name=csv]"); t.value = `+string(b)+`; t.dispatchEvent(new Event("input", {bubbles: true})); return true })()`)
	run(t, ctx, chromedp.Click(chromedp.CSS(`#imp-h ~ .buttons button:first-child`)), css(`table.import`))
	preview := text(t, ctx, "table.import")
	if !strings.Contains(preview, `enumerator "nobody@example.org" is not an enumerator of your team`) {
		t.Fatalf("the preview does not name the bad row's problem:\n%s", preview)
	}
	screenshot(t, ctx, "assignments-preview")
	run(t, ctx, chromedp.Click(chromedp.CSS(`#imp-h ~ .buttons button.primary`)), waitText(".assignments", "2 assignments created, 1 rows not"))
	screenshot(t, ctx, "assignments")
	list := must(t, "GET", "/api/collections/assignments/records?filter="+urlq("a_psu=901")+"&sort=a_dwelling", sup, nil, 200)
	items := list["items"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["a_dwelling"].(float64) != 1 || items[1].(map[string]any)["a_dwelling"].(float64) != 3 {
		t.Fatalf("created assignments: %v", items)
	}
}

// A household sent by a tablet appears in the open table without a reload: pushed with the
// JSON sync API, or sent as ODK Collect sends it (OpenRosa, multipart XML, an app token).
func TestLivePush(t *testing.T) {
	for _, c := range []struct {
		name, shot    string
		seed          int64
		psu, dwelling int
		send          func(t *testing.T, env map[string]any)
	}{
		{"json", "live", 777, 4242, 77, pushJSON},
		{"openrosa", "live-openrosa", 778, 4243, 78, sendOpenRosa},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := browser(t)
			signIn(t, ctx, "sup1@fieldbase.demo")
			run(t, ctx, css(`table.grid tbody a.hh`), waitText(".live", "Live"))
			eval[bool](t, ctx, `window.__marker = 1; true`)
			time.Sleep(500 * time.Millisecond) // the realtime subscription is made
			env := validEnvelope(t, c.seed)
			data := env["data"].(map[string]any)
			data["a_psu"], data["a_dwelling"] = c.psu, c.dwelling
			c.send(t, env)
			run(t, ctx, waitText("table.grid tbody", fmt.Sprintf("%d/%d", c.psu, c.dwelling)))
			if eval[int](t, ctx, `window.__marker || 0`) != 1 {
				t.Fatal("the page was reloaded")
			}
			screenshot(t, ctx, c.shot)
		})
	}
}

func pushJSON(t *testing.T, env map[string]any) {
	tok := srv.login("users", "enum1@fieldbase.demo")
	res := must(t, "POST", "/api/sync/push", tok, map[string]any{"device_id": "live-test", "app_version": "t", "submissions": []any{env}}, 200)
	if r := res["results"].([]any)[0].(map[string]any); r["outcome"] != "created" {
		t.Fatalf("push: %v", r)
	}
}

// sendOpenRosa sends env as enum1's tablet would with ODK Collect: an app token made by the
// superuser, the household as the XForm's instance, one multipart POST.
func sendOpenRosa(t *testing.T, env map[string]any) {
	su := srv.login("_superusers", "admin@fieldbase.demo")
	users := must(t, "GET", "/api/collections/users/records?filter="+urlq("email='enum1@fieldbase.demo'"), su, nil, 200)
	items := users["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("enum1: %v", users)
	}
	enum := items[0].(map[string]any)["id"].(string)
	tok := must(t, "POST", "/api/collections/app_tokens/records", su, map[string]any{"enumerator": enum, "label": "live test"}, 200)["token"].(string)
	f, err := form.Load(schemas.MHS)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="xml_submission_file"; filename="submission.xml"`)
	h.Set("Content-Type", "text/xml")
	part, _ := w.CreatePart(h)
	part.Write(xform.InstanceXML(f, env))
	w.Close()
	req, _ := http.NewRequest("POST", srv.url+"/openrosa/key/"+tok+"/submission", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-OpenRosa-Version", "1.0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("OpenRosa submission: %d %s", res.StatusCode, answer)
	}
}

// An analyst sees approved households and no personal field: no names, no GPS, no evidence.
func TestAnalystNoPersonalData(t *testing.T) {
	an := srv.login("users", "analyst@fieldbase.demo")
	id, _ := firstID(t, an, "")
	su := srv.login("_superusers", "admin@fieldbase.demo")
	rec := must(t, "GET", "/api/collections/submissions/records/"+id, su, nil, 200)
	var pii map[string]any
	switch p := rec["pii"].(type) {
	case map[string]any:
		pii = p
	case string:
		json.Unmarshal([]byte(p), &pii)
	}
	names := []string{}
	if h, _ := pii["a_head_name"].(string); h != "" {
		names = append(names, h)
	}
	for _, m := range asList(pii["members"]) {
		if n, _ := m.(map[string]any)["b_name"].(string); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		t.Fatalf("household %s has no personal answers to look for: %v", id, rec["pii"])
	}
	lat := fmt.Sprint(rec["lat"])
	ctx := browser(t)
	signIn(t, ctx, "analyst@fieldbase.demo")
	run(t, ctx, css(`table.grid tbody a.hh`))
	for _, path := range []string{"/#/submissions", "/#/household/" + id} {
		run(t, ctx, chromedp.Navigate(srv.url+path), css(`main section, main article`), chromedp.Sleep(500*time.Millisecond))
		page := eval[string](t, ctx, `document.body.innerText`)
		for _, n := range names {
			if strings.Contains(page, n) {
				t.Errorf("%s shows the name %q to an analyst", path, n)
			}
		}
		if len(lat) > 5 && strings.Contains(page, lat[:6]) {
			t.Errorf("%s shows the GPS latitude %s to an analyst", path, lat)
		}
		if strings.Contains(page, "Rejected") && path != "/#/submissions" {
			t.Errorf("%s shows a rejected household to an analyst", path)
		}
	}
	screenshot(t, ctx, "analyst-household")
	nav := text(t, ctx, "header nav")
	if strings.Contains(nav, "Assignments") || strings.Contains(nav, "Team quality") {
		t.Errorf("an analyst's menu offers supervisor screens: %q", nav)
	}
	run(t, ctx, chromedp.Navigate(srv.url+"/#/submissions"), css(`table.grid tbody a.hh`))
	if st := text(t, ctx, "table.grid tbody td.c-status"); strings.Trim(strings.ReplaceAll(st, "Approved", ""), "\n") != "" {
		t.Errorf("an analyst's table shows other statuses than approved: %q", st)
	}
	screenshot(t, ctx, "analyst-submissions")
}

// validEnvelope is a valid synthetic household (JSON-decoded, as a device sends it).
func validEnvelope(t *testing.T, seed int64) map[string]any {
	t.Helper()
	var env map[string]any
	synth.Generate(synth.Options{Households: 5, Seed: seed, Today: time.Now()}, func(it synth.Item) error {
		if env == nil && it.Label == "valid" {
			b, _ := json.Marshal(it.Envelope)
			json.Unmarshal(b, &env)
		}
		return nil
	})
	if env == nil {
		t.Fatal("synth gave no valid household")
	}
	return env
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// Every screen by keyboard alone: sign in, move through the list, open, approve, go to the
// other screens, reach their controls with Tab.
func TestKeyboardOnly(t *testing.T) {
	ctx := browser(t)
	run(t, ctx, chromedp.Navigate(srv.url+"/"), css(`input[name=email]`))
	// The email field has the focus: type, Tab, type, Enter.
	run(t, ctx, chromedp.KeyEvent("sup2@fieldbase.demo"), chromedp.KeyEvent("\t"), chromedp.KeyEvent(demoPassword), chromedp.KeyEvent("\r"),
		css(`header.top nav`))
	run(t, ctx, chromedp.Navigate(srv.url+"/#/submissions?status=received"), css(`table.grid tbody a.hh`), chromedp.Sleep(200*time.Millisecond),
		chromedp.KeyEvent("j"))
	if tag := eval[string](t, ctx, `document.activeElement.className`); tag != "hh" {
		t.Fatalf("j did not move the focus to the first household (focus on %q)", tag)
	}
	run(t, ctx, chromedp.KeyEvent("o"), css(`article.household`), css(`.decide button.primary`), chromedp.KeyEvent("a"), waitText(".hh-head", "Approved"))
	screenshot(t, ctx, "keyboard-approved")
	// Each screen: Tab reaches its main controls.
	for _, s := range []struct{ key, path, want string }{{"a", "assignments", "textarea[name=csv]"}, {"q", "quality", "main table a"}, {"s", "submissions", "main table a.hh"}} {
		run(t, ctx, chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent("g"), chromedp.KeyEvent(s.key), until(fmt.Sprintf(`location.hash.startsWith("#/%s")`, s.path)),
			css(s.want), chromedp.Sleep(300*time.Millisecond))
		reached := false
		for i := 0; i < 60 && !reached; i++ {
			run(t, ctx, chromedp.KeyEvent("\t"))
			reached = eval[bool](t, ctx, fmt.Sprintf(`document.activeElement && document.activeElement.matches(%q)`, s.want))
		}
		if !reached {
			t.Errorf("g %s: 60 Tabs never reach %s", s.key, s.want)
		}
		if s.key == "q" {
			run(t, ctx, until(`document.querySelectorAll("figure.chart svg").length >= 3`))
			screenshot(t, ctx, "quality")
		}
		outline := eval[string](t, ctx, `getComputedStyle(document.activeElement).outlineStyle`)
		if outline == "none" {
			t.Errorf("g %s: the focused %s shows no focus outline", s.key, s.want)
		}
	}
	// The help lists the shortcuts.
	run(t, ctx, chromedp.KeyEvent("?"), css(`dialog.help`))
	screenshot(t, ctx, "keyboard-help")
}
