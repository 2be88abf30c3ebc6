package bench

import (
	"bytes"
	"fmt"
	"os"
	"time"
)

// rssSample is what a server's resident memory is made of at one moment (/proc/PID/status,
// MB): anonymous memory (Go's heap and SQLite's page caches) and mapped files (the binary).
type rssSample struct{ rss, anon, file float64 }

func (r rssSample) String() string {
	return fmt.Sprintf("%.0f MB (anonymous %.0f, files %.0f)", r.rss, r.anon, r.file)
}

// watchRSS samples pid's RSS every 50 ms until the returned function is called, which gives
// the sample of the highest RSS seen (zero if none could be read).
func watchRSS(pid int) (stop func() rssSample) {
	done, out := make(chan struct{}), make(chan rssSample, 1)
	go func() {
		var peak rssSample
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if s, ok := readRSS(pid); ok && s.rss > peak.rss {
				peak = s
			}
			select {
			case <-done:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() rssSample { close(done); return <-out }
}

func readRSS(pid int) (rssSample, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return rssSample{}, false
	}
	get := func(key string) float64 {
		mb, _ := parseStatusMB(bytes.NewReader(b), key) // a line it cannot read counts 0
		return mb
	}
	return rssSample{rss: get("VmRSS"), anon: get("RssAnon"), file: get("RssFile") + get("RssShmem")}, true
}
