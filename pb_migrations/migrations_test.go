package pb_migrations

import (
	"testing"

	"fieldbase/form"
)

// The survey the migration carries loads as mhs v1 with today's loader (the migration
// itself does not run the loader, so a stricter loader cannot break replaying it; this
// test says when the frozen copy and the loader have parted).
func TestFrozenSurveyLoads(t *testing.T) {
	f, err := form.Load(mhsV1)
	if err != nil {
		t.Fatalf("the migration's mhs v1 does not load: %v", err)
	}
	if f.FormID != "mhs" || f.Version != 1 {
		t.Fatalf("the migration carries %s v%d", f.FormID, f.Version)
	}
}
