package export

import "fieldbase/form"

// Schema is what the export needs to know of a survey: its answer fields in questionnaire
// order and their choice lists.
type Schema struct {
	FormID  string
	Version int
	Title   string
	Fields  []Field
	Lists   map[string][]Choice
	Repeats []string // repeat names in questionnaire order
	// Rounds names the survey round of each version (its round setting), for the codebook:
	// the version column says which round a household belongs to.
	Rounds map[int]string
}

// Field is one answer field (question or calculate).
type Field struct {
	Name      string
	Label     string
	Type      string // integer, decimal, text, date, geopoint, select_one, select_multiple, calculate
	List      string // choice list of a select
	Repeat    string // enclosing repeat, "" at household level
	Sensitive bool
}

// Choice is one choice of a list.
type Choice struct {
	Name  string
	Label string
}

// FromForm describes a compiled survey for the export.
func FromForm(sv *form.Survey) *Schema {
	s := &Schema{Lists: map[string][]Choice{}}
	if sv == nil {
		return s
	}
	s.FormID, s.Version, s.Title = sv.FormID, sv.Version, sv.Title
	s.Repeats = append(s.Repeats, sv.Repeats()...)
	for _, f := range sv.Fields() {
		s.Fields = append(s.Fields, Field{Name: f.Name, Label: f.Label, Type: f.Type, List: f.List,
			Repeat: f.Repeat, Sensitive: f.Sensitive})
		if f.List == "" {
			continue
		}
		if _, done := s.Lists[f.List]; done {
			continue
		}
		var cs []Choice
		for _, c := range sv.Choices(f.List) {
			cs = append(cs, Choice{Name: c.Name, Label: c.Label})
		}
		s.Lists[f.List] = cs
	}
	return s
}

// Withheld returns the names of the sensitive fields, which an export without PII leaves out.
func (s *Schema) Withheld() []string {
	var names []string
	for _, f := range s.Fields {
		if f.Sensitive {
			names = append(names, f.Name)
		}
	}
	return names
}
