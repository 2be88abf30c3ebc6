package hooks

import (
	"strings"

	"fieldbase/form"
)

// geoKeysOf are the answer keys of a survey's household-level GPS answers (geopoints, the
// design's gps among them): the answers a reader without personal-data access gets as the
// PSU's displaced point. Every household geopoint, not only the declared one, so that a
// survey that declares no design shows no recorded point either. Those in repeats are
// displaced by displaceInRows.
func geoKeysOf(sv *form.Survey) []string {
	if sv == nil {
		return nil
	}
	var out []string
	for _, fd := range sv.Fields() {
		if fd.Repeat != "" {
			continue
		}
		if t, _, _ := strings.Cut(fd.Type, " "); t == "geopoint" || t == "start-geopoint" {
			out = append(out, fd.Key)
		}
	}
	return out
}

// geoKeys is geoKeysOf a stored survey version (none when the server does not have it).
func (s *Server) geoKeys(formID string, version int) []string {
	if sv, ok := s.Surveys.Survey(formID, version); ok {
		return geoKeysOf(sv.Form)
	}
	return nil
}

// pointKeys are the keys of answers that read as a GPS point ({"lat": …, "lon": …}), for a
// submission whose survey version the server no longer has.
func pointKeys(data map[string]any) []string {
	var out []string
	for k, v := range data {
		if m, ok := v.(map[string]any); ok {
			if _, lat := m["lat"]; lat {
				if _, lon := m["lon"]; lon {
					out = append(out, k)
				}
			}
		}
	}
	return out
}

// hasRepeatGeo: the survey has a GPS answer inside a repeat (a member's workplace, a plot).
func hasRepeatGeo(sv *form.Survey) bool {
	if sv == nil {
		return false
	}
	for _, fd := range sv.Fields() {
		if t, _, _ := strings.Cut(fd.Type, " "); fd.Repeat != "" && (t == "geopoint" || t == "start-geopoint") {
			return true
		}
	}
	return false
}

// displaceInRows puts point() (nil: none, the answer is left out) in place of every GPS
// answer ({"lat": …, "lon": …}) in the repeat rows of answers, nested repeats included; the
// household-level answers are displaceRecord's. point is called only if there is one (making
// a PSU's point may write it). It says whether anything changed.
func displaceInRows(answers map[string]any, point func() map[string]any) bool {
	changed := false
	for _, v := range answers {
		if rows, ok := v.([]any); ok {
			for _, r := range rows {
				if row, ok := r.(map[string]any); ok && displaceRow(row, point) {
					changed = true
				}
			}
		}
	}
	return changed
}

// displaceRow is displaceInRows for one repeat row: its own GPS answers and its repeats'.
func displaceRow(row map[string]any, point func() map[string]any) bool {
	changed := false
	for k, v := range row {
		if m, ok := v.(map[string]any); ok {
			if _, lat := m["lat"]; lat {
				if _, lon := m["lon"]; lon {
					if p := point(); p == nil {
						delete(row, k)
					} else {
						row[k] = p
					}
					changed = true
				}
			}
		}
	}
	return displaceInRows(row, point) || changed
}

// shapeKeysOf are the answer keys of a survey's geotrace and geoshape answers, at any level:
// a route or a plot's boundary, points a reader without personal-data access does not get
// at all (a shape cannot be moved to the PSU's point). A same-named answer at another level
// is taken out with them: the safe side.
func shapeKeysOf(sv *form.Survey) map[string]bool {
	if sv == nil {
		return nil
	}
	var out map[string]bool
	for _, fd := range sv.Fields() {
		if t, _, _ := strings.Cut(fd.Type, " "); t == "geotrace" || t == "geoshape" {
			if out == nil {
				out = map[string]bool{}
			}
			out[fd.Key] = true
		}
	}
	return out
}

// dropShapes takes the answers named in shapes out of answers and its repeat rows, nested
// repeats included; it says whether anything changed.
func dropShapes(answers map[string]any, shapes map[string]bool) bool {
	if len(shapes) == 0 {
		return false
	}
	changed := false
	for k, v := range answers {
		if shapes[k] {
			delete(answers, k)
			changed = true
			continue
		}
		if rows, ok := v.([]any); ok {
			for _, r := range rows {
				if row, ok := r.(map[string]any); ok && dropShapes(row, shapes) {
					changed = true
				}
			}
		}
	}
	return changed
}
