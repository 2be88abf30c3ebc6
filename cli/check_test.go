package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fieldbase/synth"
)

// TestMain lets a test run `check` as a real process (its exit code is part of the contract).
func TestMain(m *testing.M) {
	if args := os.Getenv("FIELDBASE_TEST_CHECK"); args != "" {
		code, _ := Standalone(append([]string{"check"}, strings.Split(args, "\x00")...))
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func runCheck(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FIELDBASE_TEST_CHECK="+strings.Join(args, "\x00"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	var labels []string
	err := synth.Generate(synth.Options{Households: 60, Seed: 5, InvalidRate: 0.3, Today: time.Now()}, func(it synth.Item) error {
		b, _ := json.Marshal(it.Envelope)
		lines = append(lines, string(b))
		labels = append(labels, it.Label)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	jsonl := filepath.Join(dir, "in.jsonl")
	os.WriteFile(jsonl, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	array := filepath.Join(dir, "in.json")
	os.WriteFile(array, []byte("["+strings.Join(lines, ",")+"]"), 0o644)

	pushBody := filepath.Join(dir, "push.json")
	os.WriteFile(pushBody, []byte(`{"device_id": "t", "submissions": [`+strings.Join(lines, ",")+"]}"), 0o644)
	kinds := map[string]string{jsonl: "read JSON lines", array: "read a JSON array", pushBody: "read a push body"}
	for _, in := range []string{jsonl, array, pushBody} {
		code, out, stderr := runCheck(t, in)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", in, code, stderr)
		}
		if !strings.Contains(stderr, kinds[in]) {
			t.Errorf("%s: stderr %q does not say %q", in, stderr, kinds[in])
		}
		sc := bufio.NewScanner(strings.NewReader(out))
		i := 0
		for sc.Scan() {
			var r struct {
				ID       string           `json:"id"`
				Status   string           `json:"status"`
				Errors   []map[string]any `json:"errors"`
				Warnings []map[string]any `json:"warnings"`
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("line %d is not JSON: %s", i, sc.Text())
			}
			invalid := strings.HasPrefix(labels[i], "invalid")
			if strings.Contains(labels[i], "not relevant") {
				// ODK's meaning: an answer that does not apply is cleared
				// with a warning (form.Validate), not refused.
				if r.Status != "flagged" || len(r.Warnings) == 0 {
					t.Errorf("%s #%d (%s): status %s warnings %v", filepath.Base(in), i, labels[i], r.Status, r.Warnings)
				}
			} else if invalid != (r.Status == "invalid") || invalid != (len(r.Errors) > 0) {
				t.Errorf("%s #%d (%s): status %s errors %v", filepath.Base(in), i, labels[i], r.Status, r.Errors)
			}
			if r.Errors == nil || r.Warnings == nil {
				t.Errorf("errors/warnings must be arrays, not null: %s", sc.Text())
			}
			i++
		}
		if i != len(lines) {
			t.Errorf("%s: %d results for %d envelopes", in, i, len(lines))
		}
	}

	// unreadable input: exit 2
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"id": "x"}, {broken`), 0o644)
	if code, _, stderr := runCheck(t, bad); code != 2 || !strings.Contains(stderr, "unreadable") {
		t.Errorf("broken input: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCheck(t, filepath.Join(dir, "missing.json")); code != 2 {
		t.Errorf("missing file: exit %d", code)
	}
}
