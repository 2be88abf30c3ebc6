package hooks

import (
	"strings"

	"fieldbase/form"
)

// places are where a survey's answers say where someone is: what a reader without
// personal-data access gets as the PSU's displaced point, or not at all.
type places struct {
	// points are the keys of the household-level GPS answers (geopoints, the design's gps
	// among them): every one, not only the declared one, so that a survey that declares no
	// design shows no recorded point either.
	points []string
	// inRepeats: GPS answers in repeats too (a member's workplace, a plot): displaceInRows.
	inRepeats bool
	// shapes are the keys of the geotrace and geoshape answers, at any level: a route or a
	// plot's boundary, left out (a shape cannot be moved to the PSU's point). A same-named
	// answer at another level is taken out with them: the safe side.
	shapes map[string]bool
}

// any: the survey has a place in a repeat or a shape, which only rewriting the answers
// hides (household-level points are replaced by key).
func (p places) any() bool { return p.inRepeats || len(p.shapes) > 0 }

// placesOf reads a survey's places in one walk of its fields.
func placesOf(sv *form.Survey) places {
	var out places
	if sv == nil {
		return out
	}
	for _, fd := range sv.Fields() {
		switch t, _, _ := strings.Cut(fd.Type, " "); t {
		case "geopoint", "start-geopoint":
			if fd.Repeat != "" {
				out.inRepeats = true
			} else {
				out.points = append(out.points, fd.Key)
			}
		case "geotrace", "geoshape":
			if out.shapes == nil {
				out.shapes = map[string]bool{}
			}
			out.shapes[fd.Key] = true
		}
	}
	return out
}

// places is placesOf a stored survey version (none when the server does not have it).
func (s *Server) places(formID string, version int) places {
	if sv, ok := s.Surveys.Survey(formID, version); ok {
		return placesOf(sv.Form)
	}
	return places{}
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
