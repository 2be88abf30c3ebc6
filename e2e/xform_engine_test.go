package e2e

import (
	"fieldbase/internal/corpus"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fieldbase/form"
	"fieldbase/schemas"
	"fieldbase/xform"
	"fieldbase/xlsform"
)

// corpusDir is the shared corpus of real XLSForms.
func corpusDir(t testing.TB) string { return corpus.Dir(t) }

// TestXFormsLoadInODKEngine: the XForm fieldbase serves for every corpus form its loader
// accepts, and for mhs, loads in ODK's own engine (@getodk/xforms-engine, as ODK Web Forms
// runs it) without error.
func TestXFormsLoadInODKEngine(t *testing.T) {
	odk := odkDir(t)
	out := t.TempDir()
	var paths []string
	write := func(name string, s *form.Survey) {
		x, err := xform.Build(s)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		p := filepath.Join(out, name+".xml")
		os.WriteFile(p, x, 0o644)
		paths = append(paths, p)
	}
	mhs, err := form.Load(schemas.MHS)
	if err != nil {
		t.Fatal(err)
	}
	write("mhs", mhs)
	files, _ := filepath.Glob(filepath.Join(corpusDir(t), "*.xls*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if s, err := xlsform.Load(data, filepath.Base(f)); err == nil {
			write(filepath.Base(f), s)
		}
	}
	cmd := exec.Command("node", append([]string{"xform-load.mjs"}, paths...)...)
	cmd.Dir = odk
	res, _ := cmd.Output()
	loaded := 0
	for _, line := range strings.Split(strings.TrimSpace(string(res)), "\n") {
		switch {
		case strings.HasPrefix(line, "LOADED\t"):
			loaded++
		case line != "":
			t.Errorf("ODK's engine: %s", line)
		}
	}
	if loaded != len(paths) || loaded < 2 {
		t.Errorf("%d of %d generated XForms loaded in ODK's engine", loaded, len(paths))
	}
	t.Logf("%d XForms (mhs and %d corpus forms fieldbase accepts) loaded in ODK's engine", loaded, len(paths)-1)
}
