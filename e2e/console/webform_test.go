package console

import (
	"fmt"
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

// question is JavaScript for the element of the question labelled label: the nearest
// ancestor of its label that holds an input of the kind sel.
func question(label, sel string) string {
	return fmt.Sprintf(`(() => {
		const l = [...document.querySelectorAll('.odk-form label')].find(l => l.innerText.replace(/^\*/, '').trim().startsWith(%q));
		let c = l;
		while (c && !c.querySelector(%q)) c = c.parentElement;
		return c && c.querySelector(%q);
	})()`, label, sel, sel)
}

// answer types v into the text or number input of the question labelled label.
func answer(label, v string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.JSPath(question(label, `input.p-inputtext`)), v)
}

// pick clicks the choice with this value of the question labelled label.
func pick(label, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.JSPath(question(label, fmt.Sprintf(`input[type=radio][id$="_%s"], input[type=checkbox][id$="_%s"]`, value, value))))
}

// TestWebFormFillsAndSends: an enumerator opens fieldbase's web form (ODK Web Forms,
// unmodified, served from the binary) with the OpenRosa URL of an app token, fills a
// household of the current mhs version through its screens (numbers typed, choices clicked,
// a date typed, consent refused so that relevance hides the rest) and presses Send. The
// server answers 201 with the message Collect would show, the household is stored with
// what was typed and nothing of the hidden questions, and the form starts again blank for the
// next household.
func TestWebFormFillsAndSends(t *testing.T) {
	base := appBase(t, "enum1@fieldbase.demo")
	ctx := browser(t)
	run(t, ctx,
		chromedp.Navigate(srv.url+"/webform.html#base="+base+"&form=mhs"),
		chromedp.WaitReady(chromedp.CSS(`.form-initialization-status.ready`)),
		waitText(`.odk-form`, "Does the household agree to be interviewed?"),
		answer("PSU number", "912"),
		answer("Dwelling number", "7"),
		pick("Stratum", "R1U"),
		pick("Region", "R1"),
		pick("Urban or rural", "U"),
		answer("Design weight", "1.5"),
		// PrimeVue's date picker takes a typed date in its own format (mm/dd/yyyy).
		chromedp.SendKeys(chromedp.JSPath(question("Date of interview", `input.p-datepicker-input`)), time.Now().Format("01/02/2006")+"\t"),
		pick("Does the household agree", "no"),
		until(`!document.querySelector('.odk-form').innerText.includes('Name of the household head')`),
	)
	screenshot(t, ctx, "webform-filled")
	if v := eval[string](t, ctx, `document.title`); !strings.Contains(v, "Migration and development household survey") {
		t.Errorf("the page's title is %q, not the survey's", v)
	}
	run(t, ctx,
		chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Send')`)),
		until(`window.fieldbaseWebForm.sent.length > 0`),
		waitText(`#status`, "Received"),
	)
	screenshot(t, ctx, "webform-sent")
	sent := eval[string](t, ctx, `JSON.stringify(window.fieldbaseWebForm)`)
	if !strings.Contains(sent, `"status":201`) || !strings.Contains(sent, "Received: thank you") {
		t.Fatalf("the web form's send: %s", sent)
	}
	// A blank form for the next household.
	run(t, ctx, until(question("PSU number", `input.p-inputtext`)+`.value === ''`))

	su := srv.login("_superusers", "admin@fieldbase.demo")
	list := must(t, "GET", "/api/collections/submissions/records?perPage=5&sort=-created&filter="+urlq("a_psu=912"), su, nil, 200)
	items, _ := list["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("%d households stored from the web form with PSU 912, want 1: %v", len(items), list)
	}
	sub := items[0].(map[string]any)
	data, _ := sub["data"].(map[string]any)
	me := must(t, "GET", "/api/collections/users/records?filter="+urlq("email='enum1@fieldbase.demo'"), su, nil, 200)
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

// TestWebFormRefusesABadToken: the page with a revoked or mistyped token says so, and
// shows no form.
func TestWebFormRefusesABadToken(t *testing.T) {
	ctx := browser(t)
	run(t, ctx,
		chromedp.Navigate(srv.url+"/webform.html#base="+srv.url+"/openrosa/key/NOTATOKEN&form=mhs"),
		waitText(`#status.error`, "refused the form list (403)"),
	)
	if n := eval[int](t, ctx, `document.querySelectorAll('.odk-form').length`); n != 0 {
		t.Errorf("%d forms shown with a bad token", n)
	}
}
