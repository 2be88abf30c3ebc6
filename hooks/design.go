package hooks

import (
	"strings"

	"fieldbase/form"
)

// geoKeysOf are the answer keys of a survey's household-level GPS answers (geopoints, the
// design's gps among them): the answers a reader without personal-data access gets as the
// PSU's displaced point. Every household geopoint, not only the declared one, so that a
// survey that declares no design shows no recorded point either.
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
