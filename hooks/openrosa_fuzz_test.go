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
// OpenRosaResponse with a message; a 201 stores the one household, and its identical resend
// is answered 201 and stores nothing more; a 400, 404, 409 or 413 stores nothing (no
// submission, no member row).
// The seeds are the engine's household and variants of it, hostile ones included.
//
// Each input meets an empty store, so that what it is answered does not hang on the inputs
// before it: a failure reproduces from its input alone. The daily quota is off for the same
// reason: with it on, the fuzzer's first 200 invalid households, or its first 50 MB of
// answers, would have every later household refused by the quota before it reached the store.
//
//	go test ./hooks -run '^$' -fuzz FuzzOpenRosaSubmission -fuzztime 60s
func FuzzOpenRosaSubmission(f *testing.F) {
	f.Setenv("FIELDBASE_QUOTA_INVALID", "-1")
	f.Setenv("FIELDBASE_QUOTA_BYTES", "-1")
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
	empty := func(t *testing.T) {
		for _, table := range []string{"emigrants", "members", "submissions"} {
			if _, err := s.App.DB().NewQuery("DELETE FROM " + table).Execute(); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.Fuzz(func(t *testing.T, xmlDoc []byte) {
		empty(t)
		subs, members := count(t, "submissions"), count(t, "members")
		body, ct := multipartBody(t, xmlDoc, nil, false)
		a := orRequest(t, "POST", base+"/submission?deviceID=collect%3Afuzz", body, ct, nil)
		if !bytes.Contains(a.body, []byte(`<OpenRosaResponse xmlns="http://openrosa.org/http/response"`)) || !message.Match(a.body) {
			t.Fatalf("%d: not an OpenRosaResponse with a message: %s", a.status, a.body)
		}
		t.Logf("%d %s", a.status, message.Find(a.body))
		dSubs, dMembers := count(t, "submissions")-subs, count(t, "members")-members
		switch a.status {
		case http.StatusCreated:
			// New to an empty store: the one household, and nothing more when it is sent again
			// (Collect resends when it lost the answer).
			if dSubs != 1 {
				t.Fatalf("%d %s: %d submissions stored", a.status, a.body, dSubs)
			}
			body, ct := multipartBody(t, xmlDoc, nil, false)
			again := orRequest(t, "POST", base+"/submission?deviceID=collect%3Afuzz", body, ct, nil)
			if again.status != http.StatusCreated || !bytes.Contains(again.body, []byte("Already received")) {
				t.Fatalf("the resend of a household received was answered %d: %s", again.status, again.body)
			}
			if n, m := count(t, "submissions")-subs, count(t, "members")-members; n != dSubs || m != dMembers {
				t.Fatalf("the resend stored %d submissions and %d member rows more", n-dSubs, m-dMembers)
			}
		case http.StatusConflict, http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge:
			// A conflict needs a household stored before, and the store is empty: a 409 here is
			// a closed form, which stores nothing, as a refusal does.
			if dSubs != 0 || dMembers != 0 {
				t.Fatalf("%d %s: %d submissions and %d member rows stored", a.status, a.body, dSubs, dMembers)
			}
		default:
			t.Fatalf("answered %d: %s", a.status, a.body)
		}
	})
}
