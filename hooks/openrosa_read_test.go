package hooks_test

import (
	"strings"
	"testing"
)

// An instance whose instanceID is missing or not a UUID is refused as a push refuses such an
// item (400 naming the problem), and nothing is stored.
func TestOpenRosaInstanceIDRefused(t *testing.T) {
	c := newORClient(t)
	doc, _ := engineInstance(t)
	before := c.count("id != ''")
	for _, tc := range []struct{ what, from, to, msg string }{
		{"not a UUID", "<instanceID>uuid:", "<instanceID>uuid:x", "id is not a UUID"},
		{"missing", "<instanceID>", "<instanceID/><orx:instanceName>", "id is missing"},
	} {
		bad := strings.Replace(string(doc), tc.from, tc.to, 1)
		if tc.what == "missing" {
			bad = strings.Replace(bad, "</instanceID>", "</orx:instanceName>", 1)
		}
		a := c.submit([]byte(bad), nil, nil)
		wantStatus(t, "instanceID "+tc.what, a, 400, tc.msg)
	}
	if n := c.count("id != ''"); n != before {
		t.Errorf("%d submissions stored for refused instances", n-before)
	}
}
