package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"fieldbase/synth"
)

// odkDir is the Node project with ODK's engine; CI runs `npm ci` there (.ci/run).
func odkDir(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs("odk")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@getodk", "xforms-engine")); err != nil {
		t.Fatalf("ODK's XForms engine is not installed in %s: run `bash .ci/run`, or `npm ci` in e2e/odk", dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is not on PATH: run `bash .ci/run` (it installs the real clients the tests drive)")
	}
	return dir
}

// appToken makes an app token for the field's enumerator through the REST API, as a
// superuser does in the admin UI, and returns the base URL Collect is set to.
func (f *field) appTokenURL() string {
	f.t.Helper()
	users := f.must("GET", "/api/collections/users/records?filter="+url.QueryEscape("role='enumerator'"), f.su, nil, 200)
	enum := users["items"].([]any)[0].(map[string]any)["id"].(string)
	rec := f.must("POST", "/api/collections/app_tokens/records", f.su, map[string]any{"enumerator": enum, "label": "tablet 1"}, 200)
	tok, _ := rec["token"].(string)
	if len(tok) < 32 {
		f.t.Fatalf("app token not returned to the superuser: %v", rec)
	}
	return f.url + "/openrosa/key/" + tok
}

// cliTokenURL makes an app token with `fieldbase token add` (the README's way) and returns
// the server URL it prints; the QR code goes to qr.
func (f *field) cliTokenURL(qr string) string {
	f.t.Helper()
	out, err := exec.Command(bin, "token", "add", "--dir", f.dir, "--enumerator", "enum@example.org",
		"--url", f.url, "--label", "tablet 7", "--qr", qr).CombinedOutput()
	if err != nil {
		f.t.Fatalf("fieldbase token add: %v\n%s", err, out)
	}
	_, after, ok := strings.Cut(string(out), "server URL: ")
	if !ok {
		f.t.Fatalf("fieldbase token add printed no server URL:\n%s", out)
	}
	png, err := os.ReadFile(qr)
	if err != nil || !strings.HasPrefix(string(png), "\x89PNG") {
		f.t.Fatalf("no QR code PNG at %s (%v)", qr, err)
	}
	return strings.TrimSpace(after)
}

// collectReport is what collect.mjs prints.
type collectReport struct {
	Error      string
	Download   struct{ HashMatches bool }
	Payload    string `json:"payloadStatus"`
	Violations []string
	XML        string
	Head       struct {
		Status              int
		AcceptContentLength string
	}
	Post, Resend struct {
		Status int
		Body   string
	}
	AnswersSet int
	Data       map[string]any // --generate: the answers the engine made, as fieldbase's JSON
	Files      []struct {     // --generate: the files the engine attached
		Name, MD5, Base64 string
		Size              int
	}
	Manifest []struct {
		Filename    string
		HashMatches bool
	}
}

func runCollect(t *testing.T, dir, base, formID string, household map[string]any, extra ...string) collectReport {
	t.Helper()
	hf := filepath.Join(t.TempDir(), "household.json")
	b, _ := json.Marshal(household)
	os.WriteFile(hf, b, 0o644)
	args := append([]string{"collect.mjs", "--base", base, "--form", formID, "--household", hf}, extra...)
	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	var rep collectReport
	if jerr := json.Unmarshal(out, &rep); jerr != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("collect.mjs: %v %v\n%s\n%s", err, jerr, out, stderr)
	}
	if rep.Error != "" {
		t.Fatalf("collect.mjs: %s", rep.Error)
	}
	return rep
}

// fiveMembers is a synthetic mhs household with 5 members, an emigrant and a foreign-born
// member (so relevance switches on the migration questions).
func fiveMembers(t *testing.T) map[string]any {
	t.Helper()
	var found map[string]any
	err := synth.Generate(synth.Options{Households: 3000, Seed: 15, Today: time.Now()}, func(it synth.Item) error {
		if found != nil || it.Label != "valid" {
			return nil
		}
		b, _ := json.Marshal(it.Envelope)
		var env map[string]any
		json.Unmarshal(b, &env)
		d := env["data"].(map[string]any)
		members, _ := d["members"].([]any)
		emig, _ := d["emigrants"].([]any)
		foreign := false
		for _, m := range members {
			if m.(map[string]any)["c_cob"] != "NPL" {
				foreign = true
			}
		}
		if len(members) == 5 && len(emig) > 0 && foreign {
			found = env
		}
		return nil
	})
	if err != nil || found == nil {
		t.Fatalf("no 5-member household with an emigrant in the synthetic data (%v)", err)
	}
	return found
}

