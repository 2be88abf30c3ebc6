package bench

import (
	"strings"
	"testing"
)

func TestParseCPUTicks(t *testing.T) {
	cases := []struct {
		line         string
		total, steal uint64
		ok           bool
	}{
		// A Linux 6 line: user nice system idle iowait irq softirq steal guest guest_nice.
		{"cpu  4705 356 584 3699176 23 0 27 950 40 0", 4705 + 356 + 584 + 3699176 + 23 + 27 + 950, 950, true},
		{"cpu 1 2 3 4 5 6 7 8", 36, 8, true},
		{"cpu 1 2 3 4 5 6 7", 0, 0, false},    // no steal column (Linux before 2.6.11)
		{"cpu0 1 2 3 4 5 6 7 8", 0, 0, false}, // a single CPU's line, not the machine's
		{"cpu 1 2 x 4 5 6 7 8", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, c := range cases {
		total, steal, ok := parseCPUTicks(c.line)
		if total != c.total || steal != c.steal || ok != c.ok {
			t.Errorf("parseCPUTicks(%q) = %d, %d, %v; want %d, %d, %v", c.line, total, steal, ok, c.total, c.steal, c.ok)
		}
	}
}

func TestStealSince(t *testing.T) {
	total, steal, ok := cpuTicks()
	got := stealSince(total, steal, ok)
	if !ok {
		if got != "CPU steal ?" {
			t.Fatalf("without /proc/stat: %q", got)
		}
		return
	}
	// "?" when no tick has passed since (total equal): both are answers, nothing else is.
	if got != "CPU steal ?" && !(strings.HasPrefix(got, "CPU steal ") && strings.HasSuffix(got, "%")) {
		t.Fatalf("stealSince = %q", got)
	}
	if got := stealSince(total, steal, false); got != "CPU steal ?" {
		t.Fatalf("unreadable start: %q", got)
	}
}
