package hooks_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/pocketbase/dbx"
)

// FuzzOpenRosaSubmission sends whatever instance the fuzzer makes to a real server's
// POST /submission, as Collect sends it, and holds the route to its contract for any XML:
// the answer is 201, 400, 404, 409 or 413 (never a server fault), always an
// OpenRosaResponse with a message; a 400, 404 or 413 stores nothing (no submission, no
// member row); a 201 or 409 stores at most the one household (nothing for a resend).
// The seeds are the engine's household and variants of it, hostile ones included.
//
//	go test ./hooks -run '^$' -fuzz FuzzOpenRosaSubmission -fuzztime 60s
func FuzzOpenRosaSubmission(f *testing.F) {
	s := newServer(f)
	base := s.URL + "/openrosa/key/" + appToken(f, s, fx.enumA1)
	engine, _ := engineInstance(f)
	doc := func(id string) string { return string(withInstanceID(engine, id)) }
	f.Add([]byte(doc(uuid.NewString())))
	for _, r := range [][2]string{
		{"<a_psu>", "<evil>1</evil><a_psu>"}, // not a question of the form
		{`id="mhs"`, `id="other"`},           // another form
		{`version="`, `version="9`},          // another version
		{"<instanceID>", "<deprecatedID>uuid:" + uuid.NewString() + "</deprecatedID><instanceID>"}, // an edit of nothing
		{"<data ", "<html "},                                    // the wrong root
		{"<a_gps>", "<a_gps>NaN Inf 1e999 "},                    // not a geopoint
		{"<members>", "<members><members>"},                     // a repeat in a repeat
		{"<instanceID>uuid:", "<instanceID>uuid:zz"},            // an id that is not a UUID
		{"<data ", "<!DOCTYPE data [<!ENTITY e \"x\">]><data "}, // a DTD
	} {
		d := doc(uuid.NewString())
		if !strings.Contains(d, r[0]) {
			f.Fatalf("the engine's instance has no %s", r[0])
		}
		f.Add([]byte(strings.Replace(d, r[0], r[1], 1)))
	}
	f.Add([]byte(`<data id="mhs" version="1"><meta><instanceID>uuid:` + uuid.NewString() + `</instanceID></meta></data>`))
	f.Add([]byte{})
	message := regexp.MustCompile(`<message nature="(error)?">[^<]+</message>`)
	count := func(t *testing.T, collection string) int {
		n, err := s.App.CountRecords(collection, dbx.NewExp("1=1"))
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	f.Fuzz(func(t *testing.T, xmlDoc []byte) {
		subs, members := count(t, "submissions"), count(t, "members")
		body, ct := multipartBody(t, xmlDoc, nil, false)
		a := orRequest(t, "POST", base+"/submission?deviceID=collect%3Afuzz", body, ct, nil)
		if !bytes.Contains(a.body, []byte(`<OpenRosaResponse xmlns="http://openrosa.org/http/response"`)) || !message.Match(a.body) {
			t.Fatalf("%d: not an OpenRosaResponse with a message: %s", a.status, a.body)
		}
		t.Logf("%d %s", a.status, message.Find(a.body))
		dSubs, dMembers := count(t, "submissions")-subs, count(t, "members")-members
		switch a.status {
		case http.StatusCreated, http.StatusConflict:
			if dSubs < 0 || dSubs > 1 {
				t.Fatalf("%d %s: %d submissions more", a.status, a.body, dSubs)
			}
			if dSubs == 0 && dMembers != 0 {
				t.Fatalf("%d %s: no submission but %d member rows more", a.status, a.body, dMembers)
			}
		case http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge:
			if dSubs != 0 || dMembers != 0 {
				t.Fatalf("%d %s: %d submissions and %d member rows stored", a.status, a.body, dSubs, dMembers)
			}
		default:
			t.Fatalf("answered %d: %s", a.status, a.body)
		}
	})
}
