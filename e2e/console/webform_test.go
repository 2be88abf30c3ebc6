package console

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// appBase makes an app token for a demo enumerator with the CLI, as an administrator
// does, and returns the OpenRosa base URL it prints.
func appBase(t *testing.T, email string) string {
	t.Helper()
	out, err := exec.Command(bin, "token", "add", "--enumerator", email, "--url", srv.url, "--dir", dataDir, "--label", "web form").CombinedOutput()
	if err != nil {
		t.Fatalf("token add: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`server URL: (\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("token add printed no server URL:\n%s", out)
	}
	return string(m[1])
}

// question is JavaScript for the element of the nth question (from 0) labelled label: the
// nearest ancestor of its label that holds an element matching sel, and that element.
func question(label, sel string, nth ...int) string {
	n := 0
	if len(nth) > 0 {
		n = nth[0]
	}
	return fmt.Sprintf(`(() => {
		const l = [...document.querySelectorAll('.odk-form label')].filter(l => l.innerText.trim() === %q)[%d];
		let c = l;
		while (c && !c.querySelector(%q)) c = c.parentElement;
		return c && c.querySelector(%q);
	})()`, label, n, sel, sel)
}

// answer types v into the text or number input of the (nth) question labelled label.
func answer(label, v string, nth ...int) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.JSPath(question(label, `input.p-inputtext`, nth...)), v)
}

// pick clicks the choice with this value of the (nth) question labelled label.
func pick(label, value string, nth ...int) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.JSPath(question(label, fmt.Sprintf(`input[type=radio][id$="_%s"], input[type=checkbox][id$="_%s"]`, value, value), nth...)))
}

// send presses Send and waits for the server's answer.
func send(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	run(t, ctx,
		chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Send')`)),
		until(fmt.Sprintf(`window.fieldbaseWebForm.sent.length >= %d`, n)),
	)
}

// fillCover answers the cover page of mhs: the PSU, dwelling, design, date and consent.
func fillCover(psu, consent string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		answer("PSU number", psu),
		answer("Dwelling number", "7"),
		pick("Stratum", "R1U"),
		pick("Region", "R1"),
		pick("Urban or rural area", "U"),
		answer("Design weight (preloaded from the assignment)", "1.5"),
		// PrimeVue's date picker takes a typed date in its own format (mm/dd/yyyy).
		chromedp.SendKeys(chromedp.JSPath(question("Date of interview", `input.p-datepicker-input`)), time.Now().Format("01/02/2006")+"\t"),
		pick("Does the household agree to be interviewed?", consent),
	}
}

// openWebForm opens the web form of mhs for the enumerator and waits for its cover page.
func openWebForm(t *testing.T, ctx context.Context, email string) {
	t.Helper()
	run(t, ctx,
		chromedp.Navigate(srv.url+"/webform.html#base="+appBase(t, email)+"&form=mhs"),
		chromedp.WaitReady(chromedp.CSS(`.form-initialization-status.ready`)),
		waitText(`.odk-form`, "Does the household agree to be interviewed?"),
	)
}

// stored reads back the one household of this PSU, as a superuser.
func stored(t *testing.T, psu int) map[string]any {
	t.Helper()
	su := srv.login("_superusers", "admin@fieldbase.demo")
	list := must(t, "GET", "/api/collections/submissions/records?perPage=5&sort=-created&filter="+urlq(fmt.Sprintf("a_psu=%d", psu)), su, nil, 200)
	items, _ := list["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("%d households stored with PSU %d, want 1: %v", len(items), psu, list)
	}
	return items[0].(map[string]any)
}

