package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestNoPersonalDataInLogs pushes households (valid, invalid, refused and malformed), has
// them reviewed, pulled, read, exported and turned into indicators, then stops the server
// and reads PocketBase's request and app logs (_logs in auxiliary.db) and the process
// output: no head or member name appears anywhere.
func TestNoPersonalDataInLogs(t *testing.T) {
	f := newField(t)
	hh := households(t, 120, 201)
	secret := names(hh)
	out := f.pushAll(hh[:100])
	// invalid households (kept), refused ones (not stored), and bodies that are not JSON
	bad := make([]any, 0, 20)
	for i, h := range hh[100:] {
		b, _ := json.Marshal(h)
		var c map[string]any
		json.Unmarshal(b, &c)
		d := c["data"].(map[string]any)
		switch i % 4 {
		case 0:
			d["a_hh_size"] = 99 // breaks a hard rule: stored as invalid
		case 1:
			c["id"] = "not a uuid " + fmt.Sprint(d["a_head_name"]) // refused, the name in the id
		case 2:
			c["survey"] = fmt.Sprint(d["a_head_name"]) // refused: unknown survey named by a name
		case 3:
			c["supersedes"] = fmt.Sprint(d["a_head_name"]) // invalid: supersedes names nothing
		}
		bad = append(bad, c)
	}
	code, raw, err := f.call("POST", "/api/sync/push", f.enum, map[string]any{"device_id": "tab-logs", "submissions": bad})
	if err != nil || code != 200 {
		t.Fatalf("push: %d %v %.200s", code, err, raw)
	}
	for _, h := range hh[:5] {
		b, _ := json.Marshal(map[string]any{"submissions": []any{h}})
		f.call("POST", "/api/sync/push", f.enum, b[:len(b)-3])                                            // cut short: not JSON
		f.call("POST", "/api/sync/push", "", b)                                                           // no token
		f.call("POST", "/api/sync/push", f.sup, b)                                                        // wrong role
		f.call("POST", "/api/sync/push", f.enum, append([]byte{0xff}, b...))                              // not UTF-8
		f.call("POST", "/api/collections/submissions/records", f.enum, map[string]any{"data": h["data"]}) // refused create
	}
	// review, pull, read, export, indicators
	var ids []string
	for id := range out {
		ids = append(ids, id)
	}
	f.must("POST", "/api/review/bulk", f.sup, map[string]any{"action": "approve", "ids": ids[:60]}, 200)
	f.must("POST", "/api/review/bulk", f.sup, map[string]any{"action": "reject", "note": "recheck the roster", "ids": ids[60:70]}, 200)
	f.must("GET", "/api/sync/pull?limit=1000", f.enum, nil, 200)
	f.must("GET", "/api/collections/submissions/records?perPage=200", f.sup, nil, 200)
	f.must("GET", "/api/collections/members/records?perPage=200&expand=submission", f.su, nil, 200)
	for _, q := range []string{"/api/indicators?survey=mhs", "/api/indicators?survey=mhs&format=csv", "/api/export/microdata?survey=mhs",
		"/api/export/microdata?survey=mhs&status=all&pii=1"} {
		if code, raw, err := f.call("GET", q, f.su, nil); err != nil || code != 200 {
			t.Errorf("%s: %d %v %.200s", q, code, err, raw)
		}
	}
	// an analyst probing for a name through a filter is refused (pii is hidden)
	f.call("GET", "/api/collections/submissions/records?filter="+url.QueryEscape("pii.a_head_name = 'x'"), f.sup, nil)
	// a control: a marker in a URL does reach the logs, so the scan below can see a leak
	const marker = "Marker Logcontrol"
	f.call("GET", "/api/collections/teams/records?probe="+url.QueryEscape(marker), f.sup, nil)
	f.stop()

	app := inspect(t, f.dir)
	var rows []struct {
		Message string `db:"message"`
		Data    string `db:"data"`
	}
	if err := app.AuxDB().NewQuery("SELECT message, data FROM _logs").All(&rows); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	requests := 0
	for _, r := range rows {
		logs.WriteString(r.Message + "\n" + r.Data + "\n")
		if strings.Contains(r.Data, `"type":"request"`) {
			requests++
		}
	}
	if requests < 30 {
		t.Fatalf("only %d request log entries of %d: the check would prove nothing", requests, len(rows))
	}
	if len(found(logs.String(), []string{marker})) == 0 {
		t.Fatal("the control marker is not in _logs: the scan cannot see a leak")
	}
	if leaked := found(logs.String(), secret); len(leaked) > 0 {
		t.Errorf("%d names in _logs, e.g. %q", len(leaked), leaked[0])
	}
	if leaked := found(f.out.String(), secret); len(leaked) > 0 {
		t.Errorf("%d names in the server's output, e.g. %q", len(leaked), leaked[0])
	}
	t.Logf("%d log entries (%d requests) and %d bytes of server output hold none of %d names", len(rows), requests, len(f.out.String()), len(secret))
}
