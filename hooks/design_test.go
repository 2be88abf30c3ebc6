package hooks_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/pocketbase/dbx"

	"fieldbase/hooks"
	"fieldbase/synth"
)

// TestStoredMHSDeclaresItsDesign: mhs v1 and v2 were installed before surveys declared their
// design; the design migration adds it to their stored settings, so storage and dedup read
// the same roles as from the shipped files, and leaves the questions as they were.
func TestStoredMHSDeclaresItsDesign(t *testing.T) {
	s := newServer(t)
	for _, v := range []int{1, 2} {
		sv, ok, err := s.Srv.Surveys.Find("mhs", v)
		if err != nil || !ok {
			t.Fatalf("mhs v%d: %v %v", v, ok, err)
		}
		d := sv.Design
		if d.PSU != "a_psu" || d.Dwelling != "a_dwelling" || d.Weight != "a_weight" || d.Roster != "members" ||
			d.RosterSex != "b_sex" || d.Emigrants != "emigrants" || d.HeadName != "a_head_name" || d.RoundYear != "2026" {
			t.Fatalf("mhs v%d stored design: %+v", v, *d)
		}
		var def string
		if err := s.App.DB().NewQuery("SELECT definition FROM surveys WHERE form_id = 'mhs' AND version = {:v}").
			Bind(map[string]any{"v": v}).Row(&def); err != nil {
			t.Fatal(err)
		}
		var parsed struct {
			Settings map[string]any   `json:"settings"`
			Survey   []map[string]any `json:"survey"`
		}
		if err := json.Unmarshal([]byte(def), &parsed); err != nil {
			t.Fatal(err)
		}
		if parsed.Settings["form_id"] != "mhs" || parsed.Settings["roster_age"] != "b_age" || len(parsed.Survey) < 80 {
			t.Fatalf("mhs v%d stored definition: settings %v, %d rows", v, parsed.Settings, len(parsed.Survey))
		}
	}
}

// TestCorrectionKeepsItsVersionAndExportPoolsVersions: with mhs v2 installed, a v1 device's
// correction of a rejected v1 household is stored as v1 (the version it was filled in), and
// the export has one households file for the survey, v1 and v2 households together, told
// apart by the version column, v2's income questions empty for the v1 households.
func TestCorrectionKeepsItsVersionAndExportPoolsVersions(t *testing.T) {
	s := newServer(t)
	hh := households(t, 4, 1818)
	synth.V2(hh[2], 1818)
	synth.V2(hh[3], 1818)
	ids := exPush(t, s, "enumA1", hh)
	exReview(t, s, "supA", "reject", ids[:1])
	fix := clone(t, hh[0])
	fix["id"], fix["supersedes"] = uuid.NewString(), hh[0]["id"]
	fix["data"].(map[string]any)["a_head_name"] = "Corrected Name"
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(fix))
	r := results(t, body)[0]
	if code != 200 || r["outcome"] != "created" {
		t.Fatalf("correction: %d %v", code, body)
	}
	var version int
	var supersedes string
	if err := s.App.DB().NewQuery("SELECT version, supersedes FROM submissions WHERE id = {:id}").
		Bind(dbx.Params{"id": r["record"]}).Row(&version, &supersedes); err != nil {
		t.Fatal(err)
	}
	if version != 1 || supersedes != ids[0] {
		t.Fatalf("the correction is stored as version %d superseding %q (want 1, %s)", version, supersedes, ids[0])
	}
	exReview(t, s, "supA", "approve", append([]string{r["record"].(string)}, ids[1:]...))
	x, _ := exportOK(t, s, "superuser", "survey=mhs")
	byVersion := map[string]int{}
	for _, row := range x.rows["households.csv"] {
		byVersion[row["version"]]++
		if _, ok := row["n_farm"]; !ok {
			t.Fatal("households.csv has no column for v2's income questions")
		}
		if row["version"] == "1" && row["n_farm"] != "" {
			t.Errorf("a v1 household has a v2 answer: %v", row["n_farm"])
		}
	}
	if byVersion["1"] != 2 || byVersion["2"] != 2 || len(x.rows["households.csv"]) != 4 {
		t.Fatalf("households by version %v", byVersion)
	}
}

