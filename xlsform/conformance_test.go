package xlsform

import (
	"bufio"
	"errors"
	"fieldbase/internal/corpus"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"fieldbase/form"
)

// corpusDir is the shared corpus of real XLSForms.
func corpusDir(t testing.TB) string { return corpus.Dir(t) }

type verdict struct{ file, household, verdict, message string }

func readVerdicts(t testing.TB, dir string) []verdict {
	f, err := os.Open(filepath.Join(dir, "verdicts.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []verdict
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		p := strings.Split(sc.Text(), "\t")
		for len(p) < 5 {
			p = append(p, "")
		}
		out = append(out, verdict{p[0], p[1], p[3], p[4]})
	}
	return out
}

var rowRef = regexp.MustCompile(`\[row : \d+\]`)

// TestCorpusConformance loads every form of the corpus and compares the
// verdict with pyxform 4.5.0's: every form pyxform accepts must load;
// every form it refuses must be refused with a message naming the row
// (or a sheet/column problem as pyxform words it).
func TestCorpusConformance(t *testing.T) {
	dir := corpusDir(t)
	vs := readVerdicts(t, dir)
	if len(vs) < 90 {
		t.Fatalf("verdicts.tsv lists %d forms, want the 92 of the corpus", len(vs))
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-75s %-9s %-9s %s\n", "form", "pyxform", "fieldbase", "first problem / warnings")
	agree, accepted, refusedOK := 0, 0, 0
	for _, v := range vs {
		data, err := os.ReadFile(filepath.Join(dir, v.file))
		if err != nil {
			t.Errorf("%s: %v", v.file, err)
			continue
		}
		s, err := Load(data, v.file)
		got, note := "accepted", ""
		if err != nil {
			got = "refused"
			var de *form.DefinitionError
			if errors.As(err, &de) {
				note = de.Problems[0]
			} else {
				note = err.Error()
			}
		} else if len(s.Warnings) > 0 {
			note = fmt.Sprintf("%d warnings: %s", len(s.Warnings), s.Warnings[0])
		}
		if len(note) > 110 {
			note = note[:107] + "..."
		}
		fmt.Fprintf(&table, "%-75s %-9s %-9s %s\n", v.file, v.verdict, got, note)
		switch {
		case v.verdict == got:
			agree++
			if got == "accepted" {
				accepted++
			} else {
				refusedOK++
				if !rowRef.MatchString(note) && !strings.Contains(note, "type") && !strings.Contains(note, "header") && !strings.Contains(note, "List name") {
					t.Errorf("%s: refused without naming the row: %s", v.file, note)
				}
			}
		case v.verdict == "accepted":
			t.Errorf("%s: pyxform accepts it, fieldbase refuses: %v", v.file, err)
		default:
			t.Errorf("%s: pyxform refuses it (%s), fieldbase accepts it", v.file, v.message)
		}
	}
	fmt.Fprintf(&table, "\nagree with pyxform on %d of %d forms (%d accepted, %d refused)\n", agree, len(vs), accepted, refusedOK)
	t.Log("\n" + table.String())
	fmt.Print(table.String())
}
