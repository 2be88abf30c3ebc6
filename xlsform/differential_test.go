package xlsform

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"fieldbase/form"
)

// engineDir is e2e/odk with ODK's XForms engine installed (npm ci).
func engineDir(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("..", "e2e", "odk"))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@getodk", "xforms-engine")); err != nil {
		t.Fatalf("ODK's XForms engine is not installed in %s: run `bash .ci/run`, or `npm ci` in e2e/odk", dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: run `bash .ci/run`")
	}
	return dir
}

type engineCase struct {
	Form     string            `json:"form"`
	Case     string            `json:"case"`
	Error    string            `json:"error"`
	Data     map[string]any    `json:"data"`
	Verdicts map[string]string `json:"verdicts"`
	Fields   []string          `json:"fields"`
	Answered string            `json:"answered"`
}

// TestDifferentialODKEngine fills every accepted corpus form whose pyxform XForm loads in
// ODK's own engine (e2e/odk/differential.mjs: a valid interview, then one with a required
// answer missing, a constraint broken, a question that does not apply answered, a repeat
// with one row more than its count), and validates the same answers with fieldbase: the
// verdict on each answer (required, constraint, repeat_count, or none) must be the same.
// It prints the agreement per form and case, and the rate.
func TestDifferentialODKEngine(t *testing.T) {
	dir := corpusDir(t)
	eng := engineDir(t)
	surveys := map[string]*form.Survey{}
	var xmls []string
	skipped := map[string]string{}
	for _, v := range readVerdicts(t, dir) {
		if v.verdict != "accepted" {
			continue
		}
		xml := filepath.Join(dir, "pyxform-xforms", v.file+".xml")
		if _, err := os.Stat(xml); err != nil {
			skipped[v.file] = "no pyxform XForm"
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, v.file))
		if err != nil {
			t.Fatal(err)
		}
		s, err := Load(data, v.file)
		if err != nil {
			t.Errorf("%s does not load: %v", v.file, err)
			continue
		}
		dupKeys := false
		for _, f := range s.Fields() {
			if f.Key != f.Name {
				dupKeys = true
			}
		}
		if dupKeys {
			// The engine's data is keyed by element name; fieldbase keys a name used twice
			// on one level by its path.
			skipped[v.file] = "a name used twice on one level"
			continue
		}
		surveys[filepath.Base(xml)] = s
		xmls = append(xmls, xml)
	}
	sort.Strings(xmls)
	// Read by the test so that a change to the script re-runs it (go test's cache
	// tracks the files the test opens, not those its children open).
	if _, err := os.ReadFile(filepath.Join(eng, "differential.mjs")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", append([]string{"differential.mjs"}, xmls...)...)
	cmd.Dir = eng
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("differential.mjs: %v\n%s", err, stderr.String())
	}
	today := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	var table strings.Builder
	total, agree, loaded := 0, 0, 0
	byCase := map[string][2]int{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	seen := map[string]bool{}
	for sc.Scan() {
		var c engineCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("differential.mjs printed %q: %v", sc.Text(), err)
		}
		if c.Error != "" {
			skipped[strings.TrimSuffix(c.Form, ".xml")] = "the engine: " + c.Error
			continue
		}
		if !seen[c.Form] {
			seen[c.Form] = true
			loaded++
		}
		s := surveys[c.Form]
		env := &form.Envelope{ID: "3f2c8a4e-1b7d-4c59-9e0a-6d2f4b8c1a73", Survey: s.FormID, Version: s.Version,
			StartedAt: "2026-10-05T09:00:00+05:45", CompletedAt: "2026-10-05T09:40:00+05:45", DeviceID: "collect:differential", Data: c.Data}
		res := s.Validate(env, today)
		fb := map[string]string{}
		var other []string
		for _, p := range res.Errors {
			switch p.Path {
			case "id", "survey", "version", "started_at", "completed_at", "device_id":
				// The envelope's, not an answer's (a form whose version is text has
				// Version 0: storing such versions is the surveys collection's business).
				continue
			}
			switch p.Rule {
			case "required", "constraint", "repeat_count":
				if fb[p.Path] == "" {
					fb[p.Path] = p.Rule
				}
			default:
				other = append(other, p.Path+" "+p.Rule+": "+p.Message)
			}
		}
		paths := map[string]bool{}
		for _, p := range c.Fields {
			paths[p] = true
		}
		for p := range fb {
			paths[p] = true
		}
		n, ok := 0, 0
		var diffs []string
		for p := range paths {
			n++
			if fb[p] == c.Verdicts[p] {
				ok++
			} else {
				diffs = append(diffs, fmt.Sprintf("%s: engine %q, fieldbase %q", p, c.Verdicts[p], fb[p]))
			}
		}
		sort.Strings(diffs)
		total += n
		agree += ok
		bc := byCase[c.Case]
		byCase[c.Case] = [2]int{bc[0] + ok, bc[1] + n}
		note := strings.Join(diffs, "; ")
		if len(other) > 0 {
			note += " | other errors: " + strings.Join(other, "; ")
		}
		if len(note) > 300 {
			note = note[:297] + "..."
		}
		fmt.Fprintf(&table, "%-80s %-12s %4d/%-4d %s\n", c.Form, c.Case, ok, n, note)
	}
	fmt.Fprintf(&table, "\nforms compared: %d (engine loaded), skipped: %d\n", loaded, len(skipped))
	keys := make([]string, 0, len(skipped))
	for k := range skipped {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&table, "  skipped %s: %s\n", k, skipped[k])
	}
	for _, k := range []string{"valid", "required", "constraint", "nonrelevant", "repeatcount"} {
		if bc := byCase[k]; bc[1] > 0 {
			fmt.Fprintf(&table, "case %-12s agreement %d/%d = %.1f%%\n", k, bc[0], bc[1], 100*float64(bc[0])/float64(bc[1]))
		}
	}
	rate := 0.0
	if total > 0 {
		rate = 100 * float64(agree) / float64(total)
	}
	fmt.Fprintf(&table, "agreement with ODK's engine, answer by answer: %d/%d = %.1f%%\n", agree, total, rate)
	fmt.Print(table.String())
	if loaded < 40 || total < 1000 {
		t.Fatalf("only %d forms and %d answers compared", loaded, total)
	}
	if rate < minAgreement {
		t.Errorf("agreement %.1f%% is below %.1f%%", rate, minAgreement)
	}
}

// minAgreement: every answer the server can evaluate gets ODK's verdict (measured: 100%).
const minAgreement = 100.0