// checklist is a survey that declares no design: a facility checklist with a repeat.
const checklist = `{"settings": {"form_id": "chk", "version": 1, "title": "Office checklist"},
 "survey": [{"type": "text", "name": "office", "label": "Office", "required": "yes"},
  {"type": "integer", "name": "staff", "label": "Staff present", "required": "yes", "constraint": ". >= 0"},
  {"type": "geopoint", "name": "where", "label": "Location"},
  {"type": "begin_repeat", "name": "rooms", "label": "Rooms"},
  {"type": "text", "name": "room", "label": "Room", "required": "yes"}, {"type": "end_repeat"}]}`

// TestSurveyWithoutDesign: a checklist that declares no design syncs, is validated, is
// deduplicated by id and content (no household key: no probable duplicates), reviewed and
// exported; indicators say why there are none.
func TestSurveyWithoutDesign(t *testing.T) {
	s := newServer(t)
	if _, err := hooks.InstallSurvey(s.App, []byte(checklist)); err != nil {
		t.Fatal(err)
	}
	env := func(office string, staff any) map[string]any {
		return map[string]any{"id": uuid.NewString(), "survey": "chk", "version": 1, "device_id": "tab-chk",
			"started_at": "2026-11-30T08:00:00Z", "completed_at": "2026-11-30T08:10:00Z",
			"data": map[string]any{"office": office, "staff": staff, "where": map[string]any{"lat": 27.7, "lon": 85.3, "accuracy": 4},
				"rooms": []any{map[string]any{"room": "A"}, map[string]any{"room": "B"}}}}
	}
	a, b, bad := env("Kathmandu", 3), env("Pokhara", 2), env("Biratnagar", -1)
	same := clone(t, a)
	same["id"] = uuid.NewString()
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(a, b, bad, same, a))
	res := results(t, body)
	if code != 200 || res[0]["status"] != "received" || res[1]["status"] != "received" || res[2]["status"] != "invalid" ||
		res[3]["status"] != "duplicate" || res[3]["duplicate_of"] != a["id"] || res[4]["outcome"] != "exists" {
		t.Fatalf("push: %d %v", code, res)
	}
	var psu, rows int
	s.App.DB().NewQuery("SELECT MAX(a_psu) FROM submissions WHERE form_id = 'chk'").Row(&psu)
	s.App.DB().NewQuery("SELECT COUNT(*) FROM members WHERE form_id = 'chk'").Row(&rows)
	if psu != 0 || rows != 0 {
		t.Fatalf("a survey without design stored PSU %d and %d roster rows", psu, rows)
	}
	exReview(t, s, "supA", "approve", []string{res[0]["record"].(string), res[1]["record"].(string)})
	x, _ := exportOK(t, s, "analyst", "survey=chk")
	if len(x.rows["households.csv"]) != 2 || len(x.rows["rooms.csv"]) != 4 {
		t.Fatalf("export: %d households, %d rooms", len(x.rows["households.csv"]), len(x.rows["rooms.csv"]))
	}
	for _, r := range x.rows["households.csv"] {
		if r["where_lat"] == "27.7" {
			t.Fatalf("an analyst sees the recorded point of a survey without design: %v", r)
		}
	}
	c, _, msg := s.get(t, "/api/indicators?survey=chk", "analyst")
	if c != 404 || !bytes.Contains(msg, []byte("has no indicator catalog; survey chk declares no psu and no weight in its settings")) {
		t.Fatalf("indicators of a survey without design: %d %s", c, msg)
	}
}

