package hooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Strings that break a query built by concatenation (SQL, PocketBase filters, JSON paths).
var injections = []string{
	`'; DROP TABLE submissions; --`,
	`" OR 1=1 --`,
	`') || (1=1`,
	`x' || id != '`,
	`{:e}`,
	`%' OR '%'='`,
	`@request.auth.id != ''`,
	`$(rm -rf /)`,
}

// mapStrings returns a deep copy of v with every string replaced by f(s) and every
// other leaf by g(leaf) (nil g keeps it).
func mapLeaves(v any, f func(string) any, g func(any) any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			out[k] = mapLeaves(vv, f, g)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = mapLeaves(vv, f, g)
		}
		return out
	case string:
		return f(x)
	default:
		if g != nil {
			return g(x)
		}
		return x
	}
}

// wrongType swaps every answer for a value of another JSON type, keeping repeats as arrays
// of rows so each row's answers are checked too.
func wrongTypes(d map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range d {
		switch x := v.(type) {
		case string:
			out[k] = 7
		case float64, int:
			out[k] = fmt.Sprint(x) // numbers as strings
		case bool:
			out[k] = "true"
		case []any:
			if len(x) > 0 {
				if _, rows := x[0].(map[string]any); rows {
					nr := make([]any, len(x))
					for i, r := range x {
						nr[i] = wrongTypes(r.(map[string]any))
					}
					out[k] = nr
					continue
				}
			}
			out[k] = map[string]any{"not": "a list"}
		case map[string]any:
			out[k] = []any{1, 2}
		default:
			out[k] = "?"
		}
	}
	return out
}

