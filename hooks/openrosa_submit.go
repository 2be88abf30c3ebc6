package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/form"
	"fieldbase/ingest"
	"fieldbase/openrosa"
	"fieldbase/xform"
)

// orSubmit is POST /submission: the instance becomes the envelope a JSON push carries and
// goes through the same parser, validator, dedup and store (ingest). The outcomes are the
// push's, keyed on meta/instanceID: created or an identical resend 201 (attachments filled
// in), different XML under a known instanceID 409 (kept as a conflict), a bad body 400.
func (s *Server) orSubmit(e *core.RequestEvent) error {
	user, team, err := s.orEnumerator(e)
	if err != nil {
		return orFail(e, err)
	}
	store, err := s.Store()
	if err != nil {
		return err
	}
	// The household's Write is coming once its body is read and parsed: a group commit
	// about to begin may wait for it (store/gather.go).
	ctx, arrived := store.DB.Coming(e.Request.Context())
	defer arrived()
	sub, err := readOpenRosaBody(e)
	if err != nil {
		return orFail(e, err)
	}
	in, err := xform.Parse(sub.XML)
	if err != nil {
		return orFail(e, &orError{http.StatusBadRequest, err.Error()})
	}
	f, err := s.orSubmissionSurvey(in)
	if err != nil {
		return orFail(e, err)
	}
	deviceID := e.Request.URL.Query().Get("deviceID")
	read, refusal, err := in.Read(f, deviceID)
	if err != nil {
		return orFail(e, &orError{http.StatusBadRequest, err.Error()})
	}
	if err := checkFileLimits(sub.Files); err != nil {
		return orFail(e, &orError{err.(*fileRefusal).status, err.Error()})
	}
	if refusal != nil {
		// What a push answers an item it refuses (no id, an id that is not a UUID).
		return orMessage(e, http.StatusBadRequest, "Not accepted: "+problemsText([]form.Problem{refusal.Problem}))
	}
	out, err := store.PushRead(ctx, ingest.Caller{UserID: user.Id, TeamID: team}, read, resendKey(sub.XML, in, deviceID))
	if err != nil {
		s.app.Logger().Error("openrosa: submission not stored", "enumerator", user.Id, "instance", in.InstanceID, "error", err.Error())
		return orMessage(e, http.StatusInternalServerError, "the server could not store this form now; send it again later")
	}
	if deviceID == "" {
		deviceID = in.DeviceID
	}
	// The device record says when the tablet last sent; once per cacheTTL is enough (one
	// POST per household would otherwise double the writes).
	if k := user.Id + "|" + deviceID; !s.deviceTouched(k) {
		s.TouchDevice(user.Id, deviceID, e.Request.UserAgent(), map[string]int{out.Outcome: 1})
	}

	status, msg := openRosaOutcome(out)
	if (out.Outcome == ingest.Created || out.Outcome == ingest.Exists) && len(sub.Files) > 0 {
		// A file already stored under its name stays as it is (outcome differs): Collect
		// resends what it sent, and a stored attachment is never replaced (media.go).
		if _, err := s.saveSubmissionFiles(out.Record, strings.TrimPrefix(in.InstanceID, "uuid:"), user.Id, team, sub.Files); err != nil {
			var fr *fileRefusal
			if errors.As(err, &fr) {
				return orFail(e, &orError{fr.status, fr.msg})
			}
			s.app.Logger().Error("openrosa: attachment not stored", "instance", in.InstanceID, "error", err.Error())
			return orMessage(e, http.StatusInternalServerError, "the form was received but its files could not be stored now; send it again later")
		}
	}
	return orMessage(e, status, msg)
}

// resendKey is what makes a submission byte-identical to one sent before: its XML and,
// when the instance names no device, the device Collect named in the URL (it goes into
// the stored household). A resend of the same XML is answered from the stored receipt.
func resendKey(doc []byte, in *xform.Instance, deviceID string) []byte {
	if in.DeviceID != "" || deviceID == "" {
		return doc
	}
	return append(append(append([]byte{}, doc...), "\x00deviceID="...), deviceID...)
}

