package hooks

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMemTraceLine: a line of the memory trace has one number per column, the resident set
// read from /proc (at least Go's heap in use), and Go's live heap below its total.
func TestMemTraceLine(t *testing.T) {
	runtime.GC() // the live heap is known from a collection on
	var b bytes.Buffer
	writeMemTraceHeader(&b)
	writeMemTraceLine(&b, memTraceSamples(), time.Now())
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("trace %q: want a header and a line", b.String())
	}
	head, vals := strings.Split(lines[0], "\t"), strings.Split(lines[1], "\t")
	if len(head) != len(memTraceColumns)+1 || len(vals) != len(head) {
		t.Fatalf("header %v, line %v: want %d columns", head, vals, len(memTraceColumns)+1)
	}
	v := map[string]float64{}
	for i, h := range head {
		x, err := strconv.ParseFloat(vals[i], 64)
		if err != nil {
			t.Fatalf("column %s: %q is not a number", h, vals[i])
		}
		v[h] = x
	}
	if v["rss"] <= 0 || v["anon"] <= 0 || v["file"] <= 0 || v["rss"] < v["anon"] {
		t.Fatalf("resident set not read from /proc/self/status: %v", v)
	}
	if v["go_live"] <= 0 || v["go_objects"] < v["go_live"]/2 || v["go_total"] <= v["go_objects"] {
		t.Fatalf("Go's memory classes: %v", v)
	}
	if got, ok := statusKB([]byte("Name:\tx\nVmRSS:\t  2048 kB\n"), "VmRSS"); !ok || got != 2048 {
		t.Fatalf("statusKB: %v %v", got, ok)
	}
	if _, ok := statusKB([]byte("Name:\tx\n"), "VmRSS"); ok {
		t.Fatal("statusKB read a missing line")
	}
}
