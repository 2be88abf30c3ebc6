package hooks_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestOpenRosaRequestLogs: PocketBase's request log (kept for days, shown to superusers)
// never holds an app token, a refused submission is logged with the URL redacted, and a
// submission taken (HEAD 204, POST 201) leaves no log line (the stored household is its
// record).
func TestOpenRosaRequestLogs(t *testing.T) {
	c := newORClient(t)
	c.s.App.Settings().Logs.MaxDays = 5 // PocketBase's default; the fixture has logs off
	token := strings.TrimPrefix(c.base, c.s.URL+"/openrosa/key/")
	xml, _ := engineInstance(t)
	if a := orRequest(t, "HEAD", c.base+"/submission", nil, "", nil); a.status != 204 {
		t.Fatalf("HEAD: %d", a.status)
	}
	wantStatus(t, "new", c.submit(xml, nil, nil), 201, "Received")
	changed := bytes.Replace(xml, []byte("<a_dwelling>19</a_dwelling>"), []byte("<a_dwelling>20</a_dwelling>"), 1)
	wantStatus(t, "different XML, same instanceID", c.submit(changed, nil, nil), 409, "kept for a supervisor")
	if a := orRequest(t, "GET", c.base+"/formList", nil, "", nil); a.status != 200 {
		t.Fatalf("formList: %d", a.status)
	}

	type logRow struct {
		Method string `db:"method"`
		URL    string `db:"url"`
		Status int    `db:"status"`
		Data   string `db:"data"`
	}
	var rows []logRow
	read := func() {
		rows = nil
		err := c.s.App.AuxDB().NewQuery(`SELECT json_extract(data, '$.method') AS method, json_extract(data, '$.url') AS url,
			json_extract(data, '$.status') AS status, data FROM _logs WHERE json_extract(data, '$.url') LIKE '/openrosa/%'`).All(&rows)
		if err != nil {
			t.Fatal(err)
		}
	}
	// PocketBase writes its logs in batches, 3 s after the last one.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		read()
		if len(rows) >= 2 || time.Now().After(deadline) {
			break
		}
	}
	var refused, formList bool
	for _, r := range rows {
		if strings.Contains(r.Data, token) {
			t.Errorf("a log line holds the app token: %s", r.Data)
		}
		switch {
		case r.Method == "POST" && r.Status == 409:
			refused = r.URL == "/openrosa/key/redacted/submission?deviceID=collect%3Aabc"
			if !refused {
				t.Errorf("the refused submission is logged as %q", r.URL)
			}
		case r.Method == "GET" && r.URL == "/openrosa/key/redacted/formList":
			formList = true
		case strings.HasSuffix(strings.SplitN(r.URL, "?", 2)[0], "/submission"):
			t.Errorf("a submission taken is logged: %s", r.Data)
		}
	}
	if !refused || !formList {
		t.Errorf("logged: %+v (want the 409 and the formList, redacted)", rows)
	}
}
