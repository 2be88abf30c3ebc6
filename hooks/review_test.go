package hooks_test

import (
	"fmt"
	"strings"
	"testing"
)

// pushOne pushes env as who and returns the stored record id and status.
func pushOne(t *testing.T, s *server, who string, env map[string]any) (string, string) {
	t.Helper()
	code, body := s.do("POST", "/api/sync/push", who, push(env))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	r := results(t, body)[0]
	rec, _ := r["record"].(string)
	if rec == "" {
		t.Fatalf("push not stored: %v", r)
	}
	return rec, r["status"].(string)
}

func reviewAs(s *server, who, id string, d map[string]any) (int, map[string]any) {
	return s.do("POST", "/api/submissions/"+id+"/review", who, d)
}

// setStatus puts a fresh submission into each reviewable status through real requests.
func submissionIn(t *testing.T, s *server, status string, seed int64) string {
	t.Helper()
	hh := households(t, 2, seed)
	switch status {
	case "received":
		// Synthetic households sometimes carry a warning (flagged): try a few seeds.
		for k := int64(0); k < 20; k++ {
			id, st := pushOne(t, s, "enumA1", households(t, 1, seed*100+k)[0])
			if st == status {
				return id
			}
		}
		t.Fatal("could not make a received submission")
	case "flagged":
		// The same dwelling interviewed twice: the second is flagged as a possible duplicate.
		first, st := pushOne(t, s, "enumA1", hh[0])
		if st == "flagged" {
			return first
		}
		again := clone(t, hh[1])
		for _, k := range []string{"a_psu", "a_dwelling", "a_stratum", "a_region", "a_urban"} {
			data(again)[k] = data(hh[0])[k]
		}
		id, st := pushOne(t, s, "enumA1", again)
		if st != "flagged" {
			t.Fatalf("same dwelling twice: %s", st)
		}
		return id
	case "invalid":
		data(hh[0])["a_hh_size"] = 41
		id, _ := pushOne(t, s, "enumA1", hh[0])
		return id
	case "duplicate":
		pushOne(t, s, "enumA1", hh[0])
		hh[0]["id"] = newID()
		id, _ := pushOne(t, s, "enumA1", hh[0])
		return id
	case "approved", "rejected", "superseded":
		id, _ := pushOne(t, s, "enumA1", hh[0])
		d := map[string]any{"action": "approve"}
		if status != "approved" {
			d = map[string]any{"action": "reject", "note": "age of the head looks wrong"}
		}
		if code, body := reviewAs(s, "supA", id, d); code != 200 {
			t.Fatalf("setup review: %d %v", code, body)
		}
		if status == "superseded" {
			fix := clone(t, hh[0])
			fix["id"] = newID()
			fix["supersedes"] = hh[0]["id"]
			pushOne(t, s, "enumA1", fix)
		}
		return id
	}
	t.Fatalf("status %s", status)
	return ""
}

func TestReviewEveryTransition(t *testing.T) {
	allowed := map[string]map[string]string{
		"received": {"approve": "approved", "reject": "rejected", "duplicate": "duplicate"},
		"flagged":  {"approve": "approved", "reject": "rejected", "duplicate": "duplicate"},
		"invalid":  {"approve": "approved", "reject": "rejected", "duplicate": "duplicate"},
		"approved": {"reopen": "flagged"},
	}
	seed := int64(100)
	for _, from := range []string{"received", "flagged", "invalid", "approved", "rejected", "duplicate", "superseded"} {
		for _, action := range []string{"approve", "reject", "duplicate", "reopen"} {
			t.Run(from+"/"+action, func(t *testing.T) {
				s := newServer(t)
				seed++
				id := submissionIn(t, s, from, seed)
				if st := statusOf(t, s, id); st != from {
					t.Fatalf("setup: status %s, want %s", st, from)
				}
				kept := submissionIn(t, s, "received", seed+1000)
				d := map[string]any{"action": action, "note": "checked", "duplicate_of": kept}
				audits := count(t, s, "reviews", "submission = '"+id+"'")
				code, body := reviewAs(s, "supA", id, d)
				want, ok := allowed[from][action]
				if ok {
					if code != 200 || body["status"] != want || statusOf(t, s, id) != want {
						t.Fatalf("want %s, got %d %v", want, code, body)
					}
					if n := count(t, s, "reviews", "submission = '"+id+"'"); n != audits+1 {
						t.Errorf("audit records %d -> %d", audits, n)
					}
					return
				}
				if code != 400 || !strings.Contains(fmt.Sprint(body["message"]), "from "+from) && !strings.Contains(fmt.Sprint(body["message"]), from) {
					t.Fatalf("want 400 naming what is allowed from %s, got %d %v", from, code, body)
				}
				if statusOf(t, s, id) != from {
					t.Errorf("refused transition changed the status")
				}
			})
		}
	}
}

func statusOf(t *testing.T, s *server, id string) string {
	t.Helper()
	r, err := s.App.FindRecordById("submissions", id)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetString("status")
}

