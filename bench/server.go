package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a fieldbase server child process on a data dir of its own.
type server struct {
	name    string
	URL     string
	Dir     string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// startServer makes a superuser with `superuser upsert` and then runs `serve` on a free
// loopback port, and waits until the server answers /api/health (its migrations have run).
func startServer(ctx context.Context, name, exe, dir, email, password string) (*server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	up := exec.CommandContext(ctx, exe, "superuser", "upsert", email, password, "--dir", dir)
	if out, err := up.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: superuser upsert: %w: %s", name, err, bytes.TrimSpace(out))
	}
	return serveDir(ctx, name, exe, dir)
}

// serveDir runs `serve` on a data dir that has its superuser (startServer, or a server
// started again after the fill: upserting the superuser again would sign its tokens out).
func serveDir(ctx context.Context, name, exe, dir string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	s := &server{name: name, URL: "http://" + addr, Dir: dir, logPath: filepath.Join(filepath.Dir(dir), name+".log"),
		done: make(chan struct{})}
	// Appended to: a server started again on its data dir (the fill) keeps one log.
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(exe, "serve", "--http", addr, "--dir", dir)
	// A load test, not field work: the per-enumerator daily quota (README) is off.
	s.cmd.Env = append(os.Environ(), "FIELDBASE_QUOTA_INVALID=-1", "FIELDBASE_QUOTA_BYTES=-1", "FIELDBASE_INDICATORS_WARM=0")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Its own process group, so a Ctrl-C reaches the bench, which stops the server itself;
	// and killed by the kernel should the bench die without cleaning up.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("%s: start: %w", name, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	if err := s.waitHealthy(ctx, 90*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *server) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/api/health", nil)
		res, err := hc.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("%s exited before it served (%v): %s", s.name, s.waitErr, s.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer /api/health within %s: %s", s.name, limit, s.logTail())
		}
	}
}

// logTail is the end of the server's output, for error messages.
func (s *server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no log)"
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// stop asks the server to shut down (SIGTERM) and kills it after a few seconds.
func (s *server) stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// peakRSS is the server's peak resident set (VmHWM) in MB since it started or since the
// last resetPeak.
func (s *server) peakRSS() (float64, error) { return procStatusMB(s.pid(), "VmHWM") }

// resetPeak starts a new peak: VmHWM falls back to the current RSS.
func (s *server) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.pid()), []byte("5"), 0)
}

// procStatusMB reads a "kB" line of /proc/PID/status, in MB (2^20 bytes).
func procStatusMB(pid int, key string) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseStatusMB(f, key)
}

func parseStatusMB(r interface{ Read([]byte) (int, error) }, key string) (float64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != key {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("/proc status: unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, err
		}
		return kb / 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("/proc status: no " + key + " line")
}

// cpu is the CPU time (user + system) the server process has used so far.
func (s *server) cpu() time.Duration { return procCPU(s.pid()) }

// procCPU reads utime + stime of /proc/PID/stat (clock ticks of 1/100 s on Linux); 0 when
// it cannot.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: fields are counted after its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// selfCPU is the CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