// TestBadInputCorpus sends malformed, hostile and oversized requests to every write route:
// each gets a clear 4xx JSON error and changes no data.
func TestBadInputCorpus(t *testing.T) {
	s := newServer(t)
	hh := households(t, 1, 901)[0]
	good, _ := json.Marshal(push(hh))
	enumRec, _ := s.App.FindRecordById("users", fx.enumA1)
	suRec, _ := s.App.FindRecordById("_superusers", fx.superuser)
	tok := fx.tok["enumA1"]

	deep := func(depth int, open, close string) string {
		return `{"submissions": [` + strings.Repeat(open, depth) + strings.Repeat(close, depth) + `]}`
	}
	many := make([]any, 10000)
	for i := range many {
		many[i] = map[string]any{"id": newID()}
	}
	verification, _ := enumRec.NewVerificationToken()
	parts := strings.Split(tok, ".")
	var claims map[string]any
	pb, _ := base64URLDecode(parts[1])
	json.Unmarshal(pb, &claims)
	claims["id"] = fx.supA // payload edited, signature kept

	type body struct {
		r io.Reader
		n int64 // Content-Length; -1 = chunked
	}
	str := func(s string) body { return body{strings.NewReader(s), int64(len(s))} }
	js := func(v any) body {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return body{bytes.NewReader(b), int64(len(b))}
	}
	big := func(n int64, chunked bool) body {
		r := &patternReader{prefix: []byte(`{"device_id": "x", "submissions": [{"id": "`), pattern: []byte("a"), n: n}
		if chunked {
			return body{r, -1}
		}
		return body{r, n}
	}
	cases := []struct {
		name, method, path string
		token              string
		body               body
		code               int
		want               string
	}{
		// not JSON, or JSON of the wrong shape
		{"push: not JSON", "POST", "/api/sync/push", tok, str("hello"), 400, "not JSON"},
		{"push: truncated JSON", "POST", "/api/sync/push", tok, str(string(good[:len(good)/2])), 400, "not JSON"},
		{"push: empty body", "POST", "/api/sync/push", tok, str(""), 400, "not JSON"},
		{"push: array", "POST", "/api/sync/push", tok, str(`[{"submissions": []}]`), 400, "JSON object"},
		{"push: string", "POST", "/api/sync/push", tok, str(`"submissions"`), 400, "JSON object"},
		{"push: null", "POST", "/api/sync/push", tok, str(`null`), 400, "JSON object"},
		{"push: number", "POST", "/api/sync/push", tok, str(`42`), 400, "JSON object"},
		{"push: no submissions", "POST", "/api/sync/push", tok, str(`{"device_id": "t1"}`), 400, "submissions"},
		{"push: submissions null", "POST", "/api/sync/push", tok, str(`{"submissions": null}`), 400, "submissions"},
		// wrong types everywhere
		{"push: submissions object", "POST", "/api/sync/push", tok, str(`{"submissions": {"id": "x"}}`), 400, "wrong type"},
		{"push: submissions string", "POST", "/api/sync/push", tok, str(`{"submissions": "all"}`), 400, "wrong type"},
		{"push: device_id number", "POST", "/api/sync/push", tok, str(`{"device_id": 5, "submissions": []}`), 400, "device_id"},
		{"push: app_version array", "POST", "/api/sync/push", tok, str(`{"app_version": [], "submissions": []}`), 400, "app_version"},
		// NaN and Infinity are not JSON
		{"push: NaN", "POST", "/api/sync/push", tok, str(`{"submissions": [{"id": "` + newID() + `", "version": NaN}]}`), 400, "not JSON"},
		{"push: Infinity", "POST", "/api/sync/push", tok, str(`{"submissions": [{"id": "` + newID() + `", "data": {"a_weight": Infinity}}]}`), 400, "not JSON"},
		{"push: -Infinity", "POST", "/api/sync/push", tok, str(`{"submissions": [], "x": -Infinity}`), 400, "not JSON"},
		// bytes that are not text
		{"push: invalid UTF-8", "POST", "/api/sync/push", tok, str("{\"device_id\": \"\xc3\x28\", \"submissions\": []}"), 400, "UTF-8"},
		{"push: raw NUL in a string", "POST", "/api/sync/push", tok, str("{\"device_id\": \"a\x00b\", \"submissions\": []}"), 400, "not JSON"},
		{"push: raw NUL outside strings", "POST", "/api/sync/push", tok, str("{\"submissions\": []}\x00"), 400, "not JSON"},
		// nesting and size
		{"push: nested arrays 100k deep", "POST", "/api/sync/push", tok, str(deep(100000, "[", "]")), 400, "not JSON"},
		{"push: nested objects 20k deep", "POST", "/api/sync/push", tok, str(deep(20000, `{"a":`, "}")[:len(deep(20000, `{"a":`, "}"))-2] + "1}]}"), 400, "not JSON"},
		{"push: 100 MB (Content-Length)", "POST", "/api/sync/push", tok, big(100<<20, false), 413, "too large"},
		{"push: 100 MB (chunked)", "POST", "/api/sync/push", tok, big(100<<20, true), 413, "too large"},
		{"push: 17 MB (chunked)", "POST", "/api/sync/push", tok, big(17<<20, true), 413, "too large"},
		{"push: 10,000 submissions", "POST", "/api/sync/push", tok, js(push(many...)), 413, "at most 500"},
		// tokens
		{"push: no token", "POST", "/api/sync/push", "", body{bytes.NewReader(good), int64(len(good))}, 401, "auth token"},
		{"push: garbage token", "POST", "/api/sync/push", "Bearer x.y.z", body{bytes.NewReader(good), int64(len(good))}, 401, "auth token"},
		{"push: expired token", "POST", "/api/sync/push", signToken(authClaims(enumRec, time.Now().Add(-time.Minute)), signingKey(enumRec)), body{bytes.NewReader(good), int64(len(good))}, 401, "auth token"},
		{"push: forged signature", "POST", "/api/sync/push", signToken(authClaims(enumRec, time.Now().Add(time.Hour)), "not the key"), body{bytes.NewReader(good), int64(len(good))}, 401, "auth token"},
		{"push: payload edited", "POST", "/api/sync/push", parts[0] + "." + base64URLEncode(mustJSON(claims)) + "." + parts[2], body{bytes.NewReader(good), int64(len(good))}, 401, "auth token"},
		{"push: alg none", "POST", "/api/sync/push", base64URLEncode([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".", body{bytes.NewReader(good), int64(len(good))}, 401, "auth token"},
		{"push: verification token", "POST", "/api/sync/push", verification, body{bytes.NewReader(good), int64(len(good))}, 401, "auth token"},
		{"push: superuser token signed as a user", "POST", "/api/sync/push", signToken(authClaims(suRec, time.Now().Add(time.Hour)), signingKey(enumRec)), body{bytes.NewReader(good), int64(len(good))}, 401, "auth token"},
		// review routes
		{"review: not JSON", "POST", "/api/submissions/x/review", fx.tok["supA"], str("approve"), 400, "not JSON"},
		{"review: action number", "POST", "/api/submissions/x/review", fx.tok["supA"], str(`{"action": 1}`), 400, "action"},
		{"review: huge note", "POST", "/api/submissions/x/review", fx.tok["supA"], js(map[string]any{"action": "reject", "note": strings.Repeat("n", 100<<10)}), 413, "too large"},
		{"review: invalid UTF-8", "POST", "/api/submissions/x/review", fx.tok["supA"], str("{\"action\": \"reject\", \"note\": \"\xff\"}"), 400, "UTF-8"},
		{"review: injection id", "POST", "/api/submissions/" + url.PathEscape(injections[0]) + "/review", fx.tok["supA"], js(map[string]any{"action": "approve"}), 404, "no submission"},
		{"bulk: ids not strings", "POST", "/api/review/bulk", fx.tok["supA"], str(`{"action": "approve", "ids": [1, 2]}`), 400, "ids"},
		{"bulk: ids object", "POST", "/api/review/bulk", fx.tok["supA"], str(`{"action": "approve", "ids": {"a": 1}}`), 400, "ids"},
		{"bulk: 10,000 ids", "POST", "/api/review/bulk", fx.tok["supA"], js(map[string]any{"action": "approve", "ids": make([]string, 10000)}), 413, "at most 500"},
		{"bulk: NaN", "POST", "/api/review/bulk", fx.tok["supA"], str(`{"action": "approve", "ids": [NaN]}`), 400, "not JSON"},
		{"bulk: unknown action", "POST", "/api/review/bulk", fx.tok["supA"], str(`{"action": "delete", "ids": ["x"]}`), 400, "approve or reject"},
		// PocketBase's record API
		{"record API: create submission as enumerator", "POST", "/api/collections/submissions/records", tok, js(map[string]any{"uuid": newID(), "form_id": "mhs", "status": "approved"}), 403, "superusers"},
		{"record API: not JSON", "PATCH", "/api/collections/users/records/" + fx.enumA1, tok, str("{name"), 400, ""},
		{"record API: role as a number", "PATCH", "/api/collections/users/records/" + fx.enumA1, tok, str(`{"role": 1}`), 404, ""},
		{"record API: auth with NaN", "POST", "/api/collections/users/auth-with-password", "", str(`{"identity": NaN}`), 400, ""},
		{"record API: auth with wrong types", "POST", "/api/collections/users/auth-with-password", "", str(`{"identity": ["a"], "password": {}}`), 400, ""},
		{"record API: auth with injection", "POST", "/api/collections/users/auth-with-password", "", js(map[string]any{"identity": "enumA1@example.org' OR '1'='1", "password": "' OR 1=1 --"}), 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, s)
			code, raw := s.rawRequest(c.method, c.path, c.token, nil, c.body.r, c.body.n)
			if code != c.code {
				t.Fatalf("got %d %.300s, want %d", code, raw, c.code)
			}
			if err := jsonError(raw, c.code); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.ToLower(string(raw)), strings.ToLower(c.want)) {
				t.Errorf("message does not name the problem (want %q): %.300s", c.want, raw)
			}
			if d := diff(before, snapshot(t, s)); d != "" {
				t.Errorf("a refused request wrote: %s", d)
			}
		})
	}
}