// TestExportKeepsDroppedQuestions: version 2 of the checklist drops `staff` and asks
// `visitors`; the export has one households file with both columns, each household's answer
// in its own version's column, and `where` (sensitive from version 2 on) left out of an
// export without personal data for both versions.
func TestExportKeepsDroppedQuestions(t *testing.T) {
	s := newServer(t)
	v2 := strings.NewReplacer(`"version": 1`, `"version": 2`,
		`{"type": "integer", "name": "staff", "label": "Staff present", "required": "yes", "constraint": ". >= 0"}`,
		`{"type": "integer", "name": "visitors", "label": "Visitors today"}`,
		`"label": "Location"}`, `"label": "Location", "sensitive": "yes"}`).Replace(checklist)
	for _, def := range []string{checklist, v2} {
		if _, err := hooks.InstallSurvey(s.App, []byte(def)); err != nil {
			t.Fatal(err)
		}
	}
	env := func(version int, data map[string]any) map[string]any {
		data["office"], data["where"] = "Dhangadhi", map[string]any{"lat": 28.7, "lon": 80.6, "accuracy": 3}
		return map[string]any{"id": uuid.NewString(), "survey": "chk", "version": version, "device_id": "tab-chk",
			"started_at": "2026-11-30T08:00:00Z", "completed_at": "2026-11-30T08:10:00Z", "data": data}
	}
	ids := exPush(t, s, "enumA1", []map[string]any{env(1, map[string]any{"staff": 4}), env(2, map[string]any{"visitors": 9})})
	exReview(t, s, "supA", "approve", ids)
	x, _ := exportOK(t, s, "analyst", "survey=chk")
	got := map[string]string{}
	for _, r := range x.rows["households.csv"] {
		got[r["version"]] = r["staff"] + "/" + r["visitors"]
	}
	if got["1"] != "4/" || got["2"] != "/9" {
		t.Fatalf("staff/visitors by version: %v (header %v)", got, x.header["households.csv"])
	}
	for _, col := range x.header["households.csv"] {
		if strings.HasPrefix(col, "where") {
			t.Fatalf("a column of a question sensitive in version 2 is in an export without personal data: %s", col)
		}
	}
}

// TestIndicatorsByVersion: version=1 and version=2 each count their own version's approved
// households, version=all (the default) both; an indicator version 1 cannot measure is a 404
// saying which field it lacks when asked of version 1, left out when not named, and the
// catalog of version 1 says why.
func TestIndicatorsByVersion(t *testing.T) {
	s := newServer(t)
	hh := households(t, 40, 1819)
	for i := range hh {
		if i%2 == 1 {
			synth.V2(hh[i], 1819)
		}
	}
	approve(t, s, exPush(t, s, "enumA1", hh))
	hh1 := func(q string) (int, map[string]bool) {
		t.Helper()
		code, _, body := indicatorsGet(t, s, "analyst", "survey=mhs"+q)
		var doc struct {
			Cells []indicatorCell `json:"cells"`
		}
		if err := json.Unmarshal(body, &doc); code != 200 || err != nil {
			t.Fatalf("indicators%s: %d %v %.300s", q, code, err, body)
		}
		n, ids := 0, map[string]bool{}
		for _, c := range doc.Cells {
			ids[c.Indicator] = true
			if c.Indicator == "HH1" {
				n = c.NUnweighted
			}
		}
		return n, ids
	}
	consenting := func(v string) int {
		return int(s.number(t, "SELECT COUNT(*) FROM submissions WHERE json_extract(data, '$.a_consent') = 'yes' AND version IN ("+v+")"))
	}
	n1, ids1 := hh1("&version=1")
	n2, ids2 := hh1("&version=2")
	nAll, _ := hh1("&version=all")
	if n1 != consenting("1") || n2 != consenting("2") || nAll != consenting("1, 2") || n1 == 0 || n2 == 0 {
		t.Fatalf("HH1 over %d (v1), %d (v2), %d (all) households; want %d, %d, %d", n1, n2, nAll, consenting("1"), consenting("2"), consenting("1, 2"))
	}
	if ids1["POV1"] || !ids2["POV1"] || !ids1["HH1"] {
		t.Fatalf("indicators of version 1 %v, of version 2 %v", ids1, ids2)
	}
	if c, _, b := indicatorsGet(t, s, "analyst", "survey=mhs&version=1&indicator=POV1"); c != 404 || !bytes.Contains(b, []byte("mhs version 1 has no field")) {
		t.Fatalf("POV1 of version 1: %d %s", c, b)
	}
	c, _, b := s.get(t, "/api/indicators/catalog?survey=mhs&version=1", "analyst")
	var doc struct {
		Indicators []struct {
			ID      string `json:"id"`
			Missing string `json:"missing"`
		} `json:"indicators"`
	}
	if err := json.Unmarshal(b, &doc); c != 200 || err != nil {
		t.Fatalf("catalog of version 1: %d %v", c, err)
	}
	for _, in := range doc.Indicators {
		v2Only := strings.HasPrefix(in.ID, "POV") || in.ID == "REM4"
		if v2Only != strings.Contains(in.Missing, "mhs version 1 has no field") {
			t.Errorf("catalog of version 1: %s missing %q", in.ID, in.Missing)
		}
	}
}