// TestWebFormFillsAndSends: an enumerator opens fieldbase's web form (ODK Web Forms,
// unmodified, served from the binary) with the OpenRosa URL of an app token, fills a
// household of the current mhs version through its screens (numbers typed, choices clicked,
// a date typed, consent refused so that relevance hides the rest) and presses Send. The
// server answers 201 with the message Collect would show, the household is stored with
// what was typed and nothing of the hidden questions, and the form starts again blank for the
// next household.
func TestWebFormFillsAndSends(t *testing.T) {
	ctx := browser(t)
	openWebForm(t, ctx, "enum1@fieldbase.demo")
	run(t, ctx, fillCover("912", "no")...)
	run(t, ctx, until(`!document.querySelector('.odk-form').innerText.includes('Name of the head of household')`))
	screenshot(t, ctx, "webform-filled")
	if v := eval[string](t, ctx, `document.title`); !strings.Contains(v, "Migration and development household survey") {
		t.Errorf("the page's title is %q, not the survey's", v)
	}
	send(t, ctx, 1)
	run(t, ctx, waitText(`#status`, "Received"))
	screenshot(t, ctx, "webform-sent")
	sent := eval[string](t, ctx, `JSON.stringify(window.fieldbaseWebForm)`)
	if !strings.Contains(sent, `"status":201`) || !strings.Contains(sent, "Received: thank you") {
		t.Fatalf("the web form's send: %s", sent)
	}
	// A blank form for the next household.
	run(t, ctx, until(question("PSU number", `input.p-inputtext`)+`.value === ''`))

	sub := stored(t, 912)
	data, _ := sub["data"].(map[string]any)
	me := must(t, "GET", "/api/collections/users/records?filter="+urlq("email='enum1@fieldbase.demo'"), srv.login("_superusers", "admin@fieldbase.demo"), nil, 200)
	enum1 := me["items"].([]any)[0].(map[string]any)["id"]
	if d, _ := sub["device_id"].(string); !strings.HasPrefix(d, "webforms:") {
		t.Errorf("device %q, want the web form's webforms:<id>", d)
	}
	if sub["enumerator"] != enum1 || sub["form_id"] != "mhs" || sub["version"] != float64(2) {
		t.Errorf("stored as enumerator %v, form %v version %v; want %v, mhs, 2", sub["enumerator"], sub["form_id"], sub["version"], enum1)
	}
	if st := sub["status"]; st != "received" && st != "flagged" {
		t.Errorf("status %v (errors %v)", st, sub["errors"])
	}
	if data["a_psu"] != float64(912) || data["a_dwelling"] != float64(7) || data["a_weight"] != 1.5 ||
		data["a_stratum"] != "R1U" || data["a_region"] != "R1" || data["a_urban"] != "U" || data["a_consent"] != "no" ||
		data["a_date"] != time.Now().Format("2006-01-02") {
		t.Errorf("stored answers: %v", data)
	}
	for _, hidden := range []string{"a_head_name", "a_hh_size", "members", "d_any", "e_any"} {
		if _, ok := data[hidden]; ok {
			t.Errorf("%s is stored though consent was refused: %v", hidden, data[hidden])
		}
	}
}