// TestBadSubmissionItems pushes hostile items inside a batch: each gets its own result,
// refused (nothing stored) or created as invalid (kept for a person to look at, per sync.md),
// and whatever is stored can still be reviewed and read back as valid JSON.
func TestBadSubmissionItems(t *testing.T) {
	s := newServer(t)
	base := households(t, 40, 902)
	next := 0
	fresh := func() map[string]any {
		h := clone(t, base[next])
		next++
		return h
	}
	with := func(f func(h map[string]any)) func() any {
		return func() any { h := fresh(); f(h); return h }
	}
	manyRows := func(n int) []any {
		rows := make([]any, n)
		for i := range rows {
			rows[i] = map[string]any{}
		}
		return rows
	}
	cases := []struct {
		name    string
		item    func() any
		outcome string // refused | created
		status  string // stored status when created ("" = any)
		want    string // in the errors
	}{
		{"item is a number", func() any { return 5 }, "refused", "", "not a JSON object"},
		{"item is null", func() any { return nil }, "refused", "", "not a JSON object"},
		{"item is an array", func() any { return []any{fresh()} }, "refused", "", "not a JSON object"},
		{"id missing", with(func(h map[string]any) { delete(h, "id") }), "refused", "", "id"},
		{"id a number", with(func(h map[string]any) { h["id"] = 12345 }), "refused", "", "id"},
		{"id not a UUID", with(func(h map[string]any) { h["id"] = "not-a-uuid" }), "refused", "", "not a UUID"},
		{"id SQL", with(func(h map[string]any) { h["id"] = injections[0] }), "refused", "", "not a UUID"},
		{"id with braces", with(func(h map[string]any) { h["id"] = "{" + newID() + "}" }), "refused", "", "not a UUID"},
		{"id with NUL", with(func(h map[string]any) { h["id"] = newID()[:35] + "\x00" }), "refused", "", "not a UUID"},
		{"survey SQL", with(func(h map[string]any) { h["survey"] = injections[0] }), "refused", "", "unknown survey"},
		{"survey a number", with(func(h map[string]any) { h["survey"] = 1 }), "refused", "", "survey"},
		{"version as a string", with(func(h map[string]any) { h["version"] = "1" }), "refused", "", "version must be a number"},
		{"version 1.5", with(func(h map[string]any) { h["version"] = 1.5 }), "created", "invalid", "whole number"},
		{"version huge", with(func(h map[string]any) { h["version"] = 1e300 }), "refused", "", "version"},
		{"another enumerator's assignment", with(func(h map[string]any) { h["assignment"] = fx.assignB1 }), "refused", "", "no assignment of yours"},
		{"assignment SQL", with(func(h map[string]any) { h["assignment"] = injections[3] }), "refused", "", "no assignment of yours"},
		{"answers too large", with(func(h map[string]any) { data(h)["x_note"] = strings.Repeat("x", 3<<20) }), "refused", "", "too large"},
		{"sensitive answer too large", with(func(h map[string]any) { data(h)["a_head_name"] = strings.Repeat("n", 2<<20) }), "refused", "", "too large"},
		{"100,000 roster rows", with(func(h map[string]any) { data(h)["members"] = manyRows(100000) }), "refused", "", "rows"},
		{"data an array", with(func(h map[string]any) { h["data"] = []any{1} }), "created", "invalid", "data must be an object"},
		{"data a string", with(func(h map[string]any) { h["data"] = "answers" }), "created", "", "data must be an object"},
		{"data missing", with(func(h map[string]any) { delete(h, "data") }), "created", "", "data (the answers) is missing"},
		{"numbers as strings", with(func(h map[string]any) { data(h)["a_psu"] = "101"; data(h)["a_hh_size"] = "3" }), "created", "invalid", "a_psu"},
		{"wrong types everywhere", with(func(h map[string]any) { h["data"] = wrongTypes(data(h)) }), "created", "invalid", "type"},
		{"envelope wrong types", with(func(h map[string]any) {
			h["started_at"] = 5
			h["device_id"] = []any{}
			h["supersedes"] = map[string]any{}
		}), "created", "invalid", "must be a string"},
		{"dates far in the past", with(func(h map[string]any) {
			h["started_at"], h["completed_at"] = "0001-01-01T00:00:00Z", "0001-01-01T00:30:00Z"
			data(h)["a_date"] = "0001-01-01"
		}), "created", "", ""},
		{"dates far in the future", with(func(h map[string]any) {
			h["started_at"], h["completed_at"] = "9999-12-31T23:00:00Z", "9999-12-31T23:59:59Z"
			data(h)["a_date"] = "9999-12-31"
		}), "created", "invalid", "a_date"},
		{"dates not dates", with(func(h map[string]any) {
			h["started_at"], h["completed_at"] = "yesterday", injections[1]
			data(h)["a_date"] = "2026-10-01T00:00:00Z"
		}), "created", "invalid", "a_date"},
		{"NUL in text", with(func(h map[string]any) {
			data(h)["a_head_name"] = "Sita\x00Thapa"
			data(h)["members"].([]any)[0].(map[string]any)["b_name"] = "\x00\x00"
			h["device_id"] = "tab\x00"
		}), "created", "", ""},
		{"huge strings in columns", with(func(h map[string]any) {
			h["device_id"] = strings.Repeat("d", 100000)
			data(h)["a_stratum"] = strings.Repeat("R", 100000)
			data(h)["a_region"] = strings.Repeat("é", 1000)
			data(h)["a_urban"] = "URBAN"
			data(h)["a_head_name"] = strings.Repeat("n", 100000)
		}), "created", "invalid", "a_head_name"},
		{"120 roster rows", with(func(h map[string]any) { data(h)["members"] = manyRows(120) }), "created", "invalid", "members"},
		{"SQL and filters in every text field", with(func(h map[string]any) {
			i := 0
			inj := func(string) any { i++; return injections[i%len(injections)] }
			h["data"] = mapLeaves(h["data"], inj, nil)
			for _, k := range []string{"started_at", "completed_at", "device_id", "supersedes"} {
				h[k] = inj("")
			}
		}), "created", "invalid", "supersedes"},
	}
	items := make([]any, len(cases))
	for i, c := range cases {
		items[i] = c.item()
	}
	before := snapshot(t, s)
	start := time.Now()
	code, raw := s.doRaw("POST", "/api/sync/push", "enumA1", push(items...))
	if code != 200 {
		t.Fatalf("push: %d %.500s", code, raw)
	}
	t.Logf("%d hostile items answered in %v", len(items), time.Since(start))
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	res := results(t, body)
	if len(res) != len(cases) {
		t.Fatalf("%d results for %d items", len(res), len(cases))
	}
	created := 0
	for i, c := range cases {
		r := res[i]
		errs := fmt.Sprint(r["errors"])
		if r["outcome"] != c.outcome || (c.status != "" && r["status"] != c.status) || !strings.Contains(errs, c.want) {
			t.Errorf("%s: got %v %v %.300s, want %s %s with %q", c.name, r["outcome"], r["status"], errs, c.outcome, c.status, c.want)
			continue
		}
		if c.outcome != "created" {
			if r["record"] != nil {
				t.Errorf("%s: refused but names a record %v", c.name, r["record"])
			}
			continue
		}
		created++
		id, _ := r["record"].(string)
		// Stored means a supervisor can decide on it (a duplicate is already decided: items
		// with the same empty answers are duplicates of each other) and readers read it back.
		if r["status"] == "duplicate" {
			// nothing to review
		} else if code, body := reviewAs(s, "supA", id, map[string]any{"action": "reject", "note": "garbage"}); code != 200 {
			t.Errorf("%s: stored but cannot be reviewed: %d %v", c.name, code, body)
		}
		for _, who := range []string{"supA", "enumA1", "superuser"} {
			code, raw := s.doRaw("GET", "/api/collections/submissions/records/"+id, who, nil)
			if code != 200 || !json.Valid(raw) {
				t.Errorf("%s: %s reads it back: %d %.200s", c.name, who, code, raw)
			}
		}
	}
	after := snapshot(t, s)
	if got := after["submissions"] - before["submissions"]; got != created {
		t.Errorf("stored %d submissions for %d created results", got, created)
	}
	if n := count(t, s, "submissions s", "s.hh_size != (SELECT COUNT(*) FROM members m WHERE m.submission = s.id)"); n != 0 {
		t.Errorf("%d submissions without all their roster rows", n)
	}
	for _, tb := range []string{"submissions", "members", "teams", "users"} {
		if count(t, s, tb, "") == 0 && tb != "members" {
			t.Errorf("table %s is empty after the injection strings", tb)
		}
	}
}

