package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The server answers a push only after the WAL is on disk, with one sync per push request
// (not one per household): strace watches the real `serve` process's fsync/fdatasync calls
// on data.db-wal while the test pushes.
func TestPushSyncsTheWALOncePerRequest(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Fatal("strace is not installed: run `bash .ci/run` (it installs it) or apt-get install strace")
	}
	f := newField(t)
	hh := households(t, 60, 5)
	f.pushAll(hh[:1]) // the survey is loaded and the WAL exists before tracing

	trace := filepath.Join(t.TempDir(), "strace.txt")
	st := exec.Command(strace, "-f", "-y", "-qq", "-e", "trace=fsync,fdatasync", "-o", trace, "-p", strconv.Itoa(f.cmd.Process.Pid))
	st.Stderr = os.Stderr
	if err := st.Start(); err != nil {
		t.Fatalf("strace: %v", err)
	}
	defer st.Process.Kill()
	// strace is attached once it has written its first line or after a short wait.
	time.Sleep(700 * time.Millisecond)

	walSyncs := func() int {
		b, _ := os.ReadFile(trace)
		n := 0
		for _, line := range strings.Split(string(b), "\n") {
			if walSync.MatchString(line) {
				n++
			}
		}
		return n
	}
	for round, batch := range [][]map[string]any{hh[1:21], hh[21:60]} {
		before := walSyncs()
		for id, o := range f.pushAll(batch) {
			if o != "created" {
				t.Fatalf("%s: %s", id, o)
			}
		}
		// The answer came back after the sync: the trace already holds it.
		if n := walSyncs() - before; n != 1 {
			b, _ := os.ReadFile(trace)
			t.Fatalf("push %d of %d households: %d syncs of data.db-wal, want 1\n%s", round+1, len(batch), n, tail(string(b), 3000))
		}
	}
	st.Process.Signal(syscall.SIGINT)
	st.Wait()
}

var walSync = regexp.MustCompile(`f(data)?sync\(\d+<[^>]*data\.db-wal>\)\s*=\s*0`)
