package hooks

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"fieldbase/openrosa"
)

// mediaRoutes binds the attachments of the JSON sync API (docs/sync-api.md, "Media"):
// after a push, the device uploads each file its media answers name; anyone who may read
// the submission's files lists and downloads them.
func (s *Server) mediaRoutes(api *router.RouterGroup[*core.RequestEvent]) {
	g := api.Group("/sync/submissions/{uuid}/attachments")
	g.GET("", s.attachmentsList)
	g.GET("/{name}", s.attachmentDownload)
	// The upload reads its body under MaxAttachmentBytes itself, answering 413 with the limit.
	g.PUT("/{name}", s.attachmentUpload).Unbind(apis.DefaultBodyLimitMiddlewareId)
	// A survey version's own files (choice lists, pulldata tables, label media), which a
	// device needs with the definition it pulls.
	api.GET("/sync/surveys/{form}/{version}/files", s.surveyFilesList)
	api.GET("/sync/surveys/{form}/{version}/files/{name}", s.surveyFileDownload)
}

// syncSurveyFiles checks the caller (enumerators and supervisors, as the survey_files
// collection's rule) and finds the survey version's files.
func (s *Server) syncSurveyFiles(e *core.RequestEvent) (string, int, []surveyFile, error) {
	if _, err := requireRole(e, RoleEnumerator, RoleSupervisor, RoleSuperuser); err != nil {
		return "", 0, nil, err
	}
	formID := e.Request.PathValue("form")
	v, err := strconv.Atoi(e.Request.PathValue("version"))
	sv, ok := s.Surveys.Survey(formID, v)
	if err != nil || !ok {
		return "", 0, nil, apiError(http.StatusNotFound, fmt.Sprintf("no survey %q version %q on this server", truncate(formID, 100), truncate(e.Request.PathValue("version"), 20)))
	}
	files, err := surveyFilesOf(s.app, sv.RecordID)
	return formID, v, files, err
}

func (s *Server) surveyFilesList(e *core.RequestEvent) error {
	formID, v, files, err := s.syncSurveyFiles(e)
	if err != nil {
		return err
	}
	list := make([]map[string]any, len(files))
	for i, f := range files {
		list[i] = map[string]any{"name": f.Name, "size": f.Size, "md5": f.MD5,
			"url": "/api/sync/surveys/" + url.PathEscape(formID) + "/" + strconv.Itoa(v) + "/files/" + url.PathEscape(f.Name)}
	}
	return e.JSON(http.StatusOK, map[string]any{"form_id": formID, "version": v, "files": list})
}

func (s *Server) surveyFileDownload(e *core.RequestEvent) error {
	formID, v, files, err := s.syncSurveyFiles(e)
	if err != nil {
		return err
	}
	if ok, err := s.serveSurveyFile(e, files); ok || err != nil {
		return err
	}
	return apiError(http.StatusNotFound, fmt.Sprintf("survey %s version %d has no file %q", formID, v, truncate(e.Request.PathValue("name"), 100)))
}

func (s *Server) attachmentsList(e *core.RequestEvent) error {
	if e.Auth == nil {
		return apiError(http.StatusUnauthorized, "missing or invalid auth token: sign in and send it in the Authorization header")
	}
	sub, err := s.mediaSubmission(e, e.Request.PathValue("uuid"))
	if err != nil {
		return err
	}
	list, err := s.listAttachments(sub)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, list)
}

