package disclosure

import (
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func testKeys(t *testing.T, seed byte) *Keys {
	t.Helper()
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = seed + byte(i)
	}
	k, err := New(secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestDigestDependsOnSecretAndPurpose(t *testing.T) {
	a, b := testKeys(t, 1), testKeys(t, 2)
	x := a.Digest("head", []byte("ram sharma"))
	if len(x) != 64 {
		t.Fatalf("digest %q is not 64 hex digits", x)
	}
	if x != a.Digest("head", []byte("ram sharma")) {
		t.Fatal("the same input digests differently")
	}
	if x == b.Digest("head", []byte("ram sharma")) {
		t.Fatal("two secrets give the same digest")
	}
	if x == a.Digest("content", []byte("ram sharma")) {
		t.Fatal("two purposes give the same digest")
	}
	// The purpose and data are separated: ("ab", "c") and ("a", "bc") differ.
	if a.Digest("ab", []byte("c")) == a.Digest("a", []byte("bc")) {
		t.Fatal("purpose and data run together")
	}
	if a.Fingerprint() == b.Fingerprint() || len(a.Fingerprint()) != 16 {
		t.Fatalf("fingerprints %q %q", a.Fingerprint(), b.Fingerprint())
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("a 5-byte secret was accepted")
	}
}

func TestLoadOrCreateKeepsOneSecret(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	prints := make([]string, 8)
	made := make([]bool, 8)
	for i := range prints {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, created, err := LoadOrCreate(dir)
			if err != nil {
				t.Error(err)
				return
			}
			prints[i], made[i] = k.Fingerprint(), created
		}()
	}
	wg.Wait()
	n := 0
	for i := range prints {
		if prints[i] != prints[0] {
			t.Fatalf("concurrent starts made different secrets: %v", prints)
		}
		if made[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d calls say they made the secret, want 1", n)
	}
	st, err := os.Stat(filepath.Join(dir, SecretFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, want 0600", st.Mode().Perm())
	}
	k, created, err := LoadOrCreate(dir)
	if err != nil || created || k.Fingerprint() != prints[0] {
		t.Fatalf("reload: created=%v err=%v fingerprint %s, want %s", created, err, k.Fingerprint(), prints[0])
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left in the data dir: %v", entries)
	}
	if err := os.WriteFile(filepath.Join(dir, SecretFile), []byte("not hex\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreate(dir); err == nil {
		t.Fatal("a damaged secret file was accepted (or silently replaced)")
	}
}

func TestDisplaceDHS(t *testing.T) {
	k := testKeys(t, 7)
	from := Point{Lat: 27.7172, Lon: 85.3240}
	far, moved := 0, 0
	const n = 4000
	var maxUrban float64
	for psu := 1; psu <= n; psu++ {
		u := k.Displace("mhs", psu, from, true)
		if u != k.Displace("mhs", psu, from, true) {
			t.Fatal("the same PSU moves differently on two calls")
		}
		d := distance(from, u)
		maxUrban = math.Max(maxUrban, d)
		if d > MaxUrban+2 {
			t.Fatalf("urban PSU %d moved %.0f m (> 2 km)", psu, d)
		}
		r := k.Displace("mhs", psu, from, false)
		dr := distance(from, r)
		if dr > MaxRuralFar+2 {
			t.Fatalf("rural PSU %d moved %.0f m (> 10 km)", psu, dr)
		}
		if dr > MaxRural+2 {
			far++
		}
		if dr > 100 {
			moved++
		}
		if math.Round(r.Lat*1e5) != r.Lat*1e5 && math.Abs(math.Round(r.Lat*1e5)-r.Lat*1e5) > 1e-6 {
			t.Fatalf("latitude %v has more than 5 decimals", r.Lat)
		}
	}
	// 1 rural PSU in 100 may go up to 10 km, half of those past 5 km: 20 of 4000 expected
	// (binomial, sd ≈ 4.5).
	if far < 7 || far > 35 {
		t.Fatalf("%d of %d rural PSUs moved past 5 km, want about 0.5%%", far, n)
	}
	if maxUrban < 0.95*MaxUrban {
		t.Fatalf("urban displacements reach only %.0f m of 2 km", maxUrban)
	}
	if moved < n*9/10 {
		t.Fatalf("only %d of %d rural PSUs moved more than 100 m", moved, n)
	}
	if k.Displace("mhs", 1, from, false) == testKeys(t, 8).Displace("mhs", 1, from, false) {
		t.Fatal("another secret displaces the same way")
	}
	if k.Displace("mhs", 1, from, false) == k.Displace("other", 1, from, false) {
		t.Fatal("PSU 1 of two surveys moves the same way")
	}
	// Near the antimeridian and the pole the point stays on the map.
	for _, p := range []Point{{0, 179.999}, {89.999, 0}, {-89.999, -179.999}} {
		q := k.Displace("mhs", 3, p, false)
		if q.Lat < -90 || q.Lat > 90 || q.Lon < -180 || q.Lon >= 180 {
			t.Fatalf("%v displaced off the map: %v", p, q)
		}
	}
}

// distance is the haversine distance in metres (as dedup.Distance).
func distance(a, b Point) float64 {
	rad := math.Pi / 180
	dlat, dlon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * earthRadius * math.Asin(math.Sqrt(math.Min(1, h)))
}
