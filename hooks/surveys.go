package hooks

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"fieldbase/design"
	"fieldbase/form"
	"fieldbase/ingest"
)

// Registry caches compiled survey versions; a survey is parsed once, not per submission.
type Registry struct {
	app   core.App
	mu    sync.RWMutex
	cache map[string]*ingest.Survey
	// labels: "form_id@label" -> version, for OpenRosa submissions (found ones only).
	labels map[string]int
}

func newRegistry(app core.App) *Registry {
	return &Registry{app: app, cache: map[string]*ingest.Survey{}, labels: map[string]int{}}
}

func surveyKey(formID string, version int) string { return fmt.Sprintf("%s@%d", formID, version) }

// Survey returns a compiled survey version, or false when there is none or it cannot be
// read now (logged). Find tells those two apart.
func (r *Registry) Survey(formID string, version int) (*ingest.Survey, bool) {
	sv, ok, err := r.Find(formID, version)
	if err != nil {
		r.app.Logger().Error("survey lookup failed", "form_id", formID, "version", version, "error", err)
	}
	return sv, ok
}

// Find implements ingest.Surveys: ok false with a nil error means the server has no such
// survey version; an error means the database could not say (a server fault, never to be
// reported to a device as an unknown survey). Only found surveys are cached.
func (r *Registry) Find(formID string, version int) (*ingest.Survey, bool, error) {
	key := surveyKey(formID, version)
	r.mu.RLock()
	sv, ok := r.cache[key]
	r.mu.RUnlock()
	if ok {
		return sv, true, nil
	}
	var row struct {
		ID         string `db:"id"`
		Definition string `db:"definition"`
		Label      string `db:"version_label"`
	}
	err := r.app.DB().NewQuery("SELECT id, definition, version_label FROM surveys WHERE form_id = {:f} AND version = {:v}").
		Bind(dbx.Params{"f": formID, "v": version}).One(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("survey %s version %d: %w", formID, version, err)
	}
	f, err := loadSurveyVersion(r.app, row.ID, []byte(row.Definition))
	if err != nil {
		return nil, false, fmt.Errorf("stored survey %s version %d does not load: %w", formID, version, err)
	}
	if row.Label == "" {
		row.Label = f.Settings.VersionText
	}
	f.SetInstalled(version, row.Label)
	sv = ingest.NewSurvey(row.ID, f)
	r.mu.Lock()
	r.cache[key] = sv
	r.mu.Unlock()
	return sv, true, nil
}

// Latest returns the newest version of a survey.
func (r *Registry) Latest(formID string) (*ingest.Survey, bool) {
	var v int
	err := r.app.DB().NewQuery("SELECT COALESCE(MAX(version), 0) FROM surveys WHERE form_id = {:f}").
		Bind(dbx.Params{"f": formID}).Row(&v)
	if err != nil || v == 0 {
		return nil, false
	}
	return r.Survey(formID, v)
}

func (r *Registry) forget() {
	r.mu.Lock()
	r.cache = map[string]*ingest.Survey{}
	r.labels = map[string]int{}
	r.mu.Unlock()
}

// InstallSurvey checks a survey definition and stores it as a new active version.
// It refuses a malformed definition or a version that is already installed.
func InstallSurvey(app core.App, definition []byte) (*core.Record, error) {
	return InstallSurveyFiles(app, definition, nil)
}

func (s *Server) bindSurveys() {
	// A definition edited in the admin UI is checked like one installed from a file.
	s.app.OnRecordValidate("surveys").BindFunc(func(e *core.RecordEvent) error {
		raw, _ := json.Marshal(e.Record.Get("definition"))
		f, err := form.Load(raw)
		if err == nil {
			err = design.Check(f)
		}
		if err != nil {
			return router.NewBadRequestError("the survey definition is not valid: "+err.Error(), nil)
		}
		if err := matchVersion(e.Record, f); err != nil {
			return router.NewBadRequestError(err.Error(), nil)
		}
		return e.Next()
	})
	changed := func(e *core.RecordEvent) error {
		return e.App.RunInTransaction(func(tx core.App) error {
			e.App = tx
			if err := e.Next(); err != nil {
				return err
			}
			return appendChange(tx, "", "survey", e.Record.Id, "changed")
		})
	}
	s.app.OnRecordCreate("surveys").BindFunc(changed)
	s.app.OnRecordUpdate("surveys").BindFunc(changed)
	forget := func(e *core.RecordEvent) error { s.Surveys.forget(); return e.Next() }
	s.app.OnRecordAfterCreateSuccess("surveys").BindFunc(forget)
	s.app.OnRecordAfterUpdateSuccess("surveys").BindFunc(forget)
	s.app.OnRecordAfterDeleteSuccess("surveys").BindFunc(forget)
	// A survey's attachments are part of its compiled form (select_one_from_file lists).
	s.app.OnRecordAfterCreateSuccess("survey_files").BindFunc(forget)
	s.app.OnRecordAfterUpdateSuccess("survey_files").BindFunc(forget)
	s.app.OnRecordAfterDeleteSuccess("survey_files").BindFunc(forget)
}