// TestWebFormHouseholdWithRoster: a consenting household through the web form's screens:
// the roster's one member made by jr:count from the household size, the questions her age
// and history make relevant, a select_multiple, and an emigrant in the second repeat. What
// is stored is what was clicked, with the member and the emigrant as rows of their own.
func TestWebFormHouseholdWithRoster(t *testing.T) {
	ctx := browser(t)
	openWebForm(t, ctx, "enum1@fieldbase.demo")
	run(t, ctx, fillCover("913", "yes")...)
	run(t, ctx,
		waitText(`.odk-form`, "Name of the head of household"),
		answer("Name of the head of household", "Maya Gurung"),
		answer("Number of household members", "1"),
		waitText(`.odk-form`, "Relationship to the head"),
		answer("Name", "Maya Gurung"),
		pick("Relationship to the head", "1"),
		pick("Sex", "2"),
		answer("Age in completed years", "40"),
		pick("Country of birth", "NPL"),
		pick("Citizenship", "1"),
		waitText(`.odk-form`, "Has lived abroad"),
		pick("Has lived abroad", "no"),
		pick("Worked in the last 7 days", "no"),
		waitText(`.odk-form`, "Has a job but was temporarily absent"),
		pick("Has a job but was temporarily absent", "no"),
		waitText(`.odk-form`, "Looked for work in the last 4 weeks"),
		pick("Looked for work in the last 4 weeks", "no"),
		pick("Available to start work within 2 weeks", "yes"),
		pick("Social protection benefits received", "none"),
		pick("Contributes to a pension scheme", "no"),
		pick("Covered by health insurance", "yes"),
		pick("Has an account at a bank or financial institution", "yes"),
		pick("Has a mobile money account", "no"),
		pick("Difficulty seeing", "2"),
		pick("Difficulty hearing", "1"),
		pick("Difficulty walking or climbing steps", "1"),
		pick("Difficulty remembering or concentrating", "1"),
		pick("Difficulty with self-care", "1"),
		pick("Difficulty communicating", "1"),
		pick("Any member left to live abroad in the last 5 years", "yes"),
		waitText(`.odk-form`, "Number of former members now living abroad"),
		answer("Number of former members now living abroad", "1"),
		waitText(`.odk-form`, "Main reason for leaving"),
		pick("Sex", "1", 1),
		answer("Age in completed years", "24", 1),
		pick("Country of residence now", "QAT"),
		answer("Year left the household", fmt.Sprint(time.Now().Year()-1)),
		pick("Main reason for leaving", "work"),
		pick("Received money from abroad in the last 12 months", "no"),
		answer("Net income of the household's non-farm enterprises, last month (local currency)", "0"),
		answer("Net farm income, average month of the last 12 (local currency)", "12000"),
		answer("Pensions and social-protection transfers received, last month (local currency)", "0"),
		answer("Rent, interest and other income, last month (local currency)", "0"),
		waitText(`.odk-form`, "Line number of the respondent"),
		answer("Line number of the respondent", "1"),
		waitText(`.odk-form`, "Grounds of discrimination felt in the last 12 months"),
		pick("Grounds of discrimination felt in the last 12 months", "none"),
	)
	screenshot(t, ctx, "webform-roster")
	send(t, ctx, 1)
	if sent := eval[string](t, ctx, `JSON.stringify(window.fieldbaseWebForm.sent)`); !strings.Contains(sent, `"status":201`) {
		t.Fatalf("the web form's send: %s\npage: %.1500s", sent, eval[string](t, ctx, `document.body.innerText`))
	}
	sub := stored(t, 913)
	data, _ := sub["data"].(map[string]any)
	if st := sub["status"]; st != "received" && st != "flagged" {
		t.Errorf("status %v (errors %v)", st, sub["errors"])
	}
	members, _ := data["members"].([]any)
	emigrants, _ := data["emigrants"].([]any)
	if len(members) != 1 || len(emigrants) != 1 {
		t.Fatalf("%d members and %d emigrants stored, want 1 and 1: %v", len(members), len(emigrants), data)
	}
	m := members[0].(map[string]any)
	t.Logf("stored %s: status %s, %d answers of the member, emigrant %v", sub["id"], sub["status"], len(m), emigrants[0])
	want := map[string]any{"b_rel": "1", "b_sex": "2", "b_age": float64(40), "c_cob": "NPL", "c_cit": "1", "c_abroad": "no",
		"g_work7": "no", "g_absent": "no", "g_seek4": "no", "g_avail": "yes", "h_benefit": []any{"none"}, "j_ins": "yes",
		"k_acct": "yes", "k_mm": "no", "n_see": "2", "n_hear": "1"}
	for k, v := range want {
		if fmt.Sprint(m[k]) != fmt.Sprint(v) {
			t.Errorf("member %s = %v, want %v", k, m[k], v)
		}
	}
	for _, hidden := range []string{"f_first", "c_arr_year", "i_ever", "g_status"} {
		if _, ok := m[hidden]; ok {
			t.Errorf("member %s stored though not relevant: %v", hidden, m[hidden])
		}
	}
	e := emigrants[0].(map[string]any)
	if e["d_sex"] != "1" || e["d_age"] != float64(24) || e["d_country"] != "QAT" || e["d_reason"] != "work" {
		t.Errorf("emigrant: %v", e)
	}
	if data["d_any"] != "yes" || data["e_any"] != "no" || data["n_farm"] != float64(12000) || fmt.Sprint(data["l_12m"]) != "[none]" {
		t.Errorf("household answers: %v", data)
	}
	// The rows the indicators read: one member and one emigrant of this household.
	su := srv.login("_superusers", "admin@fieldbase.demo")
	for coll, n := range map[string]int{"members": 1, "emigrants": 1} {
		rows := must(t, "GET", "/api/collections/"+coll+"/records?perPage=5&filter="+urlq("submission='"+sub["id"].(string)+"'"), su, nil, 200)
		if got := len(rows["items"].([]any)); got != n {
			t.Errorf("%d %s rows of the household, want %d", got, coll, n)
		}
	}
}

