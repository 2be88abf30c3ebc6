package hooks

import (
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"fieldbase/form"
	"fieldbase/ingest"
	"fieldbase/openrosa"
	"fieldbase/xform"
)

// OpenRosa limits: X-OpenRosa-Accept-Content-Length tells Collect to split larger
// submissions over several POSTs (*isIncomplete*).
const (
	OpenRosaMaxSubmission = 10_000_000
	openRosaMaxFiles      = 100
)

// openrosaRoutes binds the OpenRosa server an enumerator points ODK Collect, KoboCollect
// or Enketo at: base URL <host>/openrosa/key/<app token> (no password prompt), or
// <host>/openrosa with the enumerator's email and password (Basic, over HTTPS).
func (s *Server) openrosaRoutes(r *router.Router[*core.RequestEvent]) {
	for _, prefix := range []string{"/openrosa/key/{token}", "/openrosa"} {
		g := r.Group(prefix)
		// The submission reads its body under its own limits and answers an OpenRosaResponse
		// (PocketBase's limit would answer JSON, which Collect cannot show).
		g.Unbind(apis.DefaultBodyLimitMiddlewareId)
		g.BindFunc(orRequestLog)
		g.GET("/formList", s.orFormList)
		g.HEAD("/formList", s.orFormList)
		g.GET("/forms/{form}/{version}/form.xml", s.orFormXML)
		g.GET("/forms/{form}/{version}/manifest", s.orManifest)
		g.GET("/forms/{form}/{version}/files/{name}", s.orSurveyFile)
		g.HEAD("/submission", s.orSubmissionHead)
		g.GET("/submission", s.orSubmissionHead)
		g.POST("/submission", s.orSubmit)
		g.GET("/rejected", s.orRejected)
		g.GET("/rejected/{id}", s.orRejectedInstance)
	}
}

// orReply writes an OpenRosa answer: the protocol headers and, for anything but a 204, a
// body (an OpenRosaResponse unless the caller gives the document).
func orReply(e *core.RequestEvent, status int, body []byte) error {
	openrosa.SetHeaders(e.Response.Header(), timeNow(), OpenRosaMaxSubmission)
	if status == http.StatusNoContent || e.Request.Method == http.MethodHead {
		e.Response.WriteHeader(status)
		return nil
	}
	return e.Blob(status, openrosa.ContentTypeXML, body)
}

func orMessage(e *core.RequestEvent, status int, msg string) error {
	return orReply(e, status, openrosa.Response(msg, status >= 400))
}

// orError is a refusal carried up to the handler.
type orError struct {
	status int
	msg    string
}

func (o *orError) Error() string { return o.msg }

func orFail(e *core.RequestEvent, err error) error {
	var oe *orError
	if errors.As(err, &oe) {
		if oe.status == http.StatusUnauthorized {
			e.Response.Header().Set("WWW-Authenticate", `Basic realm="fieldbase", charset="UTF-8"`)
		}
		return orMessage(e, oe.status, oe.msg)
	}
	return err
}

// orVersion checks the protocol header Collect and Enketo send (Central: 400 without it).
func orVersion(e *core.RequestEvent) error {
	if v := e.Request.Header.Get(openrosa.HeaderVersion); v != openrosa.Version {
		return &orError{http.StatusBadRequest, "this is an OpenRosa server: send the header X-OpenRosa-Version: 1.0 (ODK Collect, KoboCollect and Enketo do)"}
	}
	return nil
}

