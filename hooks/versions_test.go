package hooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"fieldbase/synth"
)

// TestV1AndV2DevicesSyncTogether: with mhs v1 and v2 installed side by side, a device still
// on v1 and a device on v2 push at the same time; each household is stored under its own
// version, and the indicators pool them: HH1 counts the households of both versions, the
// poverty indicators the members of the v2 households only.
func TestV1AndV2DevicesSyncTogether(t *testing.T) {
	s := newServer(t)
	hh := households(t, 60, 1802)
	var v1, v2 []any
	version := map[string]int{}
	for i, h := range hh {
		if i%2 == 1 {
			synth.V2(h, 1802)
			v2 = append(v2, h)
			version[h["id"].(string)] = 2
		} else {
			v1 = append(v1, h)
			version[h["id"].(string)] = 1
		}
	}
	type answer struct {
		code int
		body []byte
		err  error
	}
	answers := make([]answer, 2)
	var wg sync.WaitGroup
	for k, batch := range [][]any{v1, v2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]any{"device_id": fmt.Sprintf("tab-v%d", k+1), "app_version": "1.0", "submissions": batch})
			req, _ := http.NewRequest("POST", s.URL+"/api/sync/push", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", fx.tok[[]string{"enumA1", "enumA2"}[k]])
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				answers[k].err = err
				return
			}
			defer res.Body.Close()
			answers[k].code = res.StatusCode
			answers[k].body, answers[k].err = io.ReadAll(res.Body)
		}()
	}
	wg.Wait()
	var ids []string
	for k, a := range answers {
		var body map[string]any
		if a.err != nil || a.code != 200 || json.Unmarshal(a.body, &body) != nil {
			t.Fatalf("v%d push: %d %v %.300s", k+1, a.code, a.err, a.body)
		}
		for _, r := range results(t, body) {
			if r["outcome"] != "created" || (r["status"] != "received" && r["status"] != "flagged") {
				t.Errorf("v%d push: %v", k+1, r)
			}
			ids = append(ids, r["record"].(string))
		}
	}
	var stored []struct {
		UUID    string `db:"uuid"`
		Version int    `db:"version"`
	}
	if err := s.App.DB().NewQuery("SELECT uuid, version FROM submissions").All(&stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(hh) {
		t.Fatalf("%d submissions stored, want %d", len(stored), len(hh))
	}
	for _, r := range stored {
		if version[r.UUID] != r.Version {
			t.Errorf("household %s stored under version %d, pushed as %d", r.UUID, r.Version, version[r.UUID])
		}
	}
	if n := approve(t, s, ids); n != len(hh) {
		t.Fatalf("approved %d of %d", n, len(hh))
	}
	var want struct {
		Households int `db:"h"`
		V2Members  int `db:"m"`
	}
	if err := s.App.DB().NewQuery(`SELECT
		(SELECT COUNT(*) FROM submissions WHERE json_extract(data, '$.a_consent') = 'yes') AS h,
		(SELECT COUNT(*) FROM members m JOIN submissions s ON s.id = m.submission WHERE s.version = 2) AS m`).One(&want); err != nil {
		t.Fatal(err)
	}
	code, _, body := indicatorsGet(t, s, "analyst", "survey=mhs&indicator=HH1,POV1,POV2,POV3")
	var doc struct {
		Cells []indicatorCell `json:"cells"`
	}
	if err := json.Unmarshal(body, &doc); code != 200 || err != nil {
		t.Fatalf("indicators: %d %v %.300s", code, err, body)
	}
	n := map[string]int{}
	for _, c := range doc.Cells {
		n[c.Indicator] = c.NUnweighted
	}
	if n["HH1"] != want.Households || want.Households < 50 {
		t.Errorf("HH1 over %d households, want the %d consenting ones of both versions", n["HH1"], want.Households)
	}
	for _, id := range []string{"POV1", "POV2", "POV3"} {
		if n[id] != want.V2Members || want.V2Members == 0 {
			t.Errorf("%s over %d persons, want the %d members of the v2 households", id, n[id], want.V2Members)
		}
	}
}
