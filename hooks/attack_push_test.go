package hooks_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// answerShape is a push result with what may differ between two probes taken out (their
// own ids, flags about the prober's own earlier probes), so that answers can be compared
// for what they tell about others.
func answerShape(r map[string]any, mine map[string]bool) string {
	c := map[string]any{}
	for k, v := range r {
		if k != "id" && k != "record" && k != "flags" {
			c[k] = v
		}
	}
	var flags []any
	for _, fl := range asList(r["flags"]) {
		if other, _ := fl.(map[string]any)["other"].(string); !mine[other] {
			flags = append(flags, fl)
		}
	}
	c["flags"] = flags
	b, _ := json.Marshal(c)
	return string(b)
}

// TestAttackProbePush is door 1 of issue 12: an enumerator pushing made-up households at
// another team's PSU and dwelling got that household's record id, device UUID and the
// evidence (same head name, GPS n m apart, k of n members match): 500 guessed names found
// the real head name, three pushes with GPS triangulated the dwelling. Now the answer names
// no other submission and gives no evidence, and every guess reads the same.
func TestAttackProbePush(t *testing.T) {
	s := newServer(t)
	victim := households(t, 1, 777)[0]
	vd := data(victim)
	vd["a_psu"], vd["a_dwelling"] = 201, 1
	vRec, vStatus := pushOne(t, s, "enumB1", victim)
	vUUID := victim["id"].(string)
	f := foreign{values: []string{vRec, vUUID, fmt.Sprint(vd["a_head_name"])}, statuses: []string{vStatus}}
	gps, _ := vd["a_gps"].(map[string]any)

	probe := func(mod func(d map[string]any)) map[string]any {
		env := clone(t, households(t, 1, 778)[0])
		env["id"] = newID()
		d := data(env)
		d["a_psu"], d["a_dwelling"] = 201, 1
		for _, k := range []string{"a_stratum", "a_region", "a_urban", "a_weight"} {
			d[k] = vd[k]
		}
		mod(d)
		code, body := s.do("POST", "/api/sync/push", "enumA1", push(env))
		if code != 200 {
			t.Fatalf("probe push: %d %v", code, body)
		}
		return results(t, body)[0]
	}
	// own lists the prober's own records: a flag about them may keep its evidence.
	own := func() map[string]bool {
		var ids []string
		s.App.DB().NewQuery("SELECT id FROM submissions WHERE enumerator = {:e}").Bind(map[string]any{"e": fx.enumA1}).Column(&ids)
		m := map[string]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	check := func(name string, r map[string]any) {
		t.Helper()
		mine := own()
		for _, e := range asList(r["errors"]) {
			f.checkText(t, "enumA1", name+" error", fmt.Sprint(e))
		}
		if r["duplicate_of"] != nil {
			t.Errorf("%s: duplicate_of %v", name, r["duplicate_of"])
		}
		if r["record"] == vRec {
			t.Errorf("%s: answered with the other team's record id", name)
		}
		for _, fl := range asList(r["flags"]) {
			m := fl.(map[string]any)
			if other, _ := m["other"].(string); other != "" && mine[other] {
				continue // the prober's own earlier probe: its own data
			}
			b, _ := json.Marshal(m)
			f.checkText(t, "enumA1", name+" flag", string(b))
			if len(m) != 1 || m["kind"] != "possible_duplicate" {
				t.Errorf("%s: flag %v carries more than possible_duplicate", name, m)
			}
		}
	}

	// 1. One push of a dictionary of head names at the victim's dwelling, the real one among
	// them (the attack found it among 500 in 2.4 s).
	given := []string{"Ram", "Sita", "Hari", "Gita", "Bikash", "Kiran", "Maya", "Suman", "Anita", "Dipak"}
	family := []string{"Sharma", "Thapa", "Gurung", "Rai", "Tamang", "Magar", "Bista", "Karki", "Shrestha", "Adhikari"}
	real := fmt.Sprint(vd["a_head_name"])
	var names []string
	for _, g := range given {
		for _, fam := range family {
			if n := g + " " + fam; n != real && len(names) < 60 {
				names = append(names, n)
			}
		}
	}
	names = append(names, real)
	var batch []any
	for _, n := range names {
		env := clone(t, households(t, 1, 778)[0])
		env["id"] = newID()
		d := data(env)
		d["a_psu"], d["a_dwelling"], d["a_head_name"] = 201, 1, n
		for _, k := range []string{"a_stratum", "a_region", "a_urban", "a_weight"} {
			d[k] = vd[k]
		}
		batch = append(batch, env)
	}
	start := time.Now()
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(batch...))
	if code != 200 {
		t.Fatalf("dictionary push: %d %v", code, body)
	}
	shapes := map[string]int{}
	mine := own()
	for i, r := range results(t, body) {
		check("name probe "+names[i], r)
		shapes[answerShape(r, mine)]++
	}
	if len(shapes) != 1 {
		t.Errorf("the name probes read differently (%d kinds of answer): the real name stands out\n%v", len(shapes), shapes)
	}
	t.Logf("one push of %d guessed head names (the real one among them) in %v: %d kind(s) of answer, 0 foreign ids", len(names), time.Since(start).Round(time.Millisecond), len(shapes))

	// 2. Triangulation: the same household at three points around the victim's GPS, in
	// another dwelling so that only GPS and roster can match.
	if gps != nil {
		for i, off := range []float64{0.0001, 0.0003, 0.002} {
			r := probe(func(d map[string]any) {
				d["a_dwelling"] = 90 + i
				d["a_head_name"] = vd["a_head_name"]
				d["a_gps"] = map[string]any{"lat": gps["lat"].(float64) + off, "lon": gps["lon"], "accuracy": 5}
			})
			check(fmt.Sprintf("GPS probe %d", i), r)
			if b := answerShape(r, own()); strings.Contains(b, " m apart") {
				t.Errorf("GPS probe %d: the answer gives a distance to another's household: %s", i, b)
			}
		}
	}

	// 3. The victim's very bytes resent (its id and answers).
	code, body = s.do("POST", "/api/sync/push", "enumA1", push(victim))
	if code != 200 {
		t.Fatal(body)
	}
	r := results(t, body)[0]
	check("resent bytes", r)
	if r["outcome"] == "exists" {
		t.Errorf("another team's exact bytes answered exists: %v", r)
	}

	// 4. The victim's exact answers under a new id: not "duplicate of <their id>" (by enumA2:
	// enumA1 now holds a copy of its own).
	same := clone(t, victim)
	same["id"] = newID()
	code, body = s.do("POST", "/api/sync/push", "enumA2", push(same))
	if code != 200 {
		t.Fatal(body)
	}
	r = results(t, body)[0]
	check("same answers", r)
	if r["status"] == "duplicate" {
		t.Errorf("same answers as another team's household: status duplicate tells the probe it exists")
	}

	// 5. Its id reused with other answers (by enumA2, who has none under that id).
	reused := clone(t, households(t, 1, 779)[0])
	reused["id"] = vUUID
	code, body = s.do("POST", "/api/sync/push", "enumA2", push(reused))
	if code != 200 {
		t.Fatal(body)
	}
	r = results(t, body)[0]
	check("reused id", r)
	if r["outcome"] != "created" || r["flags"] != nil {
		t.Errorf("a reused id of another team's submission: %v, want created with no flags (as a new id)", r)
	}
	// The supervisors still get the evidence, by role: team A's supervisor sees that the
	// probes match "another team's household", nothing of it; a superuser sees everything.
	var probeID string
	if err := s.App.DB().NewQuery("SELECT id FROM submissions WHERE enumerator = {:e} AND flags LIKE '%possible_duplicate%' LIMIT 1").
		Bind(map[string]any{"e": fx.enumA1}).Row(&probeID); err != nil {
		t.Fatal("no probe was flagged for the supervisors: ", err)
	}
	_, recA := s.do("GET", "/api/collections/submissions/records/"+probeID, "supA", nil)
	b, _ := json.Marshal(recA["flags"])
	f.checkText(t, "supA", "probe's flags to team A's supervisor", string(b))
	if !strings.Contains(string(b), "another team's household") {
		t.Errorf("team A's supervisor is not told the probe matches another team's household: %s", b)
	}
	_, recSU := s.do("GET", "/api/collections/submissions/records/"+probeID, "superuser", nil)
	if b, _ := json.Marshal(recSU["flags"]); !strings.Contains(string(b), vRec) {
		t.Errorf("the superuser does not see which household the probe matches: %s", b)
	}
	// The prober's own view of its probe through the record API tells no more than the push.
	_, recE := s.do("GET", "/api/collections/submissions/records/"+probeID, "enumA1", nil)
	b, _ = json.Marshal(recE)
	f.checkText(t, "enumA1", "probe through the record API", string(b))
	for _, k := range []string{"head_key", "content_hash", "raw_hash", "roster_sig"} {
		if _, ok := recE[k]; ok {
			t.Errorf("the record API shows %s to the enumerator", k)
		}
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