// orCaller authenticates an OpenRosa request: the app token in the path, else Basic.
// A bad token is 403, so Collect does not ask for a password it cannot use.
func (s *Server) orCaller(e *core.RequestEvent) (*core.Record, error) {
	if token := e.Request.PathValue("token"); token != "" {
		user, err := s.userOfToken(token)
		if err != nil {
			return nil, err
		}
		if user == nil {
			return nil, &orError{http.StatusForbidden, "this app token is not valid (revoked or mistyped): ask your supervisor for a new QR code"}
		}
		return user, nil
	}
	email, password, ok := e.Request.BasicAuth()
	if !ok {
		return nil, &orError{http.StatusUnauthorized, "sign in with your fieldbase email and password, or use the server address of your QR code"}
	}
	if e.Request.TLS == nil && !strings.EqualFold(e.Request.Header.Get("X-Forwarded-Proto"), "https") {
		return nil, &orError{http.StatusForbidden, "passwords are accepted only over HTTPS: use the https:// address or an app token (QR code)"}
	}
	user, err := s.app.FindAuthRecordByEmail("users", email)
	if err != nil || !user.ValidatePassword(password) {
		return nil, &orError{http.StatusUnauthorized, "wrong email or password"}
	}
	return user, nil
}

func (s *Server) userOfToken(token string) (*core.Record, error) {
	now := timeNow()
	if u, ok := s.orCache().tokenUsers.get(token, now); ok {
		return u, nil
	}
	u, err := s.lookupToken(token)
	if err == nil {
		s.orCache().tokenUsers.put(token, u, now)
	}
	return u, err
}

func (s *Server) lookupToken(token string) (*core.Record, error) {
	var id string
	err := s.app.DB().NewQuery("SELECT enumerator FROM app_tokens WHERE token = {:t} AND revoked = FALSE").
		Bind(dbx.Params{"t": token}).Row(&id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && id == "") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	user, err := s.app.FindRecordById("users", id)
	if err != nil {
		return nil, nil
	}
	// Seen at most once per cacheTTL (the lookup is cached): when a tablet last used it.
	s.app.DB().NewQuery("UPDATE app_tokens SET last_used = {:t} WHERE token = {:k}").
		Bind(dbx.Params{"t": ingest.DBTime(timeNow()), "k": token}).Execute()
	return user, nil
}

// orEnumerator authenticates the caller and requires an enumerator in exactly one team.
func (s *Server) orEnumerator(e *core.RequestEvent) (*core.Record, string, error) {
	if err := orVersion(e); err != nil {
		return nil, "", err
	}
	user, err := s.orCaller(e)
	if err != nil {
		return nil, "", err
	}
	if roleOf(user) != RoleEnumerator {
		return nil, "", &orError{http.StatusForbidden, "only enumerators send households with ODK Collect; this account is not one"}
	}
	teams := teamsOf(user)
	if len(teams) != 1 {
		return nil, "", &orError{http.StatusForbidden, "this enumerator is not in exactly one team; ask a superuser to fix the account"}
	}
	return user, teams[0], nil
}