func TestReviewRulesAndScope(t *testing.T) {
	s := newServer(t)
	id := submissionIn(t, s, "received", 7)
	if code, _ := reviewAs(s, "supB", id, map[string]any{"action": "approve"}); code != 404 {
		t.Errorf("other team's supervisor: %d, want 404", code)
	}
	for _, who := range []string{"enumA1", "analyst"} {
		if code, _ := reviewAs(s, who, id, map[string]any{"action": "approve"}); code != 403 {
			t.Errorf("%s reviewing: %d, want 403", who, code)
		}
	}
	if code, _ := reviewAs(s, "", id, map[string]any{"action": "approve"}); code != 401 {
		t.Errorf("anonymous reviewing: %d", code)
	}
	code, body := reviewAs(s, "supA", id, map[string]any{"action": "reject"})
	if code != 400 || !strings.Contains(fmt.Sprint(body["message"]), "note") {
		t.Errorf("reject without note: %d %v", code, body)
	}
	code, body = reviewAs(s, "supA", id, map[string]any{"action": "duplicate"})
	if code != 400 || !strings.Contains(fmt.Sprint(body["message"]), "duplicate_of") {
		t.Errorf("duplicate without duplicate_of: %d %v", code, body)
	}
	code, body = reviewAs(s, "supA", id, map[string]any{"action": "duplicate", "duplicate_of": id})
	if code != 400 || !strings.Contains(fmt.Sprint(body["message"]), "itself") {
		t.Errorf("duplicate of itself: %d %v", code, body)
	}

	// PocketBase's record API: same rules, fields other than the review ones refused
	path := "/api/collections/submissions/records/" + id
	if code, _ := s.do("PATCH", path, "supA", map[string]any{"data": map[string]any{}}); code != 400 {
		t.Errorf("supervisor editing data through the record API: %d", code)
	}
	if code, _ := s.do("PATCH", path, "supA", map[string]any{"status": "superseded"}); code != 400 {
		t.Errorf("record API to superseded: %d", code)
	}
	if code, _ := s.do("PATCH", path, "supB", map[string]any{"status": "approved"}); code != 404 {
		t.Errorf("record API other team: %d", code)
	}
	if code, _ := s.do("PATCH", path, "enumA1", map[string]any{"status": "approved"}); code != 404 && code != 403 {
		t.Errorf("record API enumerator: %d", code)
	}
	if code, body := s.do("PATCH", path, "supA", map[string]any{"status": "rejected", "review_note": "redo section G"}); code != 200 {
		t.Fatalf("record API reject: %d %v", code, body)
	}
	// superuser (the admin UI) gets the same state machine and the same audit
	if code, _ := s.do("PATCH", path, "superuser", map[string]any{"status": "approved"}); code != 400 {
		t.Errorf("superuser rejected -> approved: %d, want 400", code)
	}
	other := submissionIn(t, s, "received", 8)
	if code, body := s.do("PATCH", "/api/collections/submissions/records/"+other, "superuser", map[string]any{"status": "approved"}); code != 200 {
		t.Fatalf("superuser approve: %d %v", code, body)
	}
	audit, err := s.App.FindFirstRecordByFilter("reviews", "submission = {:s}", map[string]any{"s": other})
	if err != nil || audit.GetString("role") != "superuser" || audit.GetString("from") != "received" || audit.GetString("to") != "approved" {
		t.Fatalf("superuser audit: %v %v", audit, err)
	}
	audit, err = s.App.FindFirstRecordByFilter("reviews", "submission = {:s}", map[string]any{"s": id})
	if err != nil || audit.GetString("actor") != fx.supA || audit.GetString("note") != "redo section G" || audit.GetString("role") != "supervisor" {
		t.Fatalf("supervisor audit: %v %v", audit, err)
	}

	// the audit trail: listed per submission, never editable or deletable but by a superuser
	code, body = s.do("GET", "/api/collections/reviews/records?filter=submission='"+id+"'", "supA", nil)
	if code != 200 || body["totalItems"] != 1.0 {
		t.Errorf("supervisor lists audit: %d %v", code, body)
	}
	apath := "/api/collections/reviews/records/" + audit.Id
	for _, who := range []string{"supA", "enumA1", "analyst"} {
		if code, _ := s.do("PATCH", apath, who, map[string]any{"note": "x"}); code != 403 {
			t.Errorf("%s edits audit: %d", who, code)
		}
		if code, _ := s.do("DELETE", apath, who, nil); code != 403 {
			t.Errorf("%s deletes audit: %d", who, code)
		}
	}
	if code, _ := s.do("GET", "/api/collections/reviews/records?filter=submission='"+id+"'", "supB", nil); code != 200 {
		t.Errorf("supB list: %d", code)
	} else if _, body := s.do("GET", "/api/collections/reviews/records?filter=submission='"+id+"'", "supB", nil); body["totalItems"] != 0.0 {
		t.Errorf("supB sees team A audit: %v", body)
	}
}

