package form

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestLoadProblems(t *testing.T) {
	_, err := Load([]byte(`{
	 "settings": {"form_id": "bad/id", "version": "x", "fieldwork_start": "2026-13-01"},
	 "survey": [
	  {"type": "integr", "name": "a"},
	  {"type": "integer", "name": "b", "relevant": "${zz} = 1"},
	  {"type": "integer", "name": "b"},
	  {"type": "select_one nolist", "name": "c"},
	  {"type": "integer", "name": "d", "constraint": ". > (1"},
	  {"type": "begin_repeat", "name": "r"},
	  {"type": "integer", "name": "e"},
	  {"type": "end_group"},
	  {"type": "end_repeat"},
	  {"type": "calculate", "name": "f"},
	  {"type": "integer", "name": "h", "relevent": "1"},
	  {"type": "integer", "name": "i", "required": "maybe"},
	  {"type": "integer", "name": "2j"},
	  {"type": "text", "name": "k", "repeat_count": "3"},
	  {"type": "begin_group", "name": "g"}
	 ],
	 "choices": [
	  {"list_name": "yn", "name": "yes", "label": "Yes"},
	  {"list_name": "yn", "name": "yes", "label": "Yes again"}
	 ],
	 "checks": [
	  {"name": "c1", "expression": "1 = 1", "message": "m", "severity": "fatal", "scope": "form"},
	  {"name": "c2", "expression": "1 = 1", "message": "m", "severity": "error", "scope": "nowhere"},
	  {"name": "c1", "expression": "${nope} = 1", "message": "m", "severity": "warning"},
	  {"name": "c4", "expression": "1", "message": "", "severity": "error", "field": "zz"}
	 ]}`))
	var de *DefinitionError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a *DefinitionError", err)
	}
	want := []string{
		`settings, column form_id: "bad/id" is not a valid form id (contains '/')`,
		`settings, column version: "x" is not a whole number`,
		`settings, column fieldwork_start: "2026-13-01" is not a date`,
		`choices row 2 (yn/yes), column name: duplicate choice yes in list yn`,
		`survey row 1 (a), column type: unknown type "integr"`,
		`survey row 3 (b), column name: duplicate name b (first used on row 2)`,
		`survey row 4 (c), column type: unknown choice list nolist`,
		`survey row 8, column type: end_group but the open block is begin_repeat r (row 6)`,
		`survey row 9, column type: end_repeat without a matching begin_repeat`,
		`survey row 10 (f), column calculation: a calculate row needs a calculation`,
		`survey row 11 (h), column relevent: unknown column`,
		`survey row 12 (i), column required: must be yes or no`,
		`survey row 13 (2j), column name: "2j" is not a valid name`,
		`survey row 14 (k), column repeat_count: only begin_repeat rows have a repeat_count`,
		`survey row 15 (g), column type: begin_group g is never closed with end_group`,
		`survey row 2 (b), column relevant: no field named zz at character 1 of "${zz} = 1"`,
		`survey row 5 (d), column constraint: expected ')' to close '(' but found the end of the expression at character 7 of ". > (1"`,
		`checks row 1 (c1), column severity: must be error or warning (got "fatal")`,
		`checks row 2 (c2), column scope: must be form or a repeat name (got "nowhere")`,
		`checks row 3 (c1), column name: duplicate check name c1 (first used on row 1)`,
		`checks row 3 (c1), column expression: no field named nope at character 1`,
		`checks row 4 (c4), column field: no question or calculate named zz`,
		`checks row 4 (c4), column message: missing message`,
	}
	if len(de.Problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(de.Problems), len(want), strings.Join(de.Problems, "\n"))
	}
	for i, w := range want {
		if i >= len(de.Problems) || !strings.HasPrefix(de.Problems[i], w) {
			got := ""
			if i < len(de.Problems) {
				got = de.Problems[i]
			}
			t.Errorf("problem %d:\n got %s\nwant %s...", i, got, w)
		}
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "invalid survey definition (23 problems):\n  settings, column form_id") {
		t.Errorf("Error(): %s", msg)
	}
}