// attachmentUpload is PUT .../attachments/{name}: the body is the file (raw, or a
// multipart/form-data body whose first file part is). Only the enumerator who sent the
// submission uploads, and only names its media answers name. A resend of the same bytes
// is 200 and stores nothing; other bytes under a stored name are 409 (a stored file is
// evidence a supervisor may have looked at: it is never replaced).
func (s *Server) attachmentUpload(e *core.RequestEvent) error {
	if _, err := requireRole(e, RoleEnumerator); err != nil {
		return err
	}
	sub, err := s.mediaSubmission(e, e.Request.PathValue("uuid"))
	if err != nil {
		return err
	}
	name := e.Request.PathValue("name")
	named, err := s.mediaAnswers(sub)
	if err != nil {
		return err
	}
	if _, ok := named[name]; !ok {
		return apiError(http.StatusNotFound, fmt.Sprintf("no media answer of submission %s names %q: upload only the files its answers name (GET .../attachments lists them)", sub.UUID, truncate(name, 100)))
	}
	body, err := readAttachmentBody(e)
	if err != nil {
		return err
	}
	outcomes, err := s.saveSubmissionFiles(sub.ID, sub.UUID, sub.Enumerator, sub.Team, []openrosa.File{{Name: name, Data: body}})
	if err != nil {
		var fr *fileRefusal
		if errors.As(err, &fr) {
			return apiError(fr.status, fr.msg)
		}
		return err
	}
	status := http.StatusOK
	switch outcomes[0] {
	case fileCreated:
		status = http.StatusCreated
	case fileDiffers:
		return apiError(http.StatusConflict, fmt.Sprintf("submission %s already has a different file %q (a stored attachment is never replaced): send it under another name with the answer changed, in a correction", sub.UUID, truncate(name, 100)))
	}
	list, err := s.listAttachments(sub)
	if err != nil {
		return err
	}
	return e.JSON(status, map[string]any{"id": sub.UUID, "name": name, "outcome": outcomes[0], "size": len(body),
		"md5": md5hex(body), "missing": list.Missing})
}

// readAttachmentBody reads an upload: the raw body, or the first file part of a
// multipart/form-data body, under MaxAttachmentBytes (413 beyond, naming the limit).
func readAttachmentBody(e *core.RequestEvent) ([]byte, error) {
	tooLarge := func() error {
		return apiError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than %d bytes, the most accepted for one attachment", MaxAttachmentBytes))
	}
	if e.Request.ContentLength > MaxAttachmentBytes+1<<16 {
		return nil, tooLarge()
	}
	var r io.Reader = e.Request.Body
	if mt, params, err := mime.ParseMediaType(e.Request.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		mr := multipart.NewReader(io.LimitReader(e.Request.Body, MaxAttachmentBytes+1<<16), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return nil, apiError(http.StatusBadRequest, "the multipart body has no file part: send the file as the body, or as a part with a filename")
			}
			if p.FileName() != "" {
				r = p
				break
			}
		}
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxAttachmentBytes+1))
	if err != nil {
		if strings.Contains(err.Error(), "too large") {
			return nil, tooLarge()
		}
		return nil, apiError(http.StatusBadRequest, "could not read the file: "+err.Error())
	}
	if int64(len(b)) > MaxAttachmentBytes {
		return nil, tooLarge()
	}
	if len(b) == 0 {
		return nil, apiError(http.StatusBadRequest, "the file is empty: send its bytes as the request body")
	}
	return b, nil
}

// attachmentDownload is GET .../attachments/{name}: the file, for whoever may read the
// submission's files; a name that is not stored and a submission the caller may not see
// are the same 404.
func (s *Server) attachmentDownload(e *core.RequestEvent) error {
	if e.Auth == nil {
		return apiError(http.StatusUnauthorized, "missing or invalid auth token: sign in and send it in the Authorization header")
	}
	uuid, name := e.Request.PathValue("uuid"), e.Request.PathValue("name")
	sub, err := s.mediaSubmission(e, uuid)
	if err != nil {
		return err
	}
	stored, err := s.storedFiles(sub.ID)
	if err != nil {
		return err
	}
	f, ok := stored[name]
	if !ok {
		return apiError(http.StatusNotFound, fmt.Sprintf("no submission %q with attachments you may see", truncate(uuid, 64)))
	}
	col, err := s.app.FindCachedCollectionByNameOrId("submission_files")
	if err != nil {
		return err
	}
	fsys, err := s.app.NewFilesystem()
	if err != nil {
		return err
	}
	defer fsys.Close()
	h := e.Response.Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "attachment; filename="+quoteFilename(name))
	key := col.Id + "/" + f.ID + "/" + f.File
	if err := fsys.Serve(e.Response, e.Request, key, name); err != nil {
		s.app.Logger().Error("attachment: stored file not readable", "submission", sub.ID, "name", name, "error", err.Error())
		return apiError(http.StatusInternalServerError, "the file is recorded but cannot be read now")
	}
	return nil
}

func quoteFilename(name string) string {
	return `"` + strings.NewReplacer(`"`, "_", "\\", "_", "\r", "_", "\n", "_").Replace(name) + `"`
}
