package hooks

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fieldbase/replica"
)

// Replicate streams data.db to the replica directory *dir (read when the server starts, so
// it may be a command-line flag; "" falls back to $FIELDBASE_REPLICA, and then to no
// replication) with Litestream, continuously. Every write request that succeeds (push,
// review, record API, settings …) is answered only once the replica holds it: what a device
// was told is stored survives the loss of the server and its disk.
func (s *Server) Replicate(dir *string) {
	var r *replica.Replicator
	s.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		target := *dir
		if target == "" {
			target = os.Getenv("FIELDBASE_REPLICA")
		}
		if target == "" {
			return se.Next()
		}
		var err error
		r, err = replica.Start(context.Background(), filepath.Join(s.app.DataDir(), "data.db"), target, s.app.Logger())
		if err != nil {
			return err
		}
		s.app.Logger().Info("replicating data.db with Litestream", "replica", target)
		se.Router.BindFunc(func(e *core.RequestEvent) error { return replicated(e, r) })
		return se.Next()
	})
	s.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		if r != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := r.Close(ctx); err != nil {
				s.app.Logger().Error("replica: close", "error", err)
			}
		}
		return e.Next()
	})
}

// replicated holds a write request's answer until the replica has the transaction it
// committed. Reads pass straight through (an export streams).
func replicated(e *core.RequestEvent, r *replica.Replicator) error {
	switch e.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return e.Next()
	}
	orig := e.Response
	held := &heldResponse{ResponseWriter: orig}
	e.Response = held
	err := e.Next()
	e.Response = orig
	if err != nil { // the error answer is written by PocketBase, to the real writer
		if held.status != 0 || held.body.Len() > 0 {
			held.release()
		}
		return err
	}
	if held.status == 0 || held.status < 400 {
		if serr := r.Sync(e.Request.Context()); serr != nil {
			e.App.Logger().Error("replica: the change is stored here but not yet in the replica", "path", e.Request.URL.Path, "error", serr)
			return e.Error(http.StatusServiceUnavailable, "the change is stored but its replica could not be written; send it again (a resent push is answered exists)", nil)
		}
	}
	return held.release()
}

// heldResponse buffers an answer (status and body; headers go to the real writer's map).
type heldResponse struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (h *heldResponse) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(b)
}

func (h *heldResponse) release() error {
	if h.status == 0 {
		return nil
	}
	h.ResponseWriter.WriteHeader(h.status)
	_, err := h.ResponseWriter.Write(h.body.Bytes())
	return err
}
