package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"fieldbase/ingest"
	"fieldbase/store"
)

// BenchmarkIngestPages: the write path's SQLite work for a household (the reads of
// ingest's store step, the inserts, the commit and its WAL sync), three households a
// commit as 8 Collect clients make them, on the schema of the indexes before
// (pb_migrations 1764234220 and 1764234230 undone) and after, in one process; and on the
// schema after, with 1, 8 and 30 households a commit, which shows what a commit costs
// whatever it holds. Households have the 1M data dir's sizes (answers 1.7 KB, 5 members,
// facts at random (stratum, PSU) places) and arrive received, as pushes do. One op is one
// household.
//
//	go test ./store -run '^$' -bench IngestPages -benchtime 6000x
func BenchmarkIngestPages(b *testing.B) {
	type run struct {
		schema string
		group  int
	}
	for _, r := range []run{{"before", 3}, {"after", 3}, {"after", 1}, {"after", 8}, {"after", 30}} {
		schema, group := r.schema, r.group
		b.Run(fmt.Sprintf("schema=%s/group=%d", schema, group), func(b *testing.B) {
			app, err := tests.NewTestApp(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer app.Cleanup()
			if schema == "before" {
				undoIngestIndexMigrations(b, app)
			}
			ctx := context.Background()
			w := app.NonconcurrentDB().(interface{ DB() *sql.DB }).DB()
			r := app.ConcurrentDB().(interface{ DB() *sql.DB }).DB()
			st, err := store.Open(ctx, w, r)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			rng := rand.New(rand.NewPCG(1, 2))
			write := func(n int) {
				for done := 0; done < n; done += group {
					hh := make([]household, min(group, n-done))
					for i := range hh {
						hh[i] = newHousehold(rng)
					}
					if err := st.Write(ctx, func(tx *store.Tx) error {
						for i := range hh {
							if err := hh[i].store(ctx, tx); err != nil {
								return err
							}
						}
						return nil
					}); err != nil {
						b.Fatal(err)
					}
				}
			}
			write(3000) // b-trees of a few levels before the measured households
			// The WAL is not checkpointed meanwhile, so its growth counts the frames written.
			if _, err := w.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
				b.Fatal(err)
			}
			if _, err := w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				b.Fatal(err)
			}
			wal := app.DataDir() + "/data.db-wal"
			fi0, _ := os.Stat(wal)
			b.ResetTimer()
			cpu0, t0 := processCPU(), time.Now()
			write(b.N)
			cpu, elapsed := processCPU()-cpu0, time.Since(t0)
			b.StopTimer()
			fi1, _ := os.Stat(wal)
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/household")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "households/s")
			b.ReportMetric(float64(fi1.Size()-fi0.Size())/float64(24+4096)/float64(b.N), "frames/household")
		})
	}
}

// undoIngestIndexMigrations runs the down of the two index migrations, newest first.
func undoIngestIndexMigrations(tb testing.TB, app core.App) {
	tb.Helper()
	for _, file := range []string{"1764234230_psu_key_index.go", "1764234220_facts_approved_index.go"} {
		found := false
		for _, m := range core.AppMigrations.Items() {
			if m.File == file {
				found = true
				if err := m.Down(app); err != nil {
					tb.Fatalf("down %s: %v", file, err)
				}
			}
		}
		if !found {
			tb.Fatalf("no migration %s", file)
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// household is one synthetic household as ingest writes it.
type household struct {
	sub       store.Submission
	members   []store.Member
	emigrants []store.Emigrant
}

var (
	answers   = `{"a_region":"R1","a_stratum":"R1R",` + strings.Repeat(`"q_filler_answer":"some answered text value",`, 38) + `"end":1}`
	memberRow = `{"b_rel":"2","b_sex":"F",` + strings.Repeat(`"b_answer":"a member's answer",`, 10) + `"end":1}`
)

func hexOf(rng *rand.Rand) string {
	var b [8]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	h := sha256.Sum256(b[:])
	return hex.EncodeToString(h[:])
}

func newHousehold(rng *rand.Rand) household {
	id := ingest.NewID()
	psu, dwelling := 1+rng.IntN(33000), 1+rng.IntN(60)
	facts := fmt.Sprintf("1.2f873049|R%dR|%d|7.02|2026|M,,,H_NONE,R,R1,|HH1=0;REM1=0", rng.IntN(4), psu)
	now := "2026-12-01 12:00:00.000Z"
	h := household{sub: store.Submission{
		ID: id, UUID: hexOf(rng)[:36], FormID: "mhs", Version: 1, Survey: "s", PSU: psu, Dwelling: dwelling,
		Stratum: "R1R", Region: "R1", Urban: "R", Weight: 7.02, Date: fmt.Sprintf("2026-%02d-%02d", 1+rng.IntN(11), 1+rng.IntN(28)),
		Status: "received", Enumerator: fmt.Sprintf("enum%d", rng.IntN(8)), Team: "team1", DeviceID: "collect:abc",
		StartedAt: now, CompletedAt: now, DurationS: 1200, HHSize: 5, Flags: "[]", Errors: "[]",
		Warnings: `[{"field":"x","code":"w","message":"a warning"}]`, Data: answers, PII: `{"head":"A Name"}`,
		ContentHash: hexOf(rng), RawHash: hexOf(rng), Lat: 1 + rng.Float64(), Lon: 30 + rng.Float64(), GPSAccuracy: 5,
		HeadKey: hexOf(rng)[:60], RosterSig: "1:51,2:49,3:12,4:9,5:2", Facts: facts, Created: now, Updated: now,
	}}
	for i := range 5 {
		h.members = append(h.members, store.Member{ID: ingest.NewID(), Submission: id, FormID: "mhs", Status: "received",
			Pos: i, Line: i + 1, Rel: "2", Sex: "F", Age: 30, MigStatus: "none", Facts: facts + fmt.Sprintf(";P%d=1", i)})
	}
	if rng.IntN(2) == 0 {
		h.emigrants = append(h.emigrants, store.Emigrant{ID: ingest.NewID(), Submission: id, FormID: "mhs",
			Status: "received", Line: 1, Sex: "M", Age: 25, Country: "KE", YearLeft: 2020, Reason: "work"})
	}
	return h
}

// store is what ingest's store step asks of the database for a new household: its id's
// rows, the same content, the PSU's candidates, a change number, then the rows.
func (h *household) store(ctx context.Context, tx *store.Tx) error {
	s := &h.sub
	if _, err := tx.ByUUID(ctx, s.UUID); err != nil {
		return err
	}
	if _, _, err := tx.ByContent(ctx, s.FormID, s.ContentHash, s.Enumerator); err != nil {
		return err
	}
	if _, err := tx.InPSU(ctx, s.FormID, s.PSU, s.Dwelling, store.Box{LatLo: s.Lat - 0.001, LatHi: s.Lat + 0.001, LonLo: s.Lon - 0.001, LonHi: s.Lon + 0.001}); err != nil {
		return err
	}
	seq, err := tx.NextSubmissionSeq(ctx)
	if err != nil {
		return err
	}
	s.Seq = seq
	return tx.InsertSubmission(ctx, s, h.members, h.emigrants)
}
