package dedup

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestNormaliseNameAndHeadKey(t *testing.T) {
	same := [][2]string{
		{"Ram Bahadur Sharma", "sharma  ram BAHADUR"},
		{"Sharma, Ram", "Ram Sharma."},
		{"Sítā Thāpā", "Sita Thapa"},
		{"Sita Thapa", "Sita Thapa"}, // combining accents typed separately
		{"D'Souza Maria", "Maria DSouza"},
		{"  Gurung-Tamang  Hari ", "Hari Gurung Tamang"},
	}
	for _, c := range same {
		if HeadKey(c[0]) != HeadKey(c[1]) || HeadKey(c[0]) == "" {
			t.Errorf("%q and %q should give the same key (%q vs %q)", c[0], c[1], NormaliseName(c[0]), NormaliseName(c[1]))
		}
	}
	if HeadKey("Ram Sharma") == HeadKey("Shyam Sharma") {
		t.Error("different names, same key")
	}
	if HeadKey("  ,. ") != "" || HeadKey("") != "" {
		t.Error("empty name should give an empty key")
	}
	k := HeadKey("Ram Sharma")
	if len(k) != 64 || strings.Contains(k, "ram") {
		t.Errorf("key %q should be a hex hash", k)
	}
}

func TestRosterSig(t *testing.T) {
	r := []Person{{"1", 34}, {"2", 31}, {"1", 5}}
	sig := RosterSig(r)
	if sig != "1:34,2:31,1:5" {
		t.Fatalf("sig = %q", sig)
	}
	back, err := ParseRosterSig(sig)
	if err != nil || !reflect.DeepEqual(back, r) {
		t.Fatalf("round trip: %v %v", back, err)
	}
	if s := RosterSig([]Person{{"", 3}, {"a,b", -1}}); s != "?:3,?:-1" {
		t.Errorf("odd sexes: %q", s)
	}
	if p, err := ParseRosterSig(""); err != nil || p != nil {
		t.Errorf("empty: %v %v", p, err)
	}
	for _, bad := range []string{"1", "1:x", ":3", "1:3,", "1:3,,2:4"} {
		if _, err := ParseRosterSig(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestRosterMatches(t *testing.T) {
	P := func(sig string) []Person { p, _ := ParseRosterSig(sig); return p }
	cases := []struct {
		a, b string
		want int
	}{
		{"1:34,2:31,1:5", "1:34,2:31,1:5", 3},
		{"1:34,2:31,1:5", "1:35,2:30,1:6", 3}, // age ±1
		{"1:34,2:31,1:5", "1:36,2:33,1:7", 0}, // age ±2 is a miss
		{"1:34,2:31", "2:34,1:31", 0},         // sex swapped
		{"1:31,1:30", "1:30,1:32", 2},         // order-greedy would find 1
		{"1:30,1:30,1:30", "1:30", 1},         // each member used once
		{"1:30,2:-1,?:5", "1:30,2:-1,?:5", 1}, // unknown age / sex never match
		{"", "1:30", 0},
	}
	for _, c := range cases {
		if got := RosterMatches(P(c.a), P(c.b)); got != c.want {
			t.Errorf("RosterMatches(%s ; %s) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := RosterMatches(P(c.b), P(c.a)); got != c.want {
			t.Errorf("not symmetric for %s ; %s", c.a, c.b)
		}
	}
}

func TestDistance(t *testing.T) {
	// One degree of latitude is about 111.2 km.
	if d := Distance(27.7, 85.3, 28.7, 85.3); math.Abs(d-111195) > 100 {
		t.Errorf("1 degree = %.0f m", d)
	}
	if d := Distance(27.7, 85.3, 27.7, 85.3); d != 0 {
		t.Errorf("same point = %v", d)
	}
	if d := Distance(0, 0, 0, 180); math.Abs(d-math.Pi*earthRadius) > 1 {
		t.Errorf("antipode = %v", d)
	}
}

// offset moves a point north by metres.
func offset(lat, metres float64) float64 { return lat + metres/(earthRadius*math.Pi/180) }

func TestCompare(t *testing.T) {
	const lat, lon = 27.7000, 85.3000
	roster5 := []Person{{"1", 45}, {"2", 40}, {"1", 18}, {"2", 15}, {"1", 9}}
	base := Household{ID: "a", PSU: 12, Dwelling: 7, HasGPS: true, Lat: lat, Lon: lon, Accuracy: 5,
		HeadKey: HeadKey("Ram Bahadur Sharma"), Roster: roster5}
	other := func(f func(*Household)) Household {
		h := Household{ID: "b", PSU: 12, Dwelling: 8, HasGPS: true, Lat: offset(lat, 12), Lon: lon, Accuracy: 8,
			HeadKey: HeadKey("Hari Thapa"), Roster: []Person{{"2", 70}}}
		f(&h)
		return h
	}
	cases := []struct {
		name     string
		b        Household
		probable bool
		reasons  []string // each must appear (substring)
	}{
		{"same key", other(func(h *Household) { h.Dwelling = 7; h.HasGPS = false }), true,
			[]string{"same household key (psu 12, dwelling 7)"}},
		{"same key, other PSU numbers", other(func(h *Household) { h.PSU = 13; h.Dwelling = 7 }), false, nil},
		{"near, same head name", other(func(h *Household) { h.HeadKey = HeadKey("sharma ram bahadur") }), true,
			[]string{"same PSU 12", "GPS 12 m apart (accuracy 5 m and 8 m)", "same head name"}},
		{"near, 4 of 5 members", other(func(h *Household) {
			h.Roster = []Person{{"1", 46}, {"2", 40}, {"1", 17}, {"2", 15}, {"2", 60}}
		}), true, []string{"4 of 5 members match on sex and age ±1"}},
		{"near, 3 of 5 members (more than half)", other(func(h *Household) {
			h.Roster = []Person{{"1", 45}, {"2", 41}, {"1", 18}}
		}), true, []string{"3 of 5 members match"}},
		{"near miss: exactly half of the larger roster", other(func(h *Household) {
			h.Roster = []Person{{"1", 45}, {"2", 40}, {"1", 18}, {"2", 70}, {"2", 71}, {"1", 2}}
		}), false, []string{"3 of 6 members match"}},
		{"near miss: ages ±2", other(func(h *Household) {
			h.Roster = []Person{{"1", 47}, {"2", 42}, {"1", 20}, {"2", 17}, {"1", 11}}
		}), false, nil},
		{"near miss: 31 m apart, same head", other(func(h *Household) {
			h.Lat = offset(lat, 31)
			h.HeadKey = base.HeadKey
		}), false, []string{"GPS 31 m apart", "same head name"}},
		{"29 m apart, same head", other(func(h *Household) {
			h.Lat = offset(lat, 29)
			h.HeadKey = base.HeadKey
		}), true, []string{"GPS 29 m apart"}},
		{"near miss: other PSU", other(func(h *Household) { h.PSU = 13; h.HeadKey = base.HeadKey; h.Roster = roster5 }), false, nil},
		{"near miss: no GPS", other(func(h *Household) { h.HasGPS = false; h.HeadKey = base.HeadKey }), false, nil},
		{"near, nothing else", other(func(h *Household) {}), false, []string{"GPS 12 m apart"}},
		{"empty head keys do not match", other(func(h *Household) { h.HeadKey = "" }), false, nil},
	}
	for _, c := range cases {
		a := base
		if c.name == "empty head keys do not match" {
			a.HeadKey = ""
		}
		m := Compare(a, c.b)
		if m.Probable != c.probable {
			t.Errorf("%s: probable = %v, want %v (reasons %q)", c.name, m.Probable, c.probable, m.Reasons)
		}
		joined := strings.Join(m.Reasons, "; ")
		for _, r := range c.reasons {
			if !strings.Contains(joined, r) {
				t.Errorf("%s: reasons %q lack %q", c.name, joined, r)
			}
		}
		if m.Score < 0 || m.Score > 1 {
			t.Errorf("%s: score %v out of range", c.name, m.Score)
		}
		rev := Compare(c.b, a)
		if rev.Probable != m.Probable || math.Abs(rev.Score-m.Score) > 1e-12 {
			t.Errorf("%s: not symmetric", c.name)
		}
	}
	if m := Compare(base, base); !m.Probable || m.Score != 1 {
		t.Errorf("identical: %+v", m)
	}
	if m := Compare(Household{}, Household{}); m.Probable || m.Score != 0 {
		t.Errorf("empty: %+v", m)
	}
	bad := Household{PSU: 1, HasGPS: true, Lat: math.NaN(), Lon: 500}
	if m := Compare(bad, bad); m.Probable {
		t.Errorf("invalid GPS: %+v", m)
	}
}

// mhsRoles are the roles mhs declares in its settings (schemas/mhs.json).
var mhsRoles = Roles{PSU: "a_psu", Dwelling: "a_dwelling", GPS: "a_gps", HeadName: "a_head_name",
	Roster: "members", RosterSex: "b_sex", RosterAge: "b_age"}

func TestHouseholdFromData(t *testing.T) {
	raw := `{"a_psu": 12, "a_dwelling": 7.0, "a_gps": {"lat": 27.7, "lon": 85.3, "accuracy": 6},
		"a_head_name": "Ram Sharma", "members": [{"b_sex":"1","b_age":34},{"b_sex":"2"}, "junk"]}`
	for _, useNumber := range []bool{false, true} {
		dec := json.NewDecoder(strings.NewReader(raw))
		if useNumber {
			dec.UseNumber()
		}
		var data map[string]any
		if err := dec.Decode(&data); err != nil {
			t.Fatal(err)
		}
		h := mhsRoles.Household("x", data)
		want := Household{ID: "x", PSU: 12, Dwelling: 7, HasGPS: true, Lat: 27.7, Lon: 85.3, Accuracy: 6,
			HeadKey: HeadKey("Ram Sharma"), Roster: []Person{{"1", 34}, {"2", -1}, {"", -1}}}
		if !reflect.DeepEqual(h, want) {
			t.Errorf("useNumber=%v: %+v", useNumber, h)
		}
	}
	if h := mhsRoles.Household("", map[string]any{"a_psu": "12", "a_gps": "x", "members": 3}); h.PSU != 0 || h.HasGPS || h.Roster != nil {
		t.Errorf("malformed: %+v", h)
	}
	_ = mhsRoles.Household("", nil)
	h := mhsRoles.Household("", map[string]any{"a_psu": int32(5), "a_dwelling": uint16(9), "members": []map[string]any{{"b_sex": "2", "b_age": float32(3)}}})
	if h.PSU != 5 || h.Dwelling != 9 || len(h.Roster) != 1 || h.Roster[0].Age != 3 {
		t.Errorf("Go numeric kinds: %+v", h)
	}
	// A survey without roles: only the id; other keys (even mhs's) are not read.
	if h := (Roles{}).Household("y", map[string]any{"a_psu": 3, "": 4, "members": []any{map[string]any{"b_sex": "1"}}}); !reflect.DeepEqual(h, Household{ID: "y"}) {
		t.Errorf("no roles: %+v", h)
	}
	// Other names for the same roles give the same summary.
	other := Roles{PSU: "cluster", Dwelling: "hh", GPS: "pt", HeadName: "resp", Roster: "people", RosterSex: "sex", RosterAge: "age"}
	h = other.Household("x", map[string]any{"cluster": 12.0, "hh": 7.0, "pt": map[string]any{"lat": 27.7, "lon": 85.3, "accuracy": 6.0},
		"resp": "Ram Sharma", "people": []any{map[string]any{"sex": "1", "age": 34.0}}})
	if want := (Household{ID: "x", PSU: 12, Dwelling: 7, HasGPS: true, Lat: 27.7, Lon: 85.3, Accuracy: 6,
		HeadKey: HeadKey("Ram Sharma"), Roster: []Person{{"1", 34}}}); !reflect.DeepEqual(h, want) {
		t.Errorf("other names: %+v", h)
	}
}
