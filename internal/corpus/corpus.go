// Package corpus finds the shared test corpus of real XLSForms (../shared/corpus/xlsform beside
// the repo, as CI lays it out, or $FIELDBASE_SHARED/corpus/xlsform) for the tests that read it.
package corpus

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir is the absolute path of the XLSForm corpus (absolute because some tests run node in
// another directory); a missing corpus fails the test, it never skips it.
func Dir(t testing.TB) string {
	t.Helper()
	var cands []string
	if s := os.Getenv("FIELDBASE_SHARED"); s != "" {
		cands = append(cands, filepath.Join(s, "corpus", "xlsform"))
	}
	if _, file, _, ok := runtime.Caller(0); ok { // <repo>/internal/corpus/corpus.go
		repo := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		cands = append(cands, filepath.Join(repo, "..", "shared", "corpus", "xlsform"))
	}
	cands = append(cands, "/work/shared/corpus/xlsform")
	for _, c := range cands {
		if _, err := os.Stat(filepath.Join(c, "verdicts.tsv")); err == nil {
			abs, err := filepath.Abs(c)
			if err != nil {
				t.Fatal(err)
			}
			return abs
		}
	}
	t.Fatalf("the XLSForm corpus is missing (looked in %v): run `bash .ci/run` from a clone with shared/ beside it, or set FIELDBASE_SHARED", cands)
	return ""
}
