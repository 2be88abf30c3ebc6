package bench

import (
	"os"
	"testing"
	"time"
)

// TestWatchRSS: the watch keeps the sample of the highest RSS seen while it runs: touching
// 64 MB of new memory during it shows in the anonymous part of the peak.
func TestWatchRSS(t *testing.T) {
	before, ok := readRSS(os.Getpid())
	if !ok || before.rss <= 0 || before.anon <= 0 || before.file <= 0 || before.anon+before.file > before.rss+1 {
		t.Fatalf("RSS of this process: %+v (read: %v)", before, ok)
	}
	stop := watchRSS(os.Getpid())
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	time.Sleep(200 * time.Millisecond)
	peak := stop()
	if peak.anon < before.anon+48 || peak.rss < peak.anon {
		t.Fatalf("peak %s after touching 64 MB, before %s", peak, before)
	}
	_ = buf[len(buf)-1]
	if _, ok := readRSS(-1); ok {
		t.Fatal("read the RSS of no process")
	}
}
