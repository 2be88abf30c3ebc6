package unitgen

import (
	"bytes"
	"os"
	"testing"
)

// The committed reference data must be what the generator makes: else
// reference.csv describes data nobody can regenerate.
func TestReferenceDataUpToDate(t *testing.T) {
	all := make([]int, len(Indicators))
	for i := range all {
		all[i] = i
	}
	for _, f := range []struct {
		path  string
		write func(*bytes.Buffer) error
	}{
		{"../../testdata/units.csv", func(b *bytes.Buffer) error {
			return Generate(ReferenceHouseholds, ReferenceSeed).WriteUnits(b, all)
		}},
		{"../../testdata/indicators.csv", func(b *bytes.Buffer) error { return WriteIndicators(b, all) }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatal(err)
		}
		old, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(old, b.Bytes()) {
			t.Errorf("%s is stale: go run ./estimate/internal/mkunits -dir estimate/testdata, then Rscript estimate/testdata/reference.R", f.path)
		}
	}
}
