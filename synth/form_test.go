package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"fieldbase/form"
	"fieldbase/schemas"
)

// toEnvelope decodes an item's envelope the way the server receives it: as
// JSON text, numbers as float64 (useNumber false) or json.Number.
func toEnvelope(t *testing.T, it Item, useNumber bool) *form.Envelope {
	t.Helper()
	raw, err := json.Marshal(it.Envelope)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if useNumber {
		dec.UseNumber()
	}
	var env form.Envelope
	if err := dec.Decode(&env); err != nil {
		t.Fatal(err)
	}
	return &env
}

// Every valid item passes the real validator with no error; every invalid
// one has at least one, and (when the generator names one) an error at the
// path it broke.
func TestAgainstForm(t *testing.T) {
	s, err := form.Load(schemas.MHS)
	if err != nil {
		t.Fatal(err)
	}
	opt := testOptions(2000)
	opt.InvalidRate = 0.15
	var valid, invalid, pathMissed, warned int
	warnings := map[string]int{}
	err = Generate(opt, func(it Item) error {
		useNumber := valid%2 == 0
		res := s.Validate(toEnvelope(t, it, useNumber), opt.Today)
		switch {
		case it.Label == "valid":
			valid++
			if len(res.Errors) > 0 {
				t.Errorf("valid item %v has errors: %v", it.Envelope["id"], res.Errors)
			}
			if len(res.Warnings) > 0 {
				warned++
				for _, w := range res.Warnings {
					warnings[w.Rule+" "+stripRows(w.Path)]++
				}
			}
		case strings.HasPrefix(it.Label, "invalid:") && strings.Contains(it.Label, "not relevant"):
			// ODK's meaning: an answer that does not apply is cleared
			// with a warning, not refused.
			invalid++
			if !hasPath(res.Warnings, it.Path) {
				t.Errorf("%s item %v: no relevance warning at %s: %v", it.Label, it.Envelope["id"], it.Path, res.Warnings)
			}
		case strings.HasPrefix(it.Label, "invalid:"):
			invalid++
			if len(res.Errors) == 0 {
				t.Errorf("%s item %v passes the validator", it.Label, it.Envelope["id"])
				return nil
			}
			if it.Path != "" && !hasPath(res.Errors, it.Path) {
				pathMissed++
				t.Logf("%s: no error at %s: %v", it.Label, it.Path, res.Errors)
			}
		case strings.HasPrefix(it.Label, "duplicate:"):
			if len(res.Errors) > 0 {
				t.Errorf("%s item %v has errors: %v", it.Label, it.Envelope["id"], res.Errors)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if valid < 1000 || invalid < 200 {
		t.Errorf("only %d valid and %d invalid items", valid, invalid)
	}
	if pathMissed > 0 {
		t.Errorf("%d invalid items have no error at the broken answer", pathMissed)
	}
	t.Logf("%d valid (%d with warnings: %v), %d invalid", valid, warned, warnings, invalid)
}

func hasPath(ps []form.Problem, path string) bool {
	for _, p := range ps {
		if p.Path == path {
			return true
		}
	}
	return false
}

// stripRows turns members[3].b_age into members[].b_age for counting.
func stripRows(path string) string {
	var b strings.Builder
	skip := false
	for _, c := range path {
		switch {
		case c == '[':
			skip = true
			b.WriteRune(c)
		case c == ']':
			skip = false
			b.WriteRune(c)
		case !skip:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// The server's calculates agree with the generator's (no "calculate
// differs" warning), checked on a sample printed for the record.
func TestFormCalculates(t *testing.T) {
	s, err := form.Load(schemas.MHS)
	if err != nil {
		t.Fatal(err)
	}
	opt := testOptions(300)
	opt.InvalidRate, opt.DuplicateRate = 0, 0
	err = Generate(opt, func(it Item) error {
		res := s.Validate(toEnvelope(t, it, true), opt.Today)
		for _, w := range res.Warnings {
			if strings.HasSuffix(w.Path, "mig_status") || strings.HasSuffix(w.Path, "b_line") {
				return fmt.Errorf("calculate differs: %v", w)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
