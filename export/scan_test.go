package export_test

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"fieldbase/export"
)

// sameExport writes src three times: read by the scanner, by the decoder alone, and by the
// scanner on one core (no goroutine: no read-ahead, format workers, compression or reviews
// ahead). It fails unless every file of the ZIPs holds the same bytes (manifest and problems
// included).
func sameExport(t testing.TB, s *export.Schema, src export.Source, opt export.Options) *unzipped {
	t.Helper()
	opt.Now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	write := func(opt export.Options) *unzipped {
		var buf bytes.Buffer
		if _, err := export.Write(&buf, s, src, opt); err != nil {
			t.Fatal(err)
		}
		return readZip(t, buf.Bytes())
	}
	a := write(opt)
	if runtime.GOMAXPROCS(0) < 2 {
		t.Fatal("one core: the export's goroutines are not tested")
	}
	one := func() *unzipped {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		return write(opt)
	}()
	for what, b := range map[string]*unzipped{"the decoder's": write(export.DecodeOnly(opt)), "one core's": one} {
		if !slices.Equal(a.names, b.names) {
			t.Fatalf("files %v, %s %v", a.names, what, b.names)
		}
		for _, n := range a.names {
			if !bytes.Equal(a.raw[n], b.raw[n]) {
				t.Fatalf("%s differs from %s:\n%s", n, what, firstDiff(a.raw[n], b.raw[n]))
			}
		}
	}
	return a
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-200)
	return "scanner: " + string(a[from:min(len(a), i+200)]) + "\ndecoder: " + string(b[from:min(len(b), i+200)])
}

// TestScannerWritesWhatTheDecoderWrites: the synthetic survey's households, with and without
// personal data, and the same households damaged at random (bytes changed, cut short), give
// the same export byte for byte whether the scanner or the decoder reads them, and on two
// cores or one.
func TestScannerWritesWhatTheDecoderWrites(t *testing.T) {
	sv := mhsSurvey(t)
	src, _ := synthSource(t, sv, 1200) // a few batches (readAheadRows) for the format workers
	s := export.FromForm(sv)
	for _, pii := range []bool{false, true} {
		u := sameExport(t, s, src, export.Options{Filter: export.Filter{PII: pii}})
		if _, rows := u.csv(t, "members.csv"); len(rows) < 1200 {
			t.Fatalf("%d members", len(rows))
		}
	}
	// Damaged copies: every kind of byte JSON gives a meaning to, at random places.
	rng := rand.New(rand.NewPCG(1, 2))
	junk := []string{"{", "}", "[", "]", `"`, ",", ":", `\`, `\u`, `\ud800`, `\u00e9`, "0", "-", ".", "e", "1e", "n", "t",
		"null", " ", "\n", "\x00", "\x1f", "\xff", "é", "\u00a0", "a", "01", "1.", `""`, `\"`}
	damaged := &memSource{reviews: src.reviews}
	for i, h := range src.hh {
		for _, doc := range []*[]byte{&h.Data, &h.PII} {
			b := slices.Clone(*doc)
			switch i % 4 {
			case 0: // left as it is
			case 3:
				b = b[:rng.IntN(len(b)+1)]
			default:
				for range 1 + rng.IntN(3) {
					at := rng.IntN(len(b) + 1)
					cut := min(len(b), at+rng.IntN(4))
					b = slices.Concat(b[:at], []byte(junk[rng.IntN(len(junk))]), b[cut:])
				}
			}
			*doc = b
		}
		damaged.hh = append(damaged.hh, h)
	}
	for _, pii := range []bool{false, true} {
		sameExport(t, s, damaged, export.Options{Filter: export.Filter{PII: pii}})
	}
}

// FuzzScanner: whatever the stored answers, the scanner and the decoder write the same
// export.
func FuzzScanner(f *testing.F) {
	for _, seed := range []string{
		`{"key": 5, "in": "multi\nline, \"q\" नेपाल", "pick": ["in","zzz"], "ok": "maybe", "where": {"lat": 1, "lon": 2, "accuracy": 3}, "reviews": [{"r1": 1}, 2, null], "kids": [{"k1": "x"}]}`,
		`{"pick": "a-b in", "where": "1 2 3 4", "ok": {"x": [1, {"y": null}]}, "in": "\u00e9", "in": 2}`,
		`{"where": {"lat": -1.5e3, "lon": null, "Lat": 2}, "pick": [], "kids": {"k1": 1}}`,
		`{"where": {"lat": "1", "lon": 0}, "pick": ["a\u002db"], "k\u0065y": 1} `,
		`{"in": "\ud83d\ude00", "key": 01}`, `  null `, `{}x`, `[{}]`, `{"kids": [{"k1": "a"}, {"k1": "b"}]}`,
	} {
		f.Add([]byte(seed), []byte(`{"secret": "s", "kids": [{"k1": "p"}, 3]}`))
	}
	f.Fuzz(func(t *testing.T, data, pii []byte) {
		src := export.OddSource([]export.Household{{Key: "k", Data: data, PII: pii}, {Key: "k2", Data: pii, PII: data}})
		sameExport(t, export.OddSchema(), src, export.Options{Filter: export.Filter{PII: len(pii)%2 == 0}})
	})
}
