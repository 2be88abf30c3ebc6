package ingest

import (
	"fieldbase/dedup"
	"fieldbase/design"
	"fieldbase/form"
)

// NewSurvey wraps a compiled form with what storing it needs precomputed: its sensitive
// fields and its design (the roles of its settings; a role naming no usable field is left
// out, installing refuses such a survey: design.Check).
func NewSurvey(recordID string, f *form.Survey) *Survey {
	d, _ := design.Read(f)
	s := &Survey{RecordID: recordID, Form: f, Design: d, repeatSensitive: map[string][]string{}}
	for _, fd := range f.Fields() {
		if !fd.Sensitive {
			continue
		}
		if fd.Repeat == "" {
			s.hhSensitive = append(s.hhSensitive, fd.Name)
		} else {
			s.repeatSensitive[fd.Repeat] = append(s.repeatSensitive[fd.Repeat], fd.Name)
		}
	}
	return s
}

// splitPII moves the `sensitive` answers out of data (which it modifies) into their own
// object, so API rules and exports can leave them out by role.
func (s *Survey) splitPII(data map[string]any) map[string]any {
	pii := map[string]any{}
	for _, name := range s.hhSensitive {
		if v, ok := data[name]; ok {
			pii[name] = v
			delete(data, name)
		}
	}
	for rep, names := range s.repeatSensitive {
		rows, _ := data[rep].([]any)
		if len(rows) == 0 {
			continue
		}
		out := make([]any, len(rows))
		for i, r := range rows {
			row, _ := r.(map[string]any)
			p := map[string]any{}
			for _, name := range names {
				if v, ok := row[name]; ok {
					p[name] = v
					delete(row, name)
				}
			}
			out[i] = p
		}
		pii[rep] = out
	}
	return pii
}

// Household is the dedup summary of a household's answers under the survey's design, the
// head's name keyed by k.
func (s *Survey) Household(k dedup.Keyed, id string, data map[string]any) dedup.Household {
	return s.Design.Dedup().HouseholdWith(k, id, data)
}
