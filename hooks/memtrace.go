package hooks

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"
)

// A memory trace says what the server's resident memory is made of over time, for finding
// where a peak comes from (docs/performance.md): with FIELDBASE_MEMTRACE=PREFIX set, the
// server writes PREFIX-PID.tsv, one line every memTraceEvery with the resident set from
// /proc/self/status (anonymous memory: Go's heap and SQLite's page caches; files: the
// binary) beside Go's own account of its memory (runtime/metrics), in MB. SIGUSR1 writes a
// heap profile to PREFIX-PID-heapN.pprof (as of the last collection).
//
//	FIELDBASE_MEMTRACE=/tmp/fb fieldbase bench ...
//	# RSS minus Go's resident heap (total - released) is mostly SQLite's page caches

const memTraceEvery = 50 * time.Millisecond

// memTraceColumns are the columns after the time: /proc/self/status lines, then metrics.
var memTraceColumns = []struct{ name, key string }{
	{"rss", "VmRSS"}, {"anon", "RssAnon"}, {"file", "RssFile"},
	{"go_live", "/gc/heap/live:bytes"},
	{"go_objects", "/memory/classes/heap/objects:bytes"},
	{"go_unused", "/memory/classes/heap/unused:bytes"}, // in spans, between objects
	{"go_free", "/memory/classes/heap/free:bytes"},
	{"go_released", "/memory/classes/heap/released:bytes"},
	{"go_stacks", "/memory/classes/heap/stacks:bytes"},
	{"go_total", "/memory/classes/total:bytes"},
}

// startMemTrace starts the trace if FIELDBASE_MEMTRACE is set (until the process exits).
func startMemTrace() {
	prefix := os.Getenv("FIELDBASE_MEMTRACE")
	if prefix == "" {
		return
	}
	f, err := os.Create(fmt.Sprintf("%s-%d.tsv", prefix, os.Getpid()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "FIELDBASE_MEMTRACE:", err)
		return
	}
	go func() {
		w := bufio.NewWriter(f)
		tick := time.NewTicker(memTraceEvery)
		defer tick.Stop()
		writeMemTraceHeader(w)
		samples := memTraceSamples()
		for range tick.C {
			writeMemTraceLine(w, samples, time.Now())
			if w.Flush() != nil {
				return
			}
		}
	}()
	go func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGUSR1)
		for i := 0; ; i++ {
			<-c
			if hf, err := os.Create(fmt.Sprintf("%s-%d-heap%d.pprof", prefix, os.Getpid(), i)); err == nil {
				pprof.Lookup("heap").WriteTo(hf, 0)
				hf.Close()
			}
		}
	}()
}

func memTraceSamples() []metrics.Sample {
	var s []metrics.Sample
	for _, c := range memTraceColumns {
		if c.key[0] == '/' {
			s = append(s, metrics.Sample{Name: c.key})
		}
	}
	return s
}

func writeMemTraceHeader(w io.Writer) {
	fmt.Fprint(w, "unix_s")
	for _, c := range memTraceColumns {
		fmt.Fprint(w, "\t", c.name)
	}
	fmt.Fprintln(w)
}

// writeMemTraceLine writes one line of the trace (MB; -1 for what cannot be read).
func writeMemTraceLine(w io.Writer, samples []metrics.Sample, now time.Time) {
	status, _ := os.ReadFile("/proc/self/status")
	metrics.Read(samples)
	fmt.Fprintf(w, "%.3f", float64(now.UnixMilli())/1000)
	m := 0
	for _, c := range memTraceColumns {
		v := -1.0
		if c.key[0] == '/' {
			if samples[m].Value.Kind() == metrics.KindUint64 {
				v = float64(samples[m].Value.Uint64()) / (1 << 20)
			}
			m++
		} else if kb, ok := statusKB(status, c.key); ok {
			v = kb / 1024
		}
		fmt.Fprintf(w, "\t%.1f", v)
	}
	fmt.Fprintln(w)
}

// statusKB reads a "Key:   123 kB" line of /proc/PID/status.
func statusKB(status []byte, key string) (float64, bool) {
	i := bytes.Index(status, []byte("\n"+key+":"))
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(status[i+len(key)+2:])
	if len(f) < 2 || string(f[1]) != "kB" {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(f[0]), 64)
	return v, err == nil
}