// storedHousehold reads what the server stored for one submission id: the submission's
// fields that a JSON push and an OpenRosa POST must agree on, and its member and emigrant
// rows (the indicator facts included), without record ids and times.
func (f *field) storedHousehold(uuid string) map[string]any {
	f.t.Helper()
	subs := f.must("GET", "/api/collections/submissions/records?filter="+url.QueryEscape("uuid='"+uuid+"'"), f.su, nil, 200)
	items, _ := subs["items"].([]any)
	if len(items) != 1 {
		f.t.Fatalf("%d submissions stored with uuid %s, want 1", len(items), uuid)
	}
	sub := items[0].(map[string]any)
	out := map[string]any{}
	for _, k := range []string{"uuid", "status", "data", "pii", "errors", "warnings", "flags", "facts", "a_psu", "a_dwelling",
		"a_date", "hh_size", "duration_s", "form_id", "version", "a_stratum", "a_region", "a_urban", "a_weight", "device_id",
		"started_at", "completed_at", "content_hash", "lat", "lon", "gps_accuracy", "head_key", "roster_sig"} {
		out[k] = sub[k]
	}
	for _, col := range []string{"members", "emigrants"} {
		rows := f.must("GET", "/api/collections/"+col+"/records?perPage=500&sort=line&filter="+url.QueryEscape("submission='"+sub["id"].(string)+"'"), f.su, nil, 200)
		var clean []any
		for _, r := range rows["items"].([]any) {
			m := r.(map[string]any)
			for _, k := range []string{"id", "submission", "created", "updated", "collectionId", "collectionName"} {
				delete(m, k)
			}
			clean = append(clean, m)
		}
		out[col] = clean
	}
	return out
}

// TestOpenRosaRealClient: ODK's engine fetches the form list and the XForm over HTTP from a
// real server, fills a 5-member mhs household and submits it like Collect; the same
// household pushed through the JSON API to a second server is stored identically.
func TestOpenRosaRealClient(t *testing.T) {
	dir := odkDir(t)
	or := newField(t)
	or.appTokenURL() // a second tablet's token, made through the REST API
	base := or.cliTokenURL(filepath.Join(t.TempDir(), "collect-qr.png"))
	env := fiveMembers(t)
	synth.V2(env, 5) // the form list offers the newest version, mhs v2: the income module answered too
	// A tablet's GPS gives an altitude too (Collect sends "lat lon alt acc").
	env["data"].(map[string]any)["a_gps"].(map[string]any)["altitude"] = 1350.5
	rep := runCollect(t, dir, base, "mhs", env["data"].(map[string]any), "--resend", "yes")
	if !rep.Download.HashMatches || rep.Head.Status != 204 || rep.Head.AcceptContentLength == "" {
		t.Fatalf("form list / HEAD: %+v", rep)
	}
	if rep.Payload != "ready" {
		t.Errorf("the engine says the filled form is not ready to submit (%s): the household breaks a rule of the generated XForm: %v", rep.Payload, rep.Violations)
	}
	if rep.Post.Status != 201 || !strings.Contains(rep.Post.Body, "OpenRosaResponse") {
		t.Fatalf("POST: %d %s", rep.Post.Status, rep.Post.Body)
	}
	if rep.Resend.Status != 201 || !strings.Contains(rep.Resend.Body, "Already received") {
		t.Errorf("identical resend: %d %s", rep.Resend.Status, rep.Resend.Body)
	}
	// The instance the engine made: its id, times and device become the JSON envelope's.
	meta := func(tag string) string {
		i := strings.Index(rep.XML, "<"+tag+">")
		j := strings.Index(rep.XML, "</"+tag+">")
		if i < 0 || j < i {
			t.Fatalf("no <%s> in the engine's submission:\n%s", tag, rep.XML)
		}
		return rep.XML[i+len(tag)+2 : j]
	}
	id := strings.TrimPrefix(meta("instanceID"), "uuid:")
	env["id"] = id
	env["started_at"] = meta("timeStart")
	env["completed_at"] = meta("timeEnd")
	env["device_id"] = meta("deviceID")

	js := newField(t)
	body, _ := json.Marshal(map[string]any{"device_id": env["device_id"], "app_version": "e2e", "submissions": []any{env}})
	js.must("POST", "/api/sync/push", js.enum, body, 200)

	got, want := or.storedHousehold(id), js.storedHousehold(id)
	if got["status"] != "received" && got["status"] != "flagged" {
		t.Errorf("status %v, errors %v", got["status"], got["errors"])
	}
	for k := range want {
		if k == "content_hash" {
			continue // calculates travel as text in XML, as numbers in JSON: the server's values are stored
		}
		if k == "head_key" {
			continue // a keyed digest: each of the two servers has its own secret
		}
		if !reflect.DeepEqual(got[k], want[k]) {
			g, _ := json.Marshal(got[k])
			w, _ := json.Marshal(want[k])
			t.Errorf("%s: OpenRosa stored %s\nJSON push stored %s", k, g, w)
		}
	}
	if n := len(got["members"].([]any)); n != 5 {
		t.Errorf("%d member rows stored, want 5", n)
	}
	if got["facts"] == "" || got["facts"] == nil {
		t.Errorf("no indicator facts stored")
	}
	fmt.Fprintf(os.Stderr, "openrosa e2e: %d answers set through the engine, stored %v\n", rep.AnswersSet, got["status"])
}
