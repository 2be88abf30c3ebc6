package hooks

import (
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// pbSkipSuccessLog is the request-event key PocketBase's activity logger reads, after the
// whole chain has run, to leave out a successful request's log (apis.SkipSuccessActivityLog
// sets it, but only before the handler runs, when the status is not known yet).
// TestOpenRosaRequestLogs fails if PocketBase renames it.
const pbSkipSuccessLog = "__skipSuccessActivityLogger"

// orRequestLog shapes what PocketBase's request log keeps of an OpenRosa request:
//
//   - The app token is a password (whoever holds it submits as the enumerator), and it is
//     in the URL Collect calls; the log, shown to superusers and kept for days, gets the
//     URL with the token replaced by "redacted".
//   - A submission that was taken (HEAD 204, POST 201) leaves no log line: the stored
//     household records who sent it, when and from which device, and a log row a household
//     (written through PocketBase's model save in the auxiliary database) cost about a tenth
//     of the server's CPU for it. Refusals (4xx, 5xx) are logged as before.
func orRequestLog(e *core.RequestEvent) error {
	err := e.Next()
	if tok := e.Request.PathValue("token"); tok != "" {
		u := *e.Request.URL
		u.Path = strings.Replace(u.Path, "/key/"+tok+"/", "/key/redacted/", 1)
		u.RawPath = ""
		e.Request.URL = &u
	}
	if err == nil && e.Status() < http.StatusBadRequest && strings.HasSuffix(e.Request.URL.Path, "/submission") {
		e.Set(pbSkipSuccessLog, true)
	}
	return err
}
