package hooks

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"fieldbase/design"
	"fieldbase/form"
	"fieldbase/openrosa"
)

// MaxSurveyFileBytes is the largest attachment of a survey version (a choice list or data
// table); the survey_files collection takes no more.
const MaxSurveyFileBytes = 50 << 20

// InstallSurveyFiles checks a survey definition with its attached files (by file name) and
// stores it as a new active version, the files in survey_files, in one transaction. It
// refuses a malformed definition, a version already installed, a file that does not read
// as the list the form uses it for, and a form that names a data file (select_one_from_file,
// csv/xml-external, pulldata(), search()) that is not attached: the form could not work on
// a device without it.
func InstallSurveyFiles(app core.App, definition []byte, files map[string][]byte) (*core.Record, error) {
	f, err := form.LoadFiles(definition, files)
	if err != nil {
		return nil, err
	}
	if err := design.Check(f); err != nil {
		return nil, err
	}
	var missing []string
	for _, ref := range f.NamedFiles() {
		if _, ok := files[ref.Name]; ref.Data && !ok {
			missing = append(missing, fmt.Sprintf("%s (survey row %d, %s)", ref.Name, ref.Row, ref.Why))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("survey %s names %d file(s) that were not attached; attach each with the form (fieldbase survey add FORM --attach FILE, or put it next to the form):\n  %s",
			f.FormID, len(missing), strings.Join(missing, "\n  "))
	}
	names := make([]string, 0, len(files))
	for name, data := range files {
		if name == "" || strings.ContainsAny(name, "/\\\x00") || len(name) > 255 {
			return nil, fmt.Errorf("attachment %q: a file name without a path, at most 255 bytes", truncate(name, 300))
		}
		if len(data) > MaxSurveyFileBytes {
			return nil, fmt.Errorf("attachment %s is %d bytes: at most %d bytes a file", name, len(data), MaxSurveyFileBytes)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	col, err := app.FindCollectionByNameOrId("surveys")
	if err != nil {
		return nil, fmt.Errorf("surveys collection: %w", err)
	}
	version, label, err := installedVersion(app, col, f)
	if err != nil {
		return nil, err
	}
	rec := core.NewRecord(col)
	rec.Set("form_id", f.FormID)
	rec.Set("version", version)
	rec.Set("version_label", label)
	rec.Set("title", f.Title)
	rec.Set("definition", json.RawMessage(definition))
	rec.Set("status", "active")
	if len(files) == 0 {
		return rec, app.Save(rec)
	}
	err = app.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(rec); err != nil {
			return err
		}
		fcol, err := tx.FindCollectionByNameOrId("survey_files")
		if err != nil {
			return fmt.Errorf("survey_files collection: %w", err)
		}
		for _, name := range names {
			file, err := filesystem.NewFileFromBytes(files[name], name)
			if err != nil {
				return err
			}
			r := core.NewRecord(fcol)
			r.Set("survey", rec.Id)
			r.Set("name", name)
			r.Set("file", file)
			r.Set("size", len(files[name]))
			r.Set("md5", md5hex(files[name]))
			if err := tx.Save(r); err != nil {
				return fmt.Errorf("attachment %s: %w", name, err)
			}
		}
		return nil
	})
	return rec, err
}

// surveyFile is one attachment of a survey version.
type surveyFile struct {
	ID   string `db:"id"`
	Name string `db:"name"`
	File string `db:"file"`
	Size int64  `db:"size"`
	MD5  string `db:"md5"`
}

func surveyFilesOf(app core.App, surveyID string) ([]surveyFile, error) {
	var rows []surveyFile
	if _, err := app.FindCachedCollectionByNameOrId("survey_files"); err != nil {
		return nil, nil // before the migration: no survey has files
	}
	err := app.DB().NewQuery("SELECT id, name, file, size, md5 FROM survey_files WHERE survey = {:s} ORDER BY name").
		Bind(dbx.Params{"s": surveyID}).All(&rows)
	return rows, err
}

// readSurveyFile returns the bytes of a stored survey attachment.
func readSurveyFile(app core.App, f surveyFile) ([]byte, error) {
	col, err := app.FindCachedCollectionByNameOrId("survey_files")
	if err != nil {
		return nil, err
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	r, err := fsys.GetReader(col.Id + "/" + f.ID + "/" + f.File)
	if err != nil {
		return nil, fmt.Errorf("survey file %s: %w", f.Name, err)
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, MaxSurveyFileBytes+1))
}

// loadSurveyVersion compiles a stored survey version with its attached files, so that the
// answers to a select_one_from_file are checked against its file.
func loadSurveyVersion(app core.App, surveyID string, definition []byte) (*form.Survey, error) {
	stored, err := surveyFilesOf(app, surveyID)
	if err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return form.Load(definition)
	}
	files := make(map[string][]byte, len(stored))
	for _, f := range stored {
		if files[f.Name], err = readSurveyFile(app, f); err != nil {
			return nil, err
		}
	}
	return form.LoadFiles(definition, files)
}

