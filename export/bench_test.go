package export_test

import (
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	"fieldbase/export"
)

var benchData struct {
	once sync.Once
	src  *memSource
}

// benchSource is 2,000 synthetic households, made once per test binary so that profiles of
// the benchmarks show the export and not the generator.
func benchSource(b *testing.B) *memSource {
	benchData.once.Do(func() { benchData.src, _ = synthSource(b, mhsSurvey(b), 2000) })
	return benchData.src
}

// BenchmarkWrite measures the writer alone (no database): one op is one household with its
// members, emigrants and review. -cpu 1 gives its CPU per household (one goroutine); -cpu 2
// its wall time with the read-ahead on a core of its own.
func BenchmarkWrite(b *testing.B) {
	src := benchSource(b)
	s := export.FromForm(mhsSurvey(b))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for done := 0; done < b.N; done += len(src.hh) {
		if _, err := export.Write(io.Discard, s, src, export.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	// The CPU of every goroutine, per household: what the export costs, however the
	// machine's load stretches the wall time (ns/op).
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e3, "cpu-us/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