// readOpenRosaBody reads the multipart body under the size limits (413 beyond them).
func readOpenRosaBody(e *core.RequestEvent) (*openrosa.Submission, error) {
	const total = OpenRosaMaxSubmission + 1<<20 // parts' headers and boundaries
	if e.Request.ContentLength > total {
		return nil, &orError{http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the submission is %d bytes; at most %d are accepted in one POST", e.Request.ContentLength, OpenRosaMaxSubmission)}
	}
	mt, params, err := mime.ParseMediaType(e.Request.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, &orError{http.StatusBadRequest, "the submission must be multipart/form-data with an " + openrosa.PartXML + " part, as ODK Collect sends it"}
	}
	sub, err := openrosa.ReadSubmission(e.Request.Body, params["boundary"], openrosa.Limits{
		Total: total, XML: xform.MaxInstanceBytes, File: OpenRosaMaxSubmission, MaxFiles: openRosaMaxFiles})
	if err != nil {
		var pe *openrosa.Error
		if errors.As(err, &pe) {
			return nil, &orError{pe.Status, pe.Msg}
		}
		return nil, err
	}
	return sub, nil
}

// orSubmissionSurvey finds the survey version the instance names: 404 if it is unknown,
// 409 if it no longer takes submissions.
func (s *Server) orSubmissionSurvey(in *xform.Instance) (*form.Survey, error) {
	if in.FormID == "" {
		return nil, &orError{http.StatusBadRequest, "the submission's root element has no id attribute (the form ID)"}
	}
	// The version attribute is the label the XForm was served with (survey_versions.go).
	v, found, err := s.Surveys.VersionOf(in.FormID, in.Version)
	var row surveyRow
	if err == nil && found {
		row, err = s.surveyStatus(in.FormID, v)
	}
	if err != nil || row.Status == "" {
		return nil, &orError{http.StatusNotFound, fmt.Sprintf("form %q version %q is not on this server: download the current form and fill it again", truncate(in.FormID, 64), truncate(in.Version, 20))}
	}
	if row.Status != "active" {
		return nil, &orError{http.StatusConflict, fmt.Sprintf("form %q version %q is closed: it no longer takes submissions", in.FormID, in.Version)}
	}
	sv, ok := s.Surveys.Survey(in.FormID, v)
	if !ok {
		return nil, &orError{http.StatusNotFound, fmt.Sprintf("form %q version %q cannot be loaded on this server", in.FormID, in.Version)}
	}
	return sv.Form, nil
}

// surveyStatus reads a survey version's row (Status "" when there is none), cached.
func (s *Server) surveyStatus(formID string, v int) (surveyRow, error) {
	key := surveyKey(formID, v)
	now := timeNow()
	if row, ok := s.orCache().surveyStatus.get(key, now); ok {
		return row, nil
	}
	var row surveyRow
	err := s.app.DB().NewQuery("SELECT form_id, version, title, status FROM surveys WHERE form_id = {:f} AND version = {:v}").
		Bind(dbx.Params{"f": formID, "v": v}).One(&row)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return row, err
	}
	s.orCache().surveyStatus.put(key, row, now)
	return row, nil
}

// openRosaOutcome says what became of the submission, in the words Collect shows.
func openRosaOutcome(o ingest.Outcome) (int, string) {
	switch o.Outcome {
	case ingest.Created:
		switch o.Status {
		case "invalid":
			return http.StatusCreated, "Received, with problems a supervisor will see: " + problemsText(o.Errors)
		case "duplicate":
			return http.StatusCreated, "Received: the same answers were sent before under another form; a supervisor will check it"
		case "flagged":
			return http.StatusCreated, "Received; flagged for a supervisor's look"
		}
		return http.StatusCreated, "Received: thank you"
	case ingest.Exists:
		return http.StatusCreated, "Already received: nothing new to save"
	case ingest.Conflict:
		return http.StatusConflict, "A different form with the same instance ID was received before; this copy is kept for a supervisor to compare"
	}
	return http.StatusBadRequest, "Not accepted: " + problemsText(o.Errors)
}

func problemsText(ps []form.Problem) string {
	if len(ps) == 0 {
		return "no details"
	}
	msg := ps[0].Message
	if len(ps) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(ps)-1)
	}
	return msg
}

func (s *Server) deviceTouched(k string) bool {
	now := timeNow()
	c := &s.orCache().deviceTouch
	if _, ok := c.get(k, now); ok {
		return true
	}
	c.put(k, true, now)
	return false
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
