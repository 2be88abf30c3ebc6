package form

import "testing"

// testSurvey is a small survey with every type, a group and a repeat,
// used by the unit tests.
const testSurvey = `{
 "settings": {"form_id": "t", "version": 2, "title": "Test", "fieldwork_start": "2026-01-01"},
 "survey": [
  {"type": "integer", "name": "n", "label": "Number of kids", "required": "yes", "constraint": ". >= 0 and . <= 10", "constraint_message": "Number of kids must be between 0 and 10"},
  {"type": "decimal", "name": "x", "label": "X"},
  {"type": "text", "name": "nothing", "label": "Never answered"},
  {"type": "text", "name": "name", "label": "Name", "required": "yes", "relevant": "${n} > 0"},
  {"type": "date", "name": "d", "label": "Date"},
  {"type": "geopoint", "name": "g", "label": "GPS"},
  {"type": "select_one yn", "name": "q", "label": "Question", "required": "yes"},
  {"type": "select_multiple fruit", "name": "f", "label": "Fruit", "constraint": "not(selected(., 'none') and count-selected(.) > 1)"},
  {"type": "calculate", "name": "double", "calculation": "${n} * 2"},
  {"type": "note", "name": "intro", "label": "Hello"},
  {"type": "begin_group", "name": "grp", "relevant": "${q} = 'yes'"},
  {"type": "integer", "name": "inq", "label": "In group", "required": "yes"},
  {"type": "end_group"},
  {"type": "begin_repeat", "name": "kids", "label": "Kids", "relevant": "${n} > 0", "repeat_count": "${n}"},
  {"type": "calculate", "name": "k_pos", "calculation": "position(..)"},
  {"type": "integer", "name": "k_age", "label": "Kid's age", "required": "yes", "constraint": ". <= 17"},
  {"type": "select_one yn", "name": "k_school", "label": "In school", "required": "yes", "relevant": "${k_age} >= 5"},
  {"type": "text", "name": "k_name", "label": "Kid's name"},
  {"type": "end_repeat"}
 ],
 "choices": [
  {"list_name": "yn", "name": "yes", "label": "Yes"},
  {"list_name": "yn", "name": "no", "label": "No"},
  {"list_name": "fruit", "name": "apple", "label": "Apple"},
  {"list_name": "fruit", "name": "pear", "label": "Pear"},
  {"list_name": "fruit", "name": "none", "label": "None"}
 ],
 "checks": [
  {"name": "even", "expression": "${n} mod 2 = 0", "message": "Number of kids is odd", "severity": "warning", "scope": "form", "field": "n"},
  {"name": "young", "expression": "${k_age} <= 15", "message": "Kid is over 15", "severity": "error", "scope": "kids", "field": "k_age"},
  {"name": "any_kid", "expression": "${n} = 0 or count(${kids}) > 0", "message": "No kids listed", "severity": "error", "scope": "form"}
 ]
}`

func loadTest(t testing.TB) *Survey {
	t.Helper()
	s, err := Load([]byte(testSurvey))
	if err != nil {
		t.Fatalf("load test survey: %v", err)
	}
	return s
}
