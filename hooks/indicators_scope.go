package hooks

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"

	"fieldbase/design"
	"fieldbase/indicators"
	"fieldbase/ingest"
)

// indicatorScope is the households an indicators request is over: the approved households of
// a survey, of every version (Versions nil) or of some (version=N, round=R).
type indicatorScope struct {
	Survey   string
	Versions []int // ascending; nil: all
	// Round and RoundYear are set when the request names a round: TIME_PERIOD is then the
	// round's year.
	Round, RoundYear string
	// SV is the version the catalog is compiled against: the one asked for, else the newest
	// (of the round).
	SV *ingest.Survey
}

// key tells snapshots of different scopes apart.
func (sc indicatorScope) key() string {
	if sc.Versions == nil {
		return sc.Survey
	}
	parts := make([]string, len(sc.Versions))
	for i, v := range sc.Versions {
		parts[i] = strconv.Itoa(v)
	}
	return sc.Survey + "@" + strings.Join(parts, ",")
}

// has reports whether the scope holds households of version v.
func (sc indicatorScope) has(v int) bool {
	return sc.Versions == nil || slices.Contains(sc.Versions, v)
}

// versionFilter is the SQL condition on submissions (alias-free) that keeps the scope's
// versions, with its parameters; "" for all versions.
func (sc indicatorScope) versionFilter(params dbx.Params) string {
	if sc.Versions == nil {
		return ""
	}
	marks := make([]string, len(sc.Versions))
	for i, v := range sc.Versions {
		k := fmt.Sprintf("ver%d", i)
		params[k], marks[i] = v, "{:"+k+"}"
	}
	return " AND version IN (" + strings.Join(marks, ",") + ")"
}

// surveyVersions lists the installed versions of a survey, ascending.
func (s *Server) surveyVersions(formID string) ([]int, error) {
	var vs []int
	err := s.app.DB().NewQuery("SELECT version FROM surveys WHERE form_id = {:f} ORDER BY version").
		Bind(dbx.Params{"f": formID}).Column(&vs)
	return vs, err
}

// indicatorScopeOf reads survey=, version= (a number, or all) and round= of an indicators
// request and compiles the catalog for it. A survey without a catalog is a 404 that says why
// (no catalog shipped; no design in its settings).
func (s *Server) indicatorScopeOf(q url.Values) (indicatorScope, *indicators.Catalog, error) {
	sc := indicatorScope{Survey: q.Get("survey")}
	if sc.Survey == "" {
		return sc, nil, apiError(http.StatusBadRequest, "survey is required (e.g. survey=mhs)")
	}
	latest, ok := s.Surveys.Latest(sc.Survey)
	if !ok {
		return sc, nil, apiError(http.StatusNotFound, fmt.Sprintf("no survey %q is installed", sc.Survey))
	}
	sc.SV = latest
	all, err := s.surveyVersions(sc.Survey)
	if err != nil {
		return sc, nil, fmt.Errorf("indicators: versions of %s: %w", sc.Survey, err)
	}
	if v := strings.TrimSpace(q.Get("version")); v != "" && v != "all" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(all, n) {
			return sc, nil, apiError(http.StatusNotFound, fmt.Sprintf("survey %s has no version %q (versions: %s; or version=all)", sc.Survey, v, intList(all)))
		}
		sc.Versions = []int{n}
	}
	if r := strings.TrimSpace(q.Get("round")); r != "" {
		var in []int
		var rounds []string
		for _, v := range all {
			sv, ok := s.Surveys.Survey(sc.Survey, v)
			if !ok {
				continue
			}
			if !slices.Contains(rounds, sv.Design.Round) && sv.Design.Round != "" {
				rounds = append(rounds, sv.Design.Round)
			}
			if sv.Design.Round == r && (sc.Versions == nil || sc.Versions[0] == v) {
				in = append(in, v)
				sc.RoundYear = sv.Design.RoundYear
			}
		}
		if len(in) == 0 {
			return sc, nil, apiError(http.StatusNotFound, fmt.Sprintf("survey %s has no round %q%s (rounds: %s)", sc.Survey, r, versionNote(sc.Versions), strings.Join(rounds, ", ")))
		}
		sc.Round, sc.Versions = r, in
	}
	if sc.Versions != nil {
		if sv, ok := s.Surveys.Survey(sc.Survey, sc.Versions[len(sc.Versions)-1]); ok {
			sc.SV = sv
		}
	}
	cat, err := IndicatorCatalog(sc.SV.Form)
	if err != nil {
		return sc, nil, fmt.Errorf("indicators: catalog of %s: %w", sc.Survey, err)
	}
	if cat == nil {
		return sc, nil, apiError(http.StatusNotFound, noCatalog(sc.Survey, sc.SV.Design))
	}
	return sc, cat, nil
}

// noCatalog says why a survey has no indicators.
func noCatalog(formID string, d *design.Design) string {
	msg := fmt.Sprintf("survey %q has no indicator catalog", formID)
	if why := d.Missing(formID); why != "" {
		msg += "; " + why
	}
	return msg
}

func versionNote(vs []int) string {
	if len(vs) == 1 {
		return fmt.Sprintf(" in version %d", vs[0])
	}
	return ""
}

func intList(vs []int) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ", ")
}

// measuredOnly keeps, of the indicators a request names (all when it names none), those the
// scope's version can measure: one it cannot (an indicator of version 2's questions asked of
// version 1) is a 404 saying why when it is named, and left out when it is not.
func measuredOnly(sc indicatorScope, cat *indicators.Catalog, ids []string) ([]string, error) {
	if len(ids) == 0 {
		all := true
		for _, in := range cat.Indicators {
			if in.Measured() {
				ids = append(ids, in.ID)
			} else {
				all = false
			}
		}
		if all {
			return nil, nil
		}
		return ids, nil
	}
	for _, id := range ids {
		if in := cat.Indicator(id); in != nil && !in.Measured() {
			return nil, apiError(http.StatusNotFound, fmt.Sprintf("indicator %s cannot be computed for these households: %s", id, in.Missing))
		}
	}
	return ids, nil
}
