package hooks

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/export"
	"fieldbase/openrosa"
	"fieldbase/xform"
)

// The households a supervisor sent back, for the web form to correct (ui/app/webform.js).
// OpenRosa has no such list: Collect's enumerators hear of a rejection from their
// supervisor, and a correction is a new instance whose meta/deprecatedID names the rejected
// one (orSubmit stores it as superseding). In the browser, ODK Web Forms edits an instance
// (as ODK Central's edit does) and sends exactly that, so the two routes below give it
// what it edits: the caller's own rejected households, and the instance XML of one.
// Another enumerator's household, or one not rejected, reads as absent (404).

type rejectedRow struct {
	UUID       string `db:"uuid" json:"instance_id"`
	FormID     string `db:"form_id" json:"form_id"`
	Version    int    `db:"version" json:"version"`
	PSU        int    `db:"a_psu" json:"a_psu"`
	Dwelling   int    `db:"a_dwelling" json:"a_dwelling"`
	Note       string `db:"review_note" json:"note"`
	ReviewedAt string `db:"reviewed_at" json:"rejected_at"`
}

// orRejected is GET rejected: the caller's rejected households, the latest decision first
// (at most 200), as JSON.
func (s *Server) orRejected(e *core.RequestEvent) error {
	user, _, err := s.orEnumerator(e)
	if err != nil {
		return orFail(e, err)
	}
	rows := []rejectedRow{}
	err = s.app.DB().NewQuery(`SELECT uuid, form_id, version, a_psu, a_dwelling, review_note, reviewed_at
		FROM submissions WHERE enumerator = {:u} AND status = 'rejected'
		ORDER BY reviewed_at DESC LIMIT 200`).Bind(dbx.Params{"u": user.Id}).All(&rows)
	if err != nil {
		return orFail(e, &orError{http.StatusInternalServerError, "the households sent back cannot be read now; try again later"})
	}
	openrosa.SetHeaders(e.Response.Header(), timeNow(), OpenRosaMaxSubmission)
	return e.JSON(http.StatusOK, map[string]any{"households": rows})
}

// orRejectedInstance is GET rejected/{id}: the instance XML of one of the caller's rejected
// households (id: its instanceID, with or without "uuid:"), its personal answers included
// (they are the caller's own), as Collect would have sent it.
func (s *Server) orRejectedInstance(e *core.RequestEvent) error {
	user, _, err := s.orEnumerator(e)
	if err != nil {
		return orFail(e, err)
	}
	id := strings.TrimPrefix(e.Request.PathValue("id"), "uuid:")
	var row struct {
		UUID        string `db:"uuid"`
		FormID      string `db:"form_id"`
		Version     int    `db:"version"`
		Data        string `db:"data"`
		PII         string `db:"pii"`
		StartedAt   string `db:"started_at"`
		CompletedAt string `db:"completed_at"`
		DeviceID    string `db:"device_id"`
	}
	err = s.app.DB().NewQuery(`SELECT uuid, form_id, version, COALESCE(data, '') AS data, COALESCE(pii, '') AS pii,
		started_at, completed_at, device_id FROM submissions
		WHERE uuid = {:id} AND enumerator = {:u} AND status = 'rejected' ORDER BY rowid DESC LIMIT 1`).
		Bind(dbx.Params{"id": id, "u": user.Id}).One(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return orFail(e, &orError{http.StatusNotFound, "no household of yours sent back for correction has this id"})
	}
	if err != nil {
		return orFail(e, &orError{http.StatusInternalServerError, "the household cannot be read now; try again later"})
	}
	sv, ok := s.Surveys.Survey(row.FormID, row.Version)
	if !ok {
		return orFail(e, &orError{http.StatusNotFound, "the form of this household is no longer on this server"})
	}
	env := map[string]any{
		"id":           row.UUID,
		"started_at":   export.ISOTime(row.StartedAt),
		"completed_at": export.ISOTime(row.CompletedAt),
		"device_id":    row.DeviceID,
		"data":         mergePII(json.RawMessage(orNull(row.Data)), json.RawMessage(orNull(row.PII))),
	}
	return orReply(e, http.StatusOK, xform.InstanceXML(sv.Form, env))
}
