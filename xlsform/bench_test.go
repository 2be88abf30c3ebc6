package xlsform

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"fieldbase/form"
)

// largestForm is the corpus form with the most bytes.
func largestForm(b *testing.B) (string, []byte) {
	dir := corpusDir(b)
	var best string
	var size int64
	for _, v := range readVerdicts(b, dir) {
		if v.verdict != "accepted" {
			continue
		}
		if st, err := os.Stat(filepath.Join(dir, v.file)); err == nil && st.Size() > size {
			best, size = v.file, st.Size()
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, best))
	if err != nil {
		b.Fatal(err)
	}
	return best, data
}

// BenchmarkLoadLargestCorpusForm reads and compiles the largest corpus XLSForm (goal: < 1 s;
// load_vs_goal is the time over 1 s).
func BenchmarkLoadLargestCorpusForm(b *testing.B) {
	name, data := largestForm(b)
	b.Logf("%s: %d bytes", name, len(data))
	n := 0
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := Load(data, name); err != nil {
			b.Fatal(err)
		}
		n++
	}
	// Wall time on a shared machine counts other processes' load; CPU time is the load's own.
	b.ReportMetric(float64(b.Elapsed())/float64(n)/float64(time.Second), "load_vs_goal")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(n), "cpu_s/op")
}

// sampleAnswers answers every question of a survey with a value of its type (the first
// choice of a select), three rows in each repeat.
func sampleAnswers(s *form.Survey) map[string]any {
	rows := map[string][]map[string]any{}
	var level func(rep string) map[string]any
	level = func(rep string) map[string]any {
		m := map[string]any{}
		for _, f := range s.Fields() {
			if f.Repeat != rep {
				continue
			}
			var v any
			switch f.Type {
			case "integer":
				v = 3.0
			case "decimal", "range":
				v = 2.5
			case "text", "barcode":
				v = "abc"
			case "date":
				v = "2026-10-05"
			case "geopoint":
				v = "27.7 85.3 1300 5"
			case "select_one", "select_multiple":
				if c := s.Choices(f.List); len(c) > 0 {
					v = c[0].Name
				}
			}
			if v != nil {
				m[f.Key] = v
			}
		}
		for _, r := range s.Repeats() {
			if s.Field(r).Repeat == rep {
				var list []any
				for i := 0; i < 3; i++ {
					row := level(r)
					rows[r] = append(rows[r], row)
					list = append(list, row)
				}
				m[s.Field(r).Key] = list
			}
		}
		return m
	}
	return level("")
}

// BenchmarkValidateLargestCorpusForm validates one interview of the largest corpus form
// (goal: < 200 µs; validate_vs_goal is the time over 200 µs).
func BenchmarkValidateLargestCorpusForm(b *testing.B) {
	name, data := largestForm(b)
	s, err := Load(data, name)
	if err != nil {
		b.Fatal(err)
	}
	env := &form.Envelope{ID: "3f2c8a4e-1b7d-4c59-9e0a-6d2f4b8c1a73", Survey: s.FormID, Version: s.Version,
		StartedAt: "2026-10-05T09:00:00+05:45", CompletedAt: "2026-10-05T09:40:00+05:45", DeviceID: "bench", Data: sampleAnswers(s)}
	today := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	res := s.Validate(env, today)
	b.Logf("%s: %d fields, %d answers; %d errors, %d warnings", name, len(s.Fields()), len(env.Data), len(res.Errors), len(res.Warnings))
	b.ReportAllocs()
	n := 0
	cpu0 := cpuTime()
	for b.Loop() {
		s.Validate(env, today)
		n++
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu_µs/op")
	b.ReportMetric(float64(b.Elapsed())/float64(n)/float64(200*time.Microsecond), "validate_vs_goal")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
