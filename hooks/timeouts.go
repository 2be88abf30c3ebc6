package hooks

import (
	"io"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Slow clients may not hold a connection for minutes (issue 12): request headers must
// arrive within HeaderTimeout, and a body must keep up at least MinBodyRate bytes a second
// after BodyGrace (a tablet on a weak mobile link sends a 1 MB push in seconds; a client that
// trickles a byte now and then is cut off). PocketBase's ReadTimeout (5 minutes) stays the cap.
// Variables so that tests can shorten them.
var (
	HeaderTimeout       = 10 * time.Second
	BodyGrace           = 10 * time.Second
	MinBodyRate   int64 = 2048 // bytes per second
)

func (s *Server) setTimeouts(se *core.ServeEvent) {
	if se.Server != nil {
		se.Server.ReadHeaderTimeout = HeaderTimeout
	}
}

// bodyDeadline is the middleware that holds request bodies to MinBodyRate.
func bodyDeadline(e *core.RequestEvent) error {
	// No body to hold to a rate (a GET): no deadline either. A read deadline left on the
	// connection would cancel the request's context when it passes, cutting off a long
	// export or indicator read after BodyGrace.
	if e.Request.Body == nil || e.Request.Body == http.NoBody || e.Request.ContentLength == 0 {
		return e.Next()
	}
	rc := http.NewResponseController(e.Response)
	start := time.Now()
	if rc.SetReadDeadline(start.Add(BodyGrace)) != nil {
		return e.Next() // the connection cannot take a deadline (tests' recorders): the cap stays
	}
	body := &rateBody{ReadCloser: e.Request.Body, rc: rc, start: start, size: e.Request.ContentLength}
	e.Request.Body = body
	err := e.Next()
	if body.eof {
		// Read to the end: the connection may serve the next request without the deadline.
		_ = rc.SetReadDeadline(time.Time{})
	}
	// Otherwise the deadline stays: the server cannot drain a trickling rest of the body,
	// and closes the connection instead of waiting for it.
	return err
}

type rateBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	n     int64
	size  int64 // Content-Length, -1 when unknown
	eof   bool
}

func (b *rateBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.n += int64(n)
		allowed := BodyGrace + time.Duration(b.n/MinBodyRate)*time.Second
		_ = b.rc.SetReadDeadline(b.start.Add(allowed))
	}
	if !b.eof && (err == io.EOF || b.n >= b.size && b.size > 0) {
		// Read to its end: the handler may take its time now (the deadline would cancel
		// the request's context when it passed).
		b.eof = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// Reread passes PocketBase's rewind on (router.Rereader): its body binding reads a request
// body more than once.
func (b *rateBody) Reread() {
	if r, ok := b.ReadCloser.(router.Rereader); ok {
		r.Reread()
	}
}
