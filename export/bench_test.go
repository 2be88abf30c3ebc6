package export_test

import (
	"io"
	"testing"

	"fieldbase/export"
)

// BenchmarkWrite measures the writer alone (no database): one op is one household with its
// members, emigrants and review.
func BenchmarkWrite(b *testing.B) {
	sv := mhsSurvey(b)
	src, _ := synthSource(b, sv, 2000)
	s := export.FromForm(sv)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += len(src.hh) {
		if _, err := export.Write(io.Discard, s, src, export.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
