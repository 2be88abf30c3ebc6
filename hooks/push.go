package hooks

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/pocketbase/core"

	"fieldbase/form"
	"fieldbase/ingest"
)

// Push limits, documented in the README.
const (
	MaxPushBytes = 16 << 20
	MaxPushItems = 500
)

var timeNow = time.Now

type pushRequest struct {
	DeviceID    string            `json:"device_id"`
	AppVersion  string            `json:"app_version"`
	Submissions []json.RawMessage `json:"submissions"`
}

type pushResponse struct {
	Results []ingest.Outcome `json:"results"`
	Counts  map[string]int   `json:"counts"`
}

// push is POST /api/sync/push (sync.md): each item handled and stored on its own.
func (s *Server) push(e *core.RequestEvent) error {
	if _, err := requireRole(e, RoleEnumerator); err != nil {
		return err
	}
	body, err := readBody(e, MaxPushBytes)
	if err != nil {
		return err
	}
	var req pushRequest
	if err := decodeObject(body, &req); err != nil {
		return err
	}
	if req.Submissions == nil {
		return apiError(http.StatusBadRequest, `the body has no "submissions" array`)
	}
	if len(req.Submissions) > MaxPushItems {
		return apiError(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("too many submissions in one push: %d (at most %d); send them in smaller batches", len(req.Submissions), MaxPushItems))
	}
	teams := teamsOf(e.Auth)
	if len(teams) != 1 {
		return apiError(http.StatusForbidden, "this enumerator is not in exactly one team; ask a superuser to fix the account")
	}
	store, err := s.Store()
	if err != nil {
		return err
	}
	caller := ingest.Caller{UserID: e.Auth.Id, TeamID: teams[0]}
	outs, errs, err := store.PushAll(e.Request.Context(), caller, req.Submissions)
	if err != nil {
		// Nothing of this request is stored: a server fault, and the device keeps every item.
		s.app.Logger().Error("push: not stored", "enumerator", e.Auth.Id, "items", len(req.Submissions), "error", err.Error())
		return apiError(http.StatusServiceUnavailable, "the server could not store this push now; nothing of it was stored: send it again")
	}
	resp := pushResponse{Results: outs, Counts: map[string]int{}}
	for i, err := range errs {
		if err != nil {
			// The item is not stored: say so, so the device keeps it and sends it again.
			s.app.Logger().Error("push: item not stored", "enumerator", e.Auth.Id, "id", itemID(req.Submissions[i]), "error", err.Error())
			if os.Getenv("FIELDBASE_DEBUG") != "" {
				fmt.Fprintln(os.Stderr, "push: item not stored:", err)
			}
			resp.Results[i] = ingest.Outcome{ID: itemID(req.Submissions[i]), Outcome: ingest.Refused, Warnings: []form.Problem{},
				Errors: []form.Problem{{Rule: "type", Message: "the server could not store this submission now; keep it and send it again"}}}
		}
		resp.Counts[resp.Results[i].Outcome]++
	}
	s.touchDevice(e, req.DeviceID, req.AppVersion, resp.Counts)
	return e.JSON(http.StatusOK, resp)
}

// readBody reads at most limit bytes and answers 413 beyond, 400 for invalid UTF-8. A body
// sent with Content-Encoding: gzip is decompressed; the limit applies to what it inflates to.
func readBody(e *core.RequestEvent, limit int64) ([]byte, error) {
	var r io.Reader = e.Request.Body
	switch enc := strings.ToLower(strings.TrimSpace(e.Request.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		if e.Request.ContentLength > limit {
			return nil, apiError(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("request body too large: %d bytes (at most %d)", e.Request.ContentLength, limit))
		}
	case "gzip":
		zr, err := gzip.NewReader(e.Request.Body)
		if err != nil {
			return nil, apiError(http.StatusBadRequest, "the body says Content-Encoding: gzip but is not gzip: "+err.Error())
		}
		defer zr.Close()
		r = zr
	default:
		return nil, apiError(http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Encoding %q is not supported: send the body plain or gzip", enc))
	}
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, apiError(http.StatusBadRequest, "could not read the request body: "+err.Error())
	}
	if int64(len(body)) > limit {
		return nil, apiError(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body too large: more than %d bytes", limit))
	}
	if !utf8.Valid(body) {
		return nil, apiError(http.StatusBadRequest, "the request body is not valid UTF-8")
	}
	return body, nil
}

// decodeObject parses a JSON object body into v with a 400 that names the problem.
func decodeObject(body []byte, v any) error {
	// One decode: the body of a push is most of the request's cost. Only the first byte is
	// looked at beforehand, to say "not an object" rather than a type error.
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] != '{' {
		if !json.Valid(body) {
			return apiError(http.StatusBadRequest, "the body is not JSON")
		}
		return apiError(http.StatusBadRequest, "the body must be a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return apiError(http.StatusBadRequest, fmt.Sprintf("the body is not JSON: %v (at byte %d)", se, se.Offset))
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return apiError(http.StatusBadRequest, fmt.Sprintf("field %q has the wrong type: got %s, want %s", te.Field, te.Value, te.Type))
		}
		if len(trimmed) == 0 || !json.Valid(body) {
			return apiError(http.StatusBadRequest, "the body is not JSON: "+err.Error())
		}
		return apiError(http.StatusBadRequest, "the body has the wrong shape: "+err.Error())
	}
	return nil
}

func itemID(raw json.RawMessage) string {
	var m struct {
		ID any `json:"id"`
	}
	json.Unmarshal(raw, &m)
	id, _ := m.ID.(string)
	if len(id) > 64 {
		id = id[:64]
	}
	return id
}