// TestWebFormCorrectsARejectedHousehold: a household sent from the web form is rejected
// by the team's supervisor with a note; the web form then lists it with the note, opens it
// in ODK Web Forms' edit mode with its answers, and the corrected household it sends
// (meta/deprecatedID = the rejected one's instanceID) is stored as the correction: the
// rejected one superseded, the new one linked to it with the corrected answer.
func TestWebFormCorrectsARejectedHousehold(t *testing.T) {
	ctx := browser(t)
	openWebForm(t, ctx, "enum1@fieldbase.demo")
	run(t, ctx, fillCover("914", "no")...)
	send(t, ctx, 1)
	first := stored(t, 914)
	sup := srv.login("users", "sup1@fieldbase.demo")
	note := "The PSU is 915, not 914: correct it and send again."
	must(t, "POST", "/api/submissions/"+first["id"].(string)+"/review", sup, map[string]any{"action": "reject", "note": note}, 200)

	openWebForm(t, ctx, "enum1@fieldbase.demo")
	run(t, ctx, waitText(`#rejected`, note))
	if list := text(t, ctx, "#rejected"); !strings.Contains(list, "PSU 914, dwelling 7") {
		t.Fatalf("the households sent back: %q", list)
	}
	screenshot(t, ctx, "webform-rejected-list")
	run(t, ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#rejected a[data-instance=%q]`, first["uuid"]))),
		waitText(`#status`, "Correcting the household"),
		waitText(`#status`, note),
		chromedp.WaitReady(chromedp.CSS(`.form-initialization-status.ready`)),
		until(question("PSU number", `input.p-inputtext`)+`.value === '914'`),
	)
	if v := eval[string](t, ctx, question("Dwelling number", `input.p-inputtext`)+`.value`); v != "7" {
		t.Errorf("the household opened for correction has dwelling %q, want its answer 7", v)
	}
	run(t, ctx, answer("PSU number", "\b\b\b915"), until(question("PSU number", `input.p-inputtext`)+`.value === '915'`))
	screenshot(t, ctx, "webform-correcting")
	send(t, ctx, 1)
	if sent := eval[string](t, ctx, `JSON.stringify(window.fieldbaseWebForm.sent)`); !strings.Contains(sent, `"status":201`) {
		t.Fatalf("the correction's send: %s", sent)
	}
	fixed := stored(t, 915)
	su := srv.login("_superusers", "admin@fieldbase.demo")
	old := must(t, "GET", "/api/collections/submissions/records/"+first["id"].(string), su, nil, 200)
	if fixed["supersedes"] != first["id"] || old["status"] != "superseded" || old["superseded_by"] != fixed["id"] {
		t.Errorf("correction %v supersedes %v; the rejected one is %v, superseded by %v", fixed["id"], fixed["supersedes"], old["status"], old["superseded_by"])
	}
	if fixed["uuid"] == first["uuid"] {
		t.Errorf("the correction kept the rejected one's instanceID %v", fixed["uuid"])
	}
	data, _ := fixed["data"].(map[string]any)
	if data["a_dwelling"] != float64(7) || data["a_consent"] != "no" || data["a_weight"] != 1.5 {
		t.Errorf("the corrected household's other answers: %v", data)
	}
}

// TestWebFormRejectedIsOwn: the rejected-household routes show an enumerator only their own:
// another enumerator's rejected household reads as absent.
func TestWebFormRejectedIsOwn(t *testing.T) {
	su := srv.login("_superusers", "admin@fieldbase.demo")
	list := must(t, "GET", "/api/collections/submissions/records?perPage=1&filter="+urlq("status='rejected'"), su, nil, 200)
	items, _ := list["items"].([]any)
	if len(items) == 0 {
		t.Fatal("the demo data has no rejected household to try the routes on")
	}
	r := items[0].(map[string]any)
	owner := must(t, "GET", "/api/collections/users/records/"+r["enumerator"].(string), su, nil, 200)
	other := "enum1@fieldbase.demo"
	if owner["email"] == other {
		other = "enum2@fieldbase.demo"
	}
	get := func(base, path string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("X-OpenRosa-Version", "1.0")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	own := appBase(t, owner["email"].(string))
	if code, body := get(own, "/rejected/uuid:"+r["uuid"].(string)); code != 200 || !strings.Contains(body, "uuid:"+r["uuid"].(string)) {
		t.Errorf("its enumerator's GET rejected/<id>: %d %.300s", code, body)
	}
	if code, body := get(own, "/rejected"); code != 200 || !strings.Contains(body, r["uuid"].(string)) {
		t.Errorf("its enumerator's GET rejected: %d %.300s", code, body)
	}
	stranger := appBase(t, other)
	if code, body := get(stranger, "/rejected/"+r["uuid"].(string)); code != 404 || strings.Contains(body, r["uuid"].(string)) {
		t.Errorf("another enumerator's GET rejected/<id>: %d %.300s", code, body)
	}
	if _, body := get(stranger, "/rejected"); strings.Contains(body, r["uuid"].(string)) {
		t.Errorf("another enumerator's list shows it: %.300s", body)
	}
}

// TestWebFormRefusesABadToken: the page with a revoked or mistyped token, without its
// address's parameters, for a form not on the server or for someone else's household says
// so, and shows no form.
func TestWebFormRefusesABadToken(t *testing.T) {
	ctx := browser(t)
	base := appBase(t, "enum2@fieldbase.demo")
	for _, c := range []struct{ hash, says string }{
		{"#base=" + srv.url + "/openrosa/key/NOTATOKEN&form=mhs", "refused the form list (403)"},
		{"", "This page needs #base="},
		{"#base=" + base + "&form=nosuch", "Form nosuch is not on this server's list for you."},
		{"#base=" + base + "&form=mhs&version=2&edit=" + "00000000-0000-4000-8000-000000000000", "The household to correct cannot be opened (404): no household of yours sent back for correction has this id"},
	} {
		run(t, ctx,
			// From another page: a change of the fragment alone would not load the page again.
			chromedp.Navigate("about:blank"),
			chromedp.Navigate(srv.url+"/webform.html"+c.hash),
			waitText(`#status.error`, c.says),
		)
		if n := eval[int](t, ctx, `document.querySelectorAll('.odk-form').length`); n != 0 {
			t.Errorf("%q: %d forms shown", c.hash, n)
		}
	}
}