func TestLoadSyntax(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`[1]`, "definition is not a JSON object"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": 3}`, "survey: must be a list of rows"},
		{`{"settings": {"form_id": "x", "version": 1}}`, "survey: no rows"},
		{`{"survey": [{"type": "text", "name": "a"}]}`, "settings: missing"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [{"type": "text", "name": "a"}], "extra": 1}`, `unknown section "extra"`},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [{"type": "text", "name": "a", "label": {"en": "A"}}]}`, "column label: must be text"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [{"type": "select_one", "name": "a"}]}`, "needs exactly one choice list name"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [{"type": "text", "name": "a", "constraint": "1", "calculation": "2"}]}`, "only calculate rows have a calculation"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [{"type": "calculate", "name": "a", "calculation": "1", "required": "yes"}]}`, "only questions can be required"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [
		   {"type": "integer", "name": "a", "relevant": "${b} = 1"}, {"type": "integer", "name": "b", "relevant": "${a} = 1"}]}`,
			"survey row 1 (a), column relevant: circular reference in relevant/calculation among a, b"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [
		   {"type": "calculate", "name": "a", "calculation": "${a} + 1"}]}`, "circular reference"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [{"type": "text", "name": "a"}],
		   "checks": [{"name": "c", "expression": "1", "message": "m", "severity": "error", "scope": "a"}]}`, "must be form or a repeat name"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [{"type": "text", "name": "a"},
		   {"type": "begin_repeat", "name": "r"}, {"type": "text", "name": "b"}, {"type": "end_repeat"}],
		   "checks": [{"name": "c", "expression": "1", "message": "m", "severity": "error", "scope": "r", "field": "a"}]}`, "a is not a field of repeat r"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [{"type": "text", "name": "a", "choice_filter": "1"}]}`, "only select_one and select_multiple rows have a choice_filter"},
		{`{"settings": {"form_id": "x", "version": 1}, "survey": [{"type": "select_one l", "name": "a", "choice_filter": "colour = 'red'"}],
		   "choices": [{"list_name": "l", "name": "x", "label": "X"}]}`, "choice list l has no column colour"},
	} {
		_, err := Load([]byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s\n got %v\nwant ...%s...", c.src, err, c.want)
		}
	}
}

func TestLoadForwardReferences(t *testing.T) {
	// A relevance may read a calculate defined later; evaluation follows
	// the dependencies, not the order of the rows.
	s, err := Load([]byte(`{"settings": {"form_id": "fw", "version": 1}, "survey": [
	  {"type": "integer", "name": "b", "relevant": "${adult} = 'yes'"},
	  {"type": "calculate", "name": "adult", "calculation": "if(${age} >= 18, 'yes', 'no')"},
	  {"type": "integer", "name": "age"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	env := testEnvelope()
	env.Survey, env.Version = "fw", 1
	env.Data = map[string]any{"age": 20.0, "b": 1.0}
	if res := s.Validate(env, day("2026-10-20")); res.Status != StatusReceived || res.Data["adult"] != "yes" {
		t.Errorf("adult: %+v", res)
	}
	env.Data = map[string]any{"age": 10.0, "b": 1.0}
	if res := s.Validate(env, day("2026-10-20")); len(res.Warnings) != 1 || res.Warnings[0].Path != "b" || res.Warnings[0].Rule != "relevance" {
		t.Errorf("child: %+v", res)
	}
}

func TestMetadata(t *testing.T) {
	s := loadTest(t)
	if s.FormID != "t" || s.Version != 2 || s.Title != "Test" || s.Settings.FieldworkStart != "2026-01-01" {
		t.Errorf("settings %+v", s.Settings)
	}
	var names []string
	for _, f := range s.Fields() {
		names = append(names, f.Name)
	}
	want := []string{"n", "x", "nothing", "name", "d", "g", "q", "f", "double", "inq", "k_pos", "k_age", "k_school", "k_name"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Fields: %v", names)
	}
	if f := s.Field("k_school"); f == nil || f.Type != "select_one" || f.List != "yn" || f.Repeat != "kids" || !f.Required || f.Label != "In school" {
		t.Errorf("k_school: %+v", f)
	}
	if f := s.Field("inq"); f.Group != "grp" || f.Repeat != "" {
		t.Errorf("inq: %+v", f)
	}
	if f := s.Field("kids"); f == nil || f.Type != "repeat" || f.RepeatCount != "${n}" {
		t.Errorf("kids: %+v", f)
	}
	if s.Field("nope") != nil {
		t.Error("nope")
	}
	if c := s.Choices("fruit"); len(c) != 3 || c[2].Name != "none" || c[0].Label != "Apple" {
		t.Errorf("choices %v", c)
	}
	if s.Choices("nope") != nil {
		t.Error("choices nope")
	}
	if r := s.Repeats(); !reflect.DeepEqual(r, []string{"kids"}) {
		t.Errorf("repeats %v", r)
	}
	if c := s.Checks(); len(c) != 3 || c[1].Scope != "kids" || c[1].Field != "k_age" || c[0].Severity != "warning" || c[0].Scope != "form" {
		t.Errorf("checks %+v", c[1])
	}
}
