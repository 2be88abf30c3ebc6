package hooks_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fieldbase/hooks"
)

// TestLongRequestsKeepTheirContext: the slow-body deadline once stayed on the connection of a
// request without a body (and of one whose body was read), and cancelled the request's
// context when it passed: a 300,000-household export or indicator read was cut off after
// BodyGrace. A handler that takes longer than the grace after its body is read finishes.
func TestLongRequestsKeepTheirContext(t *testing.T) {
	grace := hooks.BodyGrace
	hooks.BodyGrace = 300 * time.Millisecond
	defer func() { hooks.BodyGrace = grace }()
	slow := func(e *core.RequestEvent) error {
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(e.Request.Body); err != nil {
			return err
		}
		select {
		case <-time.After(3 * hooks.BodyGrace):
			return e.String(http.StatusOK, "done")
		case <-e.Request.Context().Done():
			t.Errorf("%s: the request's context was cancelled after %v", e.Request.Method, hooks.BodyGrace)
			return e.Request.Context().Err()
		}
	}
	s := newServerAt(t, fixtureDir, func(se *core.ServeEvent) {
		se.Router.GET("/test/slow", slow)
		se.Router.POST("/test/slow", slow)
	})
	for _, method := range []string{"GET", "POST"} {
		var body *bytes.Reader
		if method == "POST" {
			body = bytes.NewReader([]byte(`{"a": 1}`))
		} else {
			body = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, s.URL+"/test/slow", body)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: HTTP %d", method, res.StatusCode)
		}
	}
}
