package hooks

import (
	"runtime/debug"
	"testing"
)

func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestTightenGC: GOGC is lowered while exports run, back to what it was after the last of
// them, and left alone when the environment sets it.
func TestTightenGC(t *testing.T) {
	t.Setenv("GOGC", "")
	prev := debug.SetGCPercent(150)
	defer debug.SetGCPercent(prev)
	first := tightenGC()
	second := tightenGC()
	if p := gcPercent(); p != exportGCPercent {
		t.Fatalf("two exports running: GOGC %d, want %d", p, exportGCPercent)
	}
	first()
	if p := gcPercent(); p != exportGCPercent {
		t.Errorf("one export still running: GOGC %d, want %d", p, exportGCPercent)
	}
	second()
	if p := gcPercent(); p != 150 {
		t.Errorf("no export running: GOGC %d, want 150 again", p)
	}
	t.Setenv("GOGC", "200")
	restore := tightenGC()
	if p := gcPercent(); p != 150 {
		t.Errorf("GOGC in the environment: changed to %d", p)
	}
	restore()
}
