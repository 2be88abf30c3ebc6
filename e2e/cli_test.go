package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The commands that read data refuse a data dir fieldbase never set up, instead of reading
// an empty one PocketBase just made; check and gen use no data dir and make none.
func TestCLIDataDir(t *testing.T) {
	needBinary(t)
	cwd := t.TempDir()
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = cwd
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, args := range [][]string{
		{"export", "--out", "x.zip"},
		{"export", "--out", "x.zip", "--dir", filepath.Join(cwd, "elsewhere")},
		{"indicators", "rebuild"},
		{"survey", "add", "../nothing.json"},
	} {
		out, err := run("", args...)
		if err == nil || !strings.Contains(out, "no fieldbase data in") || !strings.Contains(out, "pass --dir") {
			t.Errorf("fieldbase %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(cwd, "x.zip")); err == nil {
		t.Error("a refused export wrote its file")
	}

	cwd = t.TempDir()
	gen, err := run("", "gen", "--households", "3")
	if err != nil {
		t.Fatalf("gen: %v\n%s", err, gen)
	}
	out, err := run(gen, "check", "-")
	if err != nil || strings.Count(out, `"outcome":"created"`) != 3 || !strings.Contains(out, "read JSON lines") {
		t.Fatalf("check: %v\n%s", err, out)
	}
	if out, _ := run("", "check", "--help"); strings.Contains(out, "--encryptionEnv") {
		t.Errorf("check --help lists PocketBase's flags:\n%s", out)
	}
	if entries, _ := os.ReadDir(cwd); len(entries) != 0 {
		t.Errorf("gen and check made %v in the current directory", entries)
	}
}
