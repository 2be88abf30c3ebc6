package hooks_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fieldbase/cli"
)

// `fieldbase check` answers what push answers: a table of envelopes (valid, each kind of
// invalid, refused) is pushed to the server and fed to the check command as a push body;
// outcome, status, errors and warnings must be the same item for item.
func TestCheckEqualsPush(t *testing.T) {
	s := newServer(t)
	hh := households(t, 16, 41)
	k := 0
	next := func() map[string]any { k++; return clone(t, hh[k-1]) }
	with := func(f func(env map[string]any)) any { env := next(); f(env); return env }
	big := make([]any, 1001)
	for i := range big {
		big[i] = map[string]any{"b_line": i + 1}
	}
	cases := []struct {
		name string
		item any
	}{
		{"valid", next()},
		{"hard rule broken", with(func(e map[string]any) { data(e)["members"].([]any)[0].(map[string]any)["b_age"] = 130 })},
		{"started_at a number", with(func(e map[string]any) { e["started_at"] = 5 })},
		{"version a string", with(func(e map[string]any) { e["version"] = "1" })},
		// (data missing reads like data an array, with no answers; with both in one push the
		// second would be a duplicate of the first, which check cannot know.)
		{"data an array", with(func(e map[string]any) { e["data"] = []any{1} })},
		{"completed before started", with(func(e map[string]any) { e["completed_at"] = "2020-01-01T00:00:00Z" })},
		{"required answer missing", with(func(e map[string]any) { delete(data(e), "a_psu") })},
		{"unknown survey", with(func(e map[string]any) { e["survey"] = "nope" })},
		{"unknown version", with(func(e map[string]any) { e["version"] = 99 })},
		{"id not a UUID", with(func(e map[string]any) { e["id"] = "hh-001" })},
		{"id missing", with(func(e map[string]any) { delete(e, "id") })},
		{"too many rows", with(func(e map[string]any) { data(e)["members"] = big })},
		{"a string item", "text"},
		{"an array item", []any{1}},
	}
	items := make([]any, len(cases))
	for i, c := range cases {
		items[i] = c.item
	}
	body := push(items...)
	code, answer := s.do("POST", "/api/sync/push", "enumA1", body)
	if code != 200 {
		t.Fatalf("push: %d %v", code, answer)
	}
	pushed := results(t, answer)

	file := filepath.Join(t.TempDir(), "push.json")
	raw, _ := json.Marshal(body)
	os.WriteFile(file, raw, 0o644)
	cmd := cli.CheckCommand()
	var out, stderr bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&stderr)
	cmd.SetArgs([]string{file})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "read a push body") {
		t.Errorf("check does not say it read a push body: %s", stderr.String())
	}
	var checked []map[string]any
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("check printed %q: %v", sc.Text(), err)
		}
		checked = append(checked, m)
	}
	if len(checked) != len(cases) {
		t.Fatalf("check printed %d results for %d items", len(checked), len(cases))
	}
	seen := map[string]bool{}
	for i, c := range cases {
		p, ch := pushed[i], checked[i]
		seen[p["outcome"].(string)+"/"+str(p["status"])] = true
		wantStatus := p["status"]
		if p["outcome"] == "refused" {
			wantStatus = "refused"
		}
		if ch["outcome"] != p["outcome"] || ch["status"] != wantStatus ||
			!reflect.DeepEqual(ch["errors"], p["errors"]) || !reflect.DeepEqual(ch["warnings"], p["warnings"]) || ch["id"] != p["id"] {
			t.Errorf("%s:\n push  %v\n check %v", c.name, p, ch)
		}
	}
	// The table covers what it claims to.
	for _, want := range []string{"created/received", "created/invalid", "refused/"} {
		if !seen[want] && !(want == "created/received" && seen["created/flagged"]) {
			t.Errorf("no case answered %s: %v", want, seen)
		}
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
