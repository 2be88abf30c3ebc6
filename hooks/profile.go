package hooks

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/pocketbase/pocketbase/core"
)

// bindProfile writes a CPU profile of the serving process when FIELDBASE_CPUPROFILE is set
// (to PREFIX-PID.pprof, so the bench's two servers do not share a file), from the start of
// serving until it stops: `FIELDBASE_CPUPROFILE=/tmp/fb fieldbase bench --quick`, then
// `go tool pprof -top fieldbase /tmp/fb-PID.pprof` with the PID of server A in the bench log.
func (s *Server) bindProfile() {
	startMemTrace()
	prefix := os.Getenv("FIELDBASE_CPUPROFILE")
	if prefix == "" {
		return
	}
	var f *os.File
	s.app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		var err error
		f, err = os.Create(fmt.Sprintf("%s-%d.pprof", prefix, os.Getpid()))
		if err != nil {
			return fmt.Errorf("FIELDBASE_CPUPROFILE: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("FIELDBASE_CPUPROFILE: %w", err)
		}
		return se.Next()
	})
	s.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		if f != nil {
			pprof.StopCPUProfile()
			f.Close()
			f = nil
		}
		return e.Next()
	})
}
