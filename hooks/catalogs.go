package hooks

import (
	"encoding/json"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"

	"fieldbase/indicators"
)

// Indicator catalogs stored in the indicator_catalogs collection: a survey installed with
// `survey add` gets its catalog with `indicators add`, no new build. A stored catalog replaces
// the shipped one of its survey; the server reads them at start-up, and a record saved
// through the running server (the admin UI, the records API) takes effect at once.

const catalogsCollection = "indicator_catalogs"

// catalogSurvey is the "survey" key of a catalog.
func catalogSurvey(raw []byte) (string, error) {
	var head struct {
		Survey string `json:"survey"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Survey == "" {
		return "", fmt.Errorf("indicator catalog: no \"survey\" key naming its survey (%v)", err)
	}
	return head.Survey, nil
}

// CheckIndicatorCatalog compiles a catalog against every installed version of the survey it
// names, as the shipped catalogs are: strictly against the newest version, and against the
// older ones pooled (an indicator reading a field an older version lacks is not measured
// there). It returns the survey's form_id, or an error naming the version, the indicator or
// dimension and the column.
func CheckIndicatorCatalog(app core.App, raw []byte) (string, error) {
	survey, err := catalogSurvey(raw)
	if err != nil {
		return "", err
	}
	var rows []struct {
		ID         string `db:"id"`
		Version    int    `db:"version"`
		Definition string `db:"definition"`
	}
	if err := app.DB().NewQuery("SELECT id, version, definition FROM surveys WHERE form_id = {:f} ORDER BY version DESC").
		Bind(dbx.Params{"f": survey}).All(&rows); err != nil {
		return "", fmt.Errorf("indicator catalog: reading survey %s: %w", survey, err)
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("indicator catalog: survey %q is not installed (install it first with `fieldbase survey add`)", survey)
	}
	for i, r := range rows {
		sv, err := loadSurveyVersion(app, r.ID, []byte(r.Definition))
		if err != nil {
			return "", fmt.Errorf("indicator catalog: survey %s version %d does not load: %w", survey, r.Version, err)
		}
		load := indicators.LoadPooled
		if i == 0 {
			load = indicators.Load
		}
		if _, err := load(raw, sv); err != nil {
			return "", fmt.Errorf("survey %s version %d: %w", survey, r.Version, err)
		}
	}
	return survey, nil
}

// SaveIndicatorCatalog checks a catalog (CheckIndicatorCatalog) and stores it as the catalog
// of its survey, replacing a stored one; nothing is stored when it does not check. It takes
// effect in this process at once; a server running in another process reads it when it
// restarts. Facts of households pushed under an earlier catalog are then stale
// (`fieldbase indicators rebuild`).
func SaveIndicatorCatalog(app core.App, raw []byte) (*core.Record, error) {
	survey, err := CheckIndicatorCatalog(app, raw)
	if err != nil {
		return nil, err
	}
	rec, err := app.FindFirstRecordByData(catalogsCollection, "survey", survey)
	if err != nil {
		col, cerr := app.FindCachedCollectionByNameOrId(catalogsCollection)
		if cerr != nil {
			return nil, fmt.Errorf("indicator catalog: %w (run the migrations)", cerr)
		}
		rec = core.NewRecord(col)
		rec.Set("survey", survey)
	}
	rec.Set("catalog", types.JSONRaw(raw))
	if err := app.Save(rec); err != nil {
		return nil, fmt.Errorf("indicator catalog of %s: %w", survey, err)
	}
	if err := AddIndicatorCatalog(raw); err != nil { // also done by the record hook, when bound
		return nil, err
	}
	return rec, nil
}

// loadStoredCatalogs makes the stored catalogs current (at start-up). A stored catalog that
// no longer checks (its survey changed since) is logged and left out.
func loadStoredCatalogs(app core.App) error {
	if _, err := app.FindCachedCollectionByNameOrId(catalogsCollection); err != nil {
		return nil // migrations not run yet
	}
	var rows []struct {
		Survey  string `db:"survey"`
		Catalog string `db:"catalog"`
	}
	if err := app.DB().NewQuery("SELECT survey, catalog FROM " + catalogsCollection).All(&rows); err != nil {
		return fmt.Errorf("reading the stored indicator catalogs: %w", err)
	}
	for _, r := range rows {
		if err := AddIndicatorCatalog([]byte(r.Catalog)); err != nil {
			app.Logger().Error("stored indicator catalog left out", "survey", r.Survey, "error", err)
		}
	}
	return nil
}

// forgetIndicatorCatalog puts back the shipped catalog of a survey, or none.
func forgetIndicatorCatalog(survey string) {
	shipped := catalogsBySurvey(shippedCatalogs())
	indicatorCatalogJSON.Lock()
	if raw, ok := shipped[survey]; ok {
		indicatorCatalogJSON.m[survey] = raw
	} else {
		delete(indicatorCatalogJSON.m, survey)
	}
	indicatorCatalogJSON.Unlock()
	catalogs.Lock()
	clear(catalogs.m)
	catalogs.Unlock()
}

func (s *Server) bindCatalogs() {
	s.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if err := loadStoredCatalogs(se.App); err != nil {
			return err
		}
		return se.Next()
	})
	// A record edited through the admin UI or the records API is checked like `indicators add`.
	s.app.OnRecordValidate(catalogsCollection).BindFunc(func(e *core.RecordEvent) error {
		raw, _ := json.Marshal(e.Record.Get("catalog"))
		survey, err := CheckIndicatorCatalog(e.App, raw)
		if err != nil {
			return router.NewBadRequestError("the indicator catalog is not valid: "+err.Error(), nil)
		}
		if survey != e.Record.GetString("survey") {
			return router.NewBadRequestError(fmt.Sprintf("survey %q must match the catalog's \"survey\" key (%q)", e.Record.GetString("survey"), survey), nil)
		}
		return e.Next()
	})
	current := func(e *core.RecordEvent) error {
		raw, _ := json.Marshal(e.Record.Get("catalog"))
		if err := AddIndicatorCatalog(raw); err != nil {
			e.App.Logger().Error("stored indicator catalog left out", "survey", e.Record.GetString("survey"), "error", err)
		}
		return e.Next()
	}
	s.app.OnRecordAfterCreateSuccess(catalogsCollection).BindFunc(current)
	s.app.OnRecordAfterUpdateSuccess(catalogsCollection).BindFunc(current)
	s.app.OnRecordAfterDeleteSuccess(catalogsCollection).BindFunc(func(e *core.RecordEvent) error {
		forgetIndicatorCatalog(e.Record.GetString("survey"))
		return e.Next()
	})
}
