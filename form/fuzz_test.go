package form

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"
	"unicode/utf8"

	"fieldbase/schemas"
)

// FuzzParse: the parser and compiler never panic, their errors point
// inside the expression, and whatever compiles evaluates without panic.
func FuzzParse(f *testing.F) {
	s := loadTest(f)
	for _, seed := range []string{
		"1 + 2 * 3", "-(${n} - 1) div 2 mod 3", "${q} = 'yes' and not(${n} < 2) or ${x} != ''",
		"count(${kids}[k_age >= 5 and ${k_school} = 'yes'])", "sum(${k_age}[position() > 1])",
		"max(${k_age}[k_age < count(${kids}[k_age > 3])])", "position(..) = ${k_pos}",
		"if(selected(${f}, 'apple'), count-selected(${f}), string-length(${name}))",
		"regex(${name}, '^[a-z]+$')", "int(format-date(${d}, '%Y')) - 5", "coalesce(${nothing}, today())",
		"selected-at(${g}, 3) <= 50", "concat(substr('abc', 1), \"x\")", ". >= 0 and . <= 120",
		"not(selected(., 'none') and count-selected(.) > 1)", "round(pow(2, 0.5), 3)",
		"((${n}", "${n} ! 1", "'unterminated", "count(${kids}[])", "é = ${x}", "${a b}",
	} {
		f.Add(seed)
	}
	mhs := loadMHS(f)
	for _, fld := range mhs.Fields() {
		for _, src := range []string{fld.Relevant, fld.Constraint, fld.Calculation} {
			if src != "" {
				f.Add(src)
			}
		}
	}
	data := testData()
	f.Fuzz(func(t *testing.T, src string) {
		limit := utf8.RuneCountInString(src) + 1
		check := func(err error) {
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("%q: error %v is not an *ExprError", src, err)
			}
			if ee.Pos < 1 || ee.Pos > limit {
				t.Fatalf("%q: position %d out of 1..%d (%s)", src, ee.Pos, limit, ee.Msg)
			}
			_ = ee.Error()
		}
		if _, err := parseExpr(src); err != nil {
			check(err)
		}
		for _, opts := range []compileOpts{{}, {scope: s.byName["kids"]}, {dot: true}, {scope: s.byName["kids"], dot: true}} {
			e, err := s.compile(src, opts)
			if err != nil {
				check(err)
				continue
			}
			for _, row := range []int{-1, 0, 2, 9} {
				v := e.EvalAt(data, row, day("2026-10-20"))
				_, _ = v.Float()
				_ = v.String()
				_ = v.Bool()
				_ = v.Any()
				e.EvalAt(nil, row, day("2026-10-20"))
			}
			c := evalCtx{m: data, dot: NumberValue(3)}
			e.root.eval(&c)
		}
	})
}

var allowedRules = map[string]bool{
	"type": true, "required": true, "relevance": true, "choice": true,
	"constraint": true, "repeat_count": true, "check": true,
}

// FuzzValidate: any JSON as answers (or as a whole envelope) validates
// against mhs without panic, with well-formed and repeatable results.
func FuzzValidate(f *testing.F) {
	s := loadMHS(f)
	valid, err := os.ReadFile("testdata/household_valid.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	var env map[string]any
	if err := json.Unmarshal(valid, &env); err != nil {
		f.Fatal(err)
	}
	data, _ := json.Marshal(env["data"])
	f.Add(data)
	for _, seed := range []string{
		`{}`, `null`, `[]`, `{"a_psu": 1e308, "a_date": "9999-12-31", "members": [null, 1, "x", [], {}]}`,
		`{"a_consent": "yes", "a_hh_size": 40, "members": [{"b_age": -0}, {"b_age": 1.7976931348623157e308}]}`,
		`{"a_gps": {"lat": -90, "lon": 180, "accuracy": 0, "altitude": null}, "a_date": "0000-01-01"}`,
		`{"l_resp": 1, "l_12m": ["none", "none"], "members": {"b_line": 1}}`,
		`{"a_consent": "yes", "d_any": "yes", "d_n": 1e9, "emigrants": [{"d_year_left": 5e-324}]}`,
		`{"data": {"a_psu": [[[[[[[[[[1]]]]]]]]]]}, "id": "x", "version": -1}`,
	} {
		f.Add([]byte(seed))
	}
	today := day("2026-10-20")
	base := validHousehold(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var envs []*Envelope
		var d map[string]any
		if json.Unmarshal(b, &d) == nil && d != nil {
			e := *base
			e.Data = d
			envs = append(envs, &e)
		}
		var whole Envelope
		if json.Unmarshal(b, &whole) == nil {
			envs = append(envs, &whole)
		}
		for _, e := range envs {
			res := s.Validate(e, today)
			for _, p := range append(res.Errors, res.Warnings...) {
				if !allowedRules[p.Rule] || p.Message == "" {
					t.Fatalf("bad problem %+v", p)
				}
			}
			want := StatusReceived
			if len(res.Errors) > 0 {
				want = StatusInvalid
			} else if len(res.Warnings) > 0 {
				want = StatusFlagged
			}
			if res.Status != want {
				t.Fatalf("status %s with %d errors %d warnings", res.Status, len(res.Errors), len(res.Warnings))
			}
			// The pooled state must not leak between validations.
			again := s.Validate(e, today)
			if !reflect.DeepEqual(res.Errors, again.Errors) || !reflect.DeepEqual(res.Warnings, again.Warnings) {
				t.Fatalf("second validation differs:\n%v\n%v", res.Errors, again.Errors)
			}
			if _, err := json.Marshal(res); err != nil {
				t.Fatalf("result not JSON: %v", err)
			}
		}
	})
}

// FuzzLoad: any definition loads or is refused with problems, never a
// panic; a loaded one validates an empty submission.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(testSurvey))
	f.Add(schemas.MHS)
	f.Add([]byte(`{"settings": {"form_id": "x", "version": 1}, "survey": [{"type": "begin_repeat", "name": "r", "repeat_count": "2"}, {"type": "calculate", "name": "c", "calculation": "position(..)"}, {"type": "end_repeat"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Load(b)
		if err != nil {
			var de *DefinitionError
			if !errors.As(err, &de) || len(de.Problems) == 0 {
				t.Fatalf("error %v", err)
			}
			return
		}
		env := testEnvelope()
		env.Survey, env.Version = s.FormID, s.Version
		env.Data = map[string]any{}
		s.Validate(env, day("2026-10-20"))
	})
}
