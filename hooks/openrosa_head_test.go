package hooks_test

import (
	"net/url"
	"testing"
)

// HEAD /submission names the submission URL itself, absolute and on the host the device
// used (Collect follows a Location only to the same host, re-adding its ?deviceID=), so
// Collect POSTs the rest of a send without a HEAD before each form. Behind a proxy that
// terminates TLS it is the https URL.
func TestOpenRosaHeadNamesTheSubmissionURL(t *testing.T) {
	c := newORClient(t)
	h := orRequest(t, "HEAD", c.base+"/submission?deviceID=collect%3Aabc", nil, "", nil)
	if h.status != 204 || h.header.Get("Location") != c.base+"/submission" {
		t.Fatalf("HEAD: %d, Location %q (want %q)", h.status, h.header.Get("Location"), c.base+"/submission")
	}
	loc, err := url.Parse(h.header.Get("Location"))
	if err != nil || loc.RawQuery != "" {
		t.Fatalf("Location %q: %v", h.header.Get("Location"), err)
	}
	// Collect's remap: the Location with the query it sent.
	loc.RawQuery = "deviceID=collect%3Aabc"
	doc, _ := engineInstance(t)
	body, ct := multipartBody(t, doc, nil, false)
	if a := orRequest(t, "POST", loc.String(), body, ct, nil); a.status != 201 {
		t.Fatalf("POST to the HEAD's Location: %d %s", a.status, a.body)
	}
	tls := orRequest(t, "HEAD", c.base+"/submission", nil, "", map[string]string{"X-Forwarded-Proto": "https"})
	if u, _ := url.Parse(tls.header.Get("Location")); u == nil || u.Scheme != "https" || u.Host != loc.Host {
		t.Errorf("HEAD behind a TLS proxy: Location %q", tls.header.Get("Location"))
	}
}