// surveysWithFiles returns "form_id@version" of every survey version that has attachments
// (the form list gives those a manifestUrl).
func (s *Server) surveysWithFiles() (map[string]bool, error) {
	out := map[string]bool{}
	if _, err := s.app.FindCachedCollectionByNameOrId("survey_files"); err != nil {
		return out, nil
	}
	var rows []struct {
		FormID  string `db:"form_id"`
		Version int    `db:"version"`
	}
	err := s.app.DB().NewQuery("SELECT DISTINCT s.form_id, s.version FROM survey_files f JOIN surveys s ON s.id = f.survey").All(&rows)
	for _, r := range rows {
		out[surveyKey(r.FormID, r.Version)] = true
	}
	return out, err
}

func orFormURL(base, formID string, version int) string {
	return base + "/forms/" + url.PathEscape(formID) + "/" + strconv.Itoa(version)
}

// orSurveyFiles authenticates an enumerator and finds the form version of the URL and its
// attachments.
func (s *Server) orSurveyFiles(e *core.RequestEvent) (*form.Survey, []surveyFile, error) {
	if _, _, err := s.orEnumerator(e); err != nil {
		return nil, nil, err
	}
	f, err := s.orSurvey(e)
	if err != nil {
		return nil, nil, err
	}
	sv, _ := s.Surveys.Survey(f.FormID, f.Version)
	stored, err := surveyFilesOf(s.app, sv.RecordID)
	return f, stored, err
}

// orManifest is a form version's manifest: every attachment with its md5 and an absolute
// download URL (Collect downloads a file again only when its hash changes).
func (s *Server) orManifest(e *core.RequestEvent) error {
	f, stored, err := s.orSurveyFiles(e)
	if err != nil {
		return orFail(e, err)
	}
	base := orFormURL(orBase(e), f.FormID, f.Version) + "/files/"
	files := make([]openrosa.MediaFile, len(stored))
	for i, sf := range stored {
		files[i] = openrosa.MediaFile{Filename: sf.Name, Hash: "md5:" + sf.MD5, DownloadURL: base + url.PathEscape(sf.Name)}
	}
	return orReply(e, http.StatusOK, openrosa.Manifest(files))
}

// orSurveyFile downloads one attachment of a form version (an enumerator's Collect).
func (s *Server) orSurveyFile(e *core.RequestEvent) error {
	_, stored, err := s.orSurveyFiles(e)
	if err != nil {
		return orFail(e, err)
	}
	openrosa.SetHeaders(e.Response.Header(), timeNow(), OpenRosaMaxSubmission)
	if ok, err := s.serveSurveyFile(e, stored); ok || err != nil {
		return err
	}
	return orMessage(e, http.StatusNotFound, "this form has no attachment "+strconv.Quote(truncate(e.Request.PathValue("name"), 100)))
}

// serveSurveyFile answers the file of the path's {name} among files; false when there is
// no such file.
func (s *Server) serveSurveyFile(e *core.RequestEvent, files []surveyFile) (bool, error) {
	name := e.Request.PathValue("name")
	for _, sf := range files {
		if sf.Name != name {
			continue
		}
		b, err := readSurveyFile(s.app, sf)
		if err != nil {
			return true, err
		}
		e.Response.Header().Set("Content-Disposition", "attachment; filename="+quoteFilename(name))
		e.Response.Header().Set("Cache-Control", "private, no-store")
		return true, e.Blob(http.StatusOK, surveyFileType(name, b), b)
	}
	return false, nil
}

// surveyFileType is the Content-Type ODK's engines read an attachment's format from.
func surveyFileType(name string, b []byte) string {
	switch low := strings.ToLower(name); {
	case strings.HasSuffix(low, ".csv"):
		return "text/csv"
	case strings.HasSuffix(low, ".xml"):
		return "text/xml"
	case strings.HasSuffix(low, ".geojson"):
		return "application/geo+json"
	}
	return http.DetectContentType(b)
}
