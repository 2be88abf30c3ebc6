package indicators

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"fieldbase/synth"
)

// benchHouseholds is 100,000 unless FIELDBASE_BENCH_HOUSEHOLDS says otherwise (the
// scaling runs of issue 19 compare 100k with 300k and 1M).
var benchHouseholds = envInt("FIELDBASE_BENCH_HOUSEHOLDS", 100_000)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

var (
	benchOnce sync.Once
	benchSrc  *memSource
)

// benchFacts computes the facts of 100,000 synthetic households once.
// Synth fills the calculates itself, so validation is skipped here.
func benchFacts(b *testing.B) *memSource {
	sv, c := mhs(b)
	benchOnce.Do(func() {
		src := &memSource{}
		err := synth.Generate(synth.Options{Households: benchHouseholds, Seed: 7}, func(it synth.Item) error {
			h, m := c.Facts(sv, it.Envelope["data"].(map[string]any))
			src.hh = append(src.hh, h)
			src.members = append(src.members, m...)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		benchSrc = src
	})
	return benchSrc
}

// BenchmarkComputeAll is the speed goal of the brief: every indicator for
// the total and for each single dimension over 100,000 households. "each"
// makes the 8 requests one Compute each (every one reading all household
// and member facts, as 8 HTTP requests would); "once" is one ComputeEach.
func BenchmarkComputeAll(b *testing.B) {
	_, c := mhs(b)
	src := benchFacts(b)
	reqs := []Request{{}}
	for _, d := range c.Dimensions {
		reqs = append(reqs, Request{By: []string{d.ID}})
	}
	report := func(b *testing.B, cells int) {
		b.ReportMetric(float64(len(src.hh)), "households")
		b.ReportMetric(float64(len(src.members)), "persons")
		b.ReportMetric(float64(cells), "cells")
	}
	b.Run("each", func(b *testing.B) {
		b.ReportAllocs()
		cells := 0
		for i := 0; i < b.N; i++ {
			cells = 0
			for _, req := range reqs {
				res, err := c.Compute(req, src)
				if err != nil {
					b.Fatal(err)
				}
				cells += len(res.Cells)
			}
		}
		report(b, cells)
	})
	b.Run("once", func(b *testing.B) {
		b.ReportAllocs()
		cells := 0
		for i := 0; i < b.N; i++ {
			cells = 0
			res, err := c.ComputeEach(reqs, src)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				cells += len(r.Cells)
			}
		}
		report(b, cells)
	})
}

// BenchmarkSnapshot is what the HTTP route does: read every facts row once
// ("read"), then answer the 8 requests of BenchmarkComputeAll from the
// snapshot ("requests").
func BenchmarkSnapshot(b *testing.B) {
	_, c := mhs(b)
	src := benchFacts(b)
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := cpuTime()
		for i := 0; i < b.N; i++ {
			if _, err := c.Read(src); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu_ms/op")
	})
	snap, err := c.Read(src)
	if err != nil {
		b.Fatal(err)
	}
	reqs := []Request{{}}
	for _, d := range c.Dimensions {
		reqs = append(reqs, Request{By: []string{d.ID}})
	}
	b.Run("requests", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, req := range reqs {
				if _, err := snap.Compute(req); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkComputeTwoDims is the largest request: all indicators by two
// dimensions with many codes.
func BenchmarkComputeTwoDims(b *testing.B) {
	_, c := mhs(b)
	src := benchFacts(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Compute(Request{By: []string{"REGION", "AGE"}}, src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFacts is the ingest cost: facts of one household (all rows).
func BenchmarkFacts(b *testing.B) {
	sv, c := mhs(b)
	var data []map[string]any
	synth.Generate(synth.Options{Households: 200, Seed: 3}, func(it synth.Item) error {
		data = append(data, it.Envelope["data"].(map[string]any))
		return nil
	})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Facts(sv, data[i%len(data)])
	}
}

// BenchmarkAfterChange is GET /api/indicators after one household changed: the snapshot
// updated with it (Apply), the 29 tables disclosure control counts (Counts) and the 8
// requests of BenchmarkComputeAll estimated. snapshot_MB is the heap the snapshot holds.
func BenchmarkAfterChange(b *testing.B) {
	_, c := mhs(b)
	src := benchFacts(b)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	snap, err := c.Read(src)
	if err != nil {
		b.Fatal(err)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	reqs := []Request{{}}
	var tables []Request
	for i, d := range c.Dimensions {
		reqs = append(reqs, Request{By: []string{d.ID}})
		tables = append(tables, Request{By: []string{d.ID}})
		for _, e := range c.Dimensions[i+1:] {
			tables = append(tables, Request{By: []string{d.ID, e.ID}})
		}
	}
	// The snapshot before the change has answered (and counted) already, as on a server.
	for _, req := range tables {
		if _, err := snap.Counts(req); err != nil {
			b.Fatal(err)
		}
	}
	one := &memSource{hh: src.hh[:1], members: src.members[:3]}
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next, err := snap.Apply(one, one) // out and in again: a household whose status went and came back
		if err != nil {
			b.Fatal(err)
		}
		for _, req := range tables {
			if _, err := next.Counts(req); err != nil {
				b.Fatal(err)
			}
		}
		for _, req := range reqs {
			if _, err := next.Compute(req); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu_ms/op")
	heap := float64(after.HeapAlloc - before.HeapAlloc)
	b.ReportMetric(heap/1e6, "snapshot_MB")
	b.ReportMetric(heap/float64(len(src.members)), "snapshot_B/person")
	b.ReportMetric(float64(snap.bytes())/float64(len(src.members)), "columns_B/person")
	b.ReportMetric(float64(len(src.hh)), "households")
	runtime.KeepAlive(snap)
}

// cpuTime is this process's CPU time (user + system): on a machine shared with other work
// it says more about a cost than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