// TestHostileQueryParameters sends SQL and filter injections in every query parameter,
// including PocketBase's ?filter=, ?sort=, ?expand= and ?fields=: each is a 4xx JSON error
// or an answer limited to what the caller may see.
func TestHostileQueryParameters(t *testing.T) {
	s := newServer(t)
	own, _ := pushOne(t, s, "enumA1", households(t, 1, 903)[0])
	other, _ := pushOne(t, s, "enumA2", households(t, 1, 904)[0])
	teamB, _ := pushOne(t, s, "enumB1", households(t, 1, 905)[0])
	before := snapshot(t, s)
	routes := []struct {
		path, who string
		params    []string
		ok        []int // acceptable statuses for a hostile value
	}{
		{"/api/sync/pull", "enumA1", []string{"cursor", "limit", "device_id", "app_version"}, []int{200, 400, 403}},
		{"/api/review/summary", "supA", []string{"team"}, []int{400, 404}},
		{"/api/collections/submissions/records", "enumA1", []string{"filter", "sort", "expand", "fields", "page", "perPage", "skipTotal"}, []int{200, 400, 403}},
		{"/api/collections/members/records", "analyst", []string{"filter", "sort", "expand", "fields"}, []int{200, 400, 403}},
		{"/api/collections/submissions/records/" + own, "enumA1", []string{"expand", "fields"}, []int{200, 400, 403}},
		{"/api/indicators?survey=mhs", "analyst", []string{"survey", "by", "indicator", "format"}, []int{200, 400, 404}},
		{"/api/export/microdata?survey=mhs", "analyst", []string{"survey", "status", "since", "pii", "bom"}, []int{200, 400, 403, 404}},
	}
	values := append(append([]string{}, injections...),
		"-1", "99999999999999999999999", "1e3", "0x10", "NaN", "", "\x00", strings.Repeat("a", 10000),
		"id != '' || 1=1", "enumerator != ''", "team != '' || status = 'approved'", "@collection.submissions.id != ''",
		"pii.a_head_name != ''", "submission.enumerator != ''", "enumerator.teams.id ?!= ''", "-@rowid")
	for _, rt := range routes {
		for _, p := range rt.params {
			for _, v := range values {
				u, _ := url.Parse(rt.path)
				q := u.Query()
				q.Set(p, v)
				u.RawQuery = q.Encode()
				path := u.String()
				code, raw := s.doRaw("GET", path, rt.who, nil)
				okCode := false
				for _, c := range rt.ok {
					okCode = okCode || code == c
				}
				if !okCode {
					t.Errorf("%s: %d %.200s", path, code, raw)
					continue
				}
				if code == 200 && strings.HasPrefix(rt.path, "/api/export/") {
					if _, err := unzipAll(raw); err != nil {
						t.Errorf("%s: %v", path, err)
					}
					continue
				}
				if code == 200 && strings.HasPrefix(rt.path, "/api/indicators") && p == "format" {
					continue // csv or sdmx
				}
				if !json.Valid(raw) {
					t.Errorf("%s: answer is not JSON: %.200s", path, raw)
					continue
				}
				if code >= 400 {
					if err := jsonError(raw, code); err != nil {
						t.Errorf("%s: %v", path, err)
					}
					continue
				}
				// Whatever the filter, an enumerator never sees another's household.
				if rt.who == "enumA1" && (strings.Contains(string(raw), other) || strings.Contains(string(raw), teamB)) {
					t.Errorf("%s: enumA1 sees another enumerator's submission", path)
				}
				if rt.who == "analyst" && strings.Contains(string(raw), `"items":[{`) {
					t.Errorf("%s: the analyst sees rows of unapproved households: %.200s", path, raw)
				}
			}
		}
	}
	after := snapshot(t, s)
	after["exports"] = before["exports"] // each export that ran is audited, by design
	if d := diff(before, after); d != "" {
		t.Errorf("hostile reads wrote: %s", d)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
