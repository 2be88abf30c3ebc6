package hooks_test

import (
	"context"
	"io"
	"testing"

	"github.com/pocketbase/dbx"

	"fieldbase/disclosure"
	"fieldbase/export"
	"fieldbase/hooks"
)

// TestExportDisplacesInItsTransaction: the displaced points an export asks for are read
// through the export's own read transaction, once per PSU. Through app.DB() each PSU's
// queries went to whichever idle reader connection the pool gave, and at a million
// households the first export filled the page caches of several of them (~30 MB resident).
func TestExportDisplacesInItsTransaction(t *testing.T) {
	s := newServer(t)
	exportFixture(t, s)
	sv, err := hooks.LatestSurvey(s.App, "mhs")
	if err != nil {
		t.Fatal(err)
	}
	asked := map[int]int{}
	req := hooks.ExportRequest{Filter: export.Filter{Survey: "mhs", Status: []string{"approved"}}, Actor: "cli:test", Role: "superuser",
		Displace: func(db dbx.Builder, formID string, psu int) (disclosure.Point, bool) {
			if _, ok := db.(*dbx.Tx); !ok {
				t.Errorf("PSU %d: displaced point read through %T, not the export's transaction", psu, db)
			}
			asked[psu]++
			return disclosure.Point{Lat: 1, Lon: 2}, true
		}}
	m, err := hooks.ExportMicrodata(context.Background(), s.App, sv, req, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	psus := s.number(t, "SELECT COUNT(DISTINCT a_psu) FROM submissions WHERE status = 'approved' AND a_psu > 0")
	if m.Counts["households.csv"] == 0 || int64(len(asked)) != psus {
		t.Fatalf("%d households exported, points asked for %d PSUs, %d have approved households", m.Counts["households.csv"], len(asked), psus)
	}
	for psu, n := range asked {
		if n != 1 {
			t.Fatalf("PSU %d: point asked %d times in one export", psu, n)
		}
	}
}
