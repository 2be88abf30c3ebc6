package hooks_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"fieldbase/hooks"
	"fieldbase/schemas"
)

// catalogSurveyID is a survey no catalog is shipped for: the reint follow-up installed under
// another form id, as a country would install its own survey with `survey add`.
const catalogSurveyID = "reintcat"

// reintCatalog is a catalog for reintcat: one household indicator, RI2 of the reint
// catalog, with numerator num.
func reintCatalog(num string) []byte {
	return []byte(`{"survey": "` + catalogSurveyID + `", "title": "Reint, as a country's own",
 "dimensions": [{"id": "REGION", "name": "Zone", "codes": ["MTN", "HILL", "TERAI"], "reference": "TERAI", "household": "${r_zone}"}],
 "indicators": [{"id": "DEBT", "name": "Households still owing money borrowed for a migration", "sdg": "10.7.1",
  "unit": "household", "kind": "proportion", "scale": 100, "unit_measure": "PT", "unit_name": "percent of households",
  "definition": "Share of households that still owe money borrowed to pay for a migration.",
  "population": "${r_debt} != ''", "numerator": "` + num + `"}]}`)
}

// TestStoredIndicatorCatalog: a survey installed at run time gets indicators from a catalog
// stored with the function `fieldbase indicators add` calls, without a new build. A catalog
// naming a field the survey lacks is refused, naming the indicator and the field, and nothing
// is stored; the stored one is read again at start-up, and a changed one replaces it.
func TestStoredIndicatorCatalog(t *testing.T) {
	s := newServer(t)
	var def map[string]any
	if err := json.Unmarshal(schemas.Reint, &def); err != nil {
		t.Fatal(err)
	}
	def["settings"].(map[string]any)["form_id"] = catalogSurveyID
	raw, _ := json.Marshal(def)
	if _, err := hooks.InstallSurvey(s.App, raw); err != nil {
		t.Fatalf("install: %v", err)
	}
	stored := func() int64 {
		return s.number(t, "SELECT COUNT(*) FROM indicator_catalogs")
	}

	// Refused: an unknown field, a survey that is not installed.
	_, err := hooks.SaveIndicatorCatalog(s.App, reintCatalog("${r_owes} = 'yes'"))
	if err == nil || !strings.Contains(err.Error(), "indicator DEBT") || !strings.Contains(err.Error(), "r_owes") {
		t.Fatalf("a catalog naming an unknown field: %v", err)
	}
	other := strings.Replace(string(reintCatalog("${r_debt} = 'yes'")), catalogSurveyID, "nosuch", 1)
	if _, err := hooks.SaveIndicatorCatalog(s.App, []byte(other)); err == nil || !strings.Contains(err.Error(), `survey "nosuch" is not installed`) {
		t.Fatalf("a catalog of a survey not installed: %v", err)
	}
	// The records API (admin UI) checks it the same way; only superusers get there.
	var bad any
	json.Unmarshal(reintCatalog("${r_owes} = 'yes'"), &bad)
	code, body := s.doRaw("POST", "/api/collections/indicator_catalogs/records", "superuser", map[string]any{"survey": catalogSurveyID, "catalog": bad})
	if code != 400 || !strings.Contains(string(body), "r_owes") {
		t.Fatalf("a bad catalog through the records API: %d %.300s", code, body)
	}
	if code, body := s.doRaw("GET", "/api/collections/indicator_catalogs/records", "analyst", nil); code != 403 {
		t.Fatalf("an analyst lists the catalogs: %d %.200s", code, body)
	}
	if n := stored(); n != 0 {
		t.Fatalf("%d catalogs stored after refusals", n)
	}
	// Before any catalog the survey has no indicators.
	if c, _, b := s.get(t, "/api/indicators?survey="+catalogSurveyID, "analyst"); c == 200 {
		t.Fatalf("indicators of a survey without a catalog: %d %.200s", c, b)
	}

	if _, err := hooks.SaveIndicatorCatalog(s.App, reintCatalog("${r_debt} = 'yes'")); err != nil {
		t.Fatalf("a good catalog: %v", err)
	}
	if n := stored(); n != 1 {
		t.Fatalf("%d catalogs stored", n)
	}
	hh := reintHouseholds(60, 41)
	for _, h := range hh {
		h["survey"] = catalogSurveyID
	}
	exReview(t, s, "supA", "approve", exPush(t, s, "enumA1", hh))
	share := func(yes string) float64 {
		var w, wy float64
		for _, h := range hh {
			d := h["data"].(map[string]any)
			w += d["r_wt"].(float64)
			if d["r_debt"] == yes {
				wy += d["r_wt"].(float64)
			}
		}
		return 100 * wy / w
	}
	check := func(what, yes string) {
		t.Helper()
		cells := reintCells(t, s, "survey="+catalogSurveyID+"&precision=full")
		got, _ := cells["DEBT/_T"]["estimate"].(float64)
		if want := share(yes); math.Abs(got-want) > 1e-9 || cells["DEBT/_T"]["n_unweighted"] != 60.0 {
			t.Fatalf("%s: DEBT %v over %v households, want %.10f over 60", what, cells["DEBT/_T"]["estimate"], cells["DEBT/_T"]["n_unweighted"], want)
		}
	}
	check("stored catalog", "yes")

	// Another process (the CLI) changed the stored catalog: this server reads it at start-up.
	if _, err := s.App.DB().NewQuery("UPDATE indicator_catalogs SET catalog = {:c}").
		Bind(dbx.Params{"c": string(reintCatalog("${r_debt} = 'no'"))}).Execute(); err != nil {
		t.Fatal(err)
	}
	restarted := newServerAt(t, s.App.DataDir())
	if _, err := restarted.Srv.RebuildIndicatorFacts(t.Context(), catalogSurveyID, false); err != nil {
		t.Fatal(err)
	}
	s = restarted
	check("after a restart", "no")

	// Replaced: still one record, the new catalog in force at once.
	if _, err := hooks.SaveIndicatorCatalog(s.App, reintCatalog("${r_debt} = 'yes'")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Srv.RebuildIndicatorFacts(t.Context(), catalogSurveyID, false); err != nil {
		t.Fatal(err)
	}
	if n := stored(); n != 1 {
		t.Fatalf("%d catalogs stored after a replacement", n)
	}
	check("replaced", "yes")
}