// orBase is the absolute base URL the caller used, so that every URL in a form list
// works from the device (Collect requires absolute URLs).
func orBase(e *core.RequestEvent) string {
	scheme := "http"
	if e.Request.TLS != nil || strings.EqualFold(e.Request.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	base := scheme + "://" + e.Request.Host + "/openrosa"
	if token := e.Request.PathValue("token"); token != "" {
		base += "/key/" + url.PathEscape(token)
	}
	return base
}

// xformDoc is a survey version's served XForm and its hash.
type xformDoc struct {
	xml  []byte
	hash string
}

// xformCache holds the XForm of each compiled survey (the registry compiles a version once,
// so its *form.Survey is the key): the bytes, and so the md5, never change between requests.
var xformCache sync.Map // *form.Survey -> *xformDoc

func xformOf(f *form.Survey) (*xformDoc, error) {
	if d, ok := xformCache.Load(f); ok {
		return d.(*xformDoc), nil
	}
	b, err := xform.Build(f)
	if err != nil {
		return nil, err
	}
	d, _ := xformCache.LoadOrStore(f, &xformDoc{xml: b, hash: openrosa.MD5(b)})
	return d.(*xformDoc), nil
}

type surveyRow struct {
	FormID  string `db:"form_id"`
	Version int    `db:"version"`
	Title   string `db:"title"`
	Status  string `db:"status"`
}

// orFormList is GET formList: the active surveys (the newest version of each, or every
// version with listAllVersions=true), optionally only formID.
func (s *Server) orFormList(e *core.RequestEvent) error {
	if _, _, err := s.orEnumerator(e); err != nil {
		return orFail(e, err)
	}
	var rows []surveyRow
	if err := s.app.DB().NewQuery("SELECT form_id, version, title, status FROM surveys WHERE status = 'active' ORDER BY form_id, version DESC").All(&rows); err != nil {
		return err
	}
	q := e.Request.URL.Query()
	all := q.Get("listAllVersions") == "true"
	only := q.Get("formID")
	base := orBase(e)
	withFiles, err := s.surveysWithFiles()
	if err != nil {
		return err
	}
	var forms []openrosa.Form
	seen := map[string]bool{}
	for _, r := range rows {
		if (seen[r.FormID] && !all) || (only != "" && r.FormID != only) {
			continue
		}
		seen[r.FormID] = true
		sv, ok := s.Surveys.Survey(r.FormID, r.Version)
		if !ok {
			continue
		}
		doc, err := xformOf(sv.Form)
		if err != nil {
			s.app.Logger().Error("openrosa: survey has no XForm", "form_id", r.FormID, "version", r.Version, "error", err.Error())
			continue
		}
		// Collect drops the whole list when an entry has no name: a form without a title
		// is named by its form_id.
		if strings.TrimSpace(r.Title) == "" {
			r.Title = r.FormID
		}
		entry := openrosa.Form{
			ID: r.FormID, Name: r.Title, Version: xform.Version(sv.Form), Hash: doc.hash, Description: r.Title,
			DownloadURL: orFormURL(base, r.FormID, r.Version) + "/form.xml",
		}
		// Only a form with attachments has a manifest URL, as Central lists them.
		if withFiles[surveyKey(r.FormID, r.Version)] {
			entry.ManifestURL = orFormURL(base, r.FormID, r.Version) + "/manifest"
		}
		forms = append(forms, entry)
	}
	return orReply(e, http.StatusOK, openrosa.FormList(forms, q.Get("verbose") == "true"))
}

// orSurvey finds the survey version of a download URL.
func (s *Server) orSurvey(e *core.RequestEvent) (*form.Survey, error) {
	formID := e.Request.PathValue("form")
	v, err := strconv.Atoi(e.Request.PathValue("version"))
	if err != nil {
		return nil, &orError{http.StatusNotFound, "no such form version on this server"}
	}
	sv, ok := s.Surveys.Survey(formID, v)
	if !ok {
		return nil, &orError{http.StatusNotFound, "no such form version on this server"}
	}
	return sv.Form, nil
}

func (s *Server) orFormXML(e *core.RequestEvent) error {
	if _, _, err := s.orEnumerator(e); err != nil {
		return orFail(e, err)
	}
	f, err := s.orSurvey(e)
	if err != nil {
		return orFail(e, err)
	}
	doc, err := xformOf(f)
	if err != nil {
		return orFail(e, &orError{http.StatusInternalServerError, "this survey cannot be served as an XForm: " + err.Error()})
	}
	return orReply(e, http.StatusOK, doc.xml)
}

// orSubmissionHead is HEAD /submission: 204 and the size limit (Collect's pre-flight).
// Location names the submission URL itself, absolute, as ODK Aggregate's did: Collect then
// remembers it for the rest of a send and POSTs the other forms without a HEAD each
// (without a Location it HEADs before every form: OpenRosaServerInstanceUploader).
func (s *Server) orSubmissionHead(e *core.RequestEvent) error {
	if _, _, err := s.orEnumerator(e); err != nil {
		return orFail(e, err)
	}
	e.Response.Header().Set("Location", orBase(e)+"/submission")
	return orReply(e, http.StatusNoContent, nil)
}