func TestRejectionReachesEnumeratorPull(t *testing.T) {
	s := newServer(t)
	cursor, _ := pullAll(t, s, "enumA1", "0", 100)
	id := submissionIn(t, s, "received", 9)
	if code, body := reviewAs(s, "supA", id, map[string]any{"action": "reject", "note": "the head's age is 12: check it"}); code != 200 {
		t.Fatalf("reject: %d %v", code, body)
	}
	cursor, pages := pullAll(t, s, "enumA1", cursor, 100)
	ds := items(pages, "decisions")
	if len(ds) != 1 || ds[0]["status"] != "rejected" || ds[0]["note"] != "the head's age is 12: check it" {
		t.Fatalf("decisions: %v", ds)
	}
	d := ds[0]["data"].(map[string]any)
	if _, ok := d["a_head_name"]; !ok {
		t.Errorf("rejected data comes back without the head's name to correct: %v", d)
	}
	// nobody else sees it
	_, pages = pullAll(t, s, "enumA2", "0", 100)
	if n := len(items(pages, "decisions")); n != 0 {
		t.Errorf("enumA2 got %d decisions", n)
	}
	// the correction supersedes the rejected one
	rec, _ := s.App.FindRecordById("submissions", id)
	fix := households(t, 2, 9)[0]
	fix["id"] = newID()
	fix["supersedes"] = rec.GetString("uuid")
	_, body := s.do("POST", "/api/sync/push", "enumA1", push(fix))
	if r := results(t, body)[0]; r["outcome"] != "created" || r["status"] == "invalid" {
		t.Fatalf("correction: %v", r)
	}
	if st := statusOf(t, s, id); st != "superseded" {
		t.Errorf("rejected submission is %s after its correction", st)
	}
	// naming a submission that is not rejected is an error on that item
	other := households(t, 3, 10)[2]
	other["supersedes"] = fix["id"]
	_, body = s.do("POST", "/api/sync/push", "enumA1", push(other))
	if r := results(t, body)[0]; r["status"] != "invalid" || !strings.Contains(fmt.Sprint(r["errors"]), "supersedes") {
		t.Errorf("supersedes a live submission: %v", r)
	}
	_ = cursor
}

func TestBulkReview(t *testing.T) {
	s := newServer(t)
	a := submissionIn(t, s, "received", 11)
	b := submissionIn(t, s, "approved", 12)
	hhB := households(t, 1, 13)
	codeB, bodyB := s.do("POST", "/api/sync/push", "enumB1", push(hhB[0]))
	if codeB != 200 {
		t.Fatal(bodyB)
	}
	teamB := results(t, bodyB)[0]["record"].(string)
	code, body := s.do("POST", "/api/review/bulk", "supA", map[string]any{"action": "approve", "ids": []string{a, b, teamB, "nope"}})
	if code != 200 || body["done"] != 1.0 || body["failed"] != 3.0 {
		t.Fatalf("bulk: %d %v", code, body)
	}
	rs := body["results"].([]any)
	wantOK := []bool{true, false, false, false}
	for i, r := range rs {
		if r.(map[string]any)["ok"] != wantOK[i] {
			t.Errorf("bulk item %d: %v", i, r)
		}
	}
	if statusOf(t, s, teamB) != "received" {
		t.Error("bulk review touched another team's submission")
	}
	ids := make([]string, 501)
	if code, _ := s.do("POST", "/api/review/bulk", "supA", map[string]any{"action": "approve", "ids": ids}); code != 413 {
		t.Errorf("501 ids: %d", code)
	}
	// only approved households reach the rows the indicators read
	approvedMembers := count(t, s, "members m JOIN submissions s ON s.id = m.submission", "s.status = 'approved'")
	if n := count(t, s, "members", "status = 'approved'"); n != approvedMembers || n == 0 {
		t.Errorf("approved member rows %d, members of approved submissions %d", n, approvedMembers)
	}
	if n := count(t, s, "members m JOIN submissions s ON s.id = m.submission", "m.status != s.status"); n != 0 {
		t.Errorf("%d member rows disagree with their submission's status", n)
	}
}

func TestDuplicateOfOtherTeamReadsAsAbsent(t *testing.T) {
	s := newServer(t)
	mine := submissionIn(t, s, "received", 31)
	codeB, bodyB := s.do("POST", "/api/sync/push", "enumB1", push(households(t, 1, 32)[0]))
	if codeB != 200 {
		t.Fatal(bodyB)
	}
	theirs := results(t, bodyB)[0]["record"].(string)
	_, absent := reviewAs(s, "supA", mine, map[string]any{"action": "duplicate", "duplicate_of": "zzzzzzzzzzzzzzz"})
	code, other := reviewAs(s, "supA", mine, map[string]any{"action": "duplicate", "duplicate_of": theirs})
	if code != 400 || !strings.Contains(fmt.Sprint(other["message"]), "does not name a submission you can review") ||
		strings.Replace(fmt.Sprint(other["message"]), theirs, "zzzzzzzzzzzzzzz", 1) != fmt.Sprint(absent["message"]) {
		t.Errorf("another team's submission as duplicate_of: %d %v (absent one: %v)", code, other, absent)
	}
}
