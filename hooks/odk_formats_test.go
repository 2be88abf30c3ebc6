package hooks_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestODKFormatsStoredAsJSON: the same household pushed once in ODK's value formats
// ("a b c" selections, "lat lon alt acc" points) and once in the JSON protocol's (lists,
// an object) under another id is stored with the same data and content hash, and the
// second push is recognised as the same content: the doors do not split duplicates.
func TestODKFormatsStoredAsJSON(t *testing.T) {
	s := newServer(t)
	asJSON := households(t, 1, 11)[0]
	d := data(asJSON)
	gps, ok := d["a_gps"].(map[string]any)
	if !ok {
		t.Fatalf("synth household has no a_gps object: %v", d["a_gps"])
	}
	gps["altitude"] = 1312.5 // ODK always sends four numbers
	asODK := clone(t, asJSON)
	asODK["id"] = newID()
	od := data(asODK)
	od["a_gps"] = fmt.Sprintf("%v %v %v %v", gps["lat"], gps["lon"], gps["altitude"], gps["accuracy"])
	lists := 0
	odkList := func(m map[string]any) {
		for k, v := range m {
			if l, ok := v.([]any); ok && len(l) > 0 {
				if _, isCode := l[0].(string); isCode {
					words := make([]string, len(l))
					for i, w := range l {
						words[i] = w.(string)
					}
					m[k] = strings.Join(words, " ")
					lists++
				}
			}
		}
	}
	odkList(od)
	for _, row := range od["members"].([]any) {
		odkList(row.(map[string]any))
	}
	if lists < 2 {
		t.Fatalf("only %d select_multiple answers to rewrite", lists)
	}

	code, body := s.do("POST", "/api/sync/push", "enumA1", push(asODK))
	if code != 200 {
		t.Fatalf("push ODK formats: %d %v", code, body)
	}
	first := results(t, body)[0]
	if first["outcome"] != "created" || (first["status"] != "received" && first["status"] != "flagged") {
		t.Fatalf("ODK formats: %v", first)
	}
	_, body = s.do("POST", "/api/sync/push", "enumA1", push(asJSON))
	second := results(t, body)[0]
	if second["outcome"] != "created" || second["status"] != "duplicate" || second["duplicate_of"] != asODK["id"] {
		t.Fatalf("the same household in lists and objects is not the same content: %v", second)
	}

	type stored struct {
		Data string `db:"data"`
		PII  string `db:"pii"`
		Hash string `db:"content_hash"`
	}
	var rows []stored
	if err := s.App.DB().NewQuery("SELECT data, pii, content_hash FROM submissions ORDER BY created").All(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d submissions stored", len(rows))
	}
	if rows[0] != rows[1] || rows[0].Hash == "" {
		t.Errorf("stored differently:\n ODK  %+v\n JSON %+v", rows[0], rows[1])
	}
	if !strings.Contains(rows[0].Data+rows[0].PII, `"altitude":1312.5`) {
		t.Errorf("the point is not stored as an object: %s", rows[0].Data)
	}
}
