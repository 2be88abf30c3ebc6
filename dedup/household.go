package dedup

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
)

// Household is the summary of one interview kept for probable-duplicate
// searches. HeadKey is HeadKey(a_head_name), not the name itself.
type Household struct {
	ID       string
	PSU      int
	Dwelling int
	HasGPS   bool
	Lat, Lon float64
	Accuracy float64 // metres, 0 if unknown
	HeadKey  string
	Roster   []Person
}

// Match is the result of comparing two households. Score orders candidates
// (0 nothing in common … 1 same household key); Probable applies the rule of
// spec/sync.md and is what raises a flag. Reasons are the evidence, in words
// a supervisor can check.
type Match struct {
	Score    float64
	Probable bool
	Reasons  []string
}

// GPSRadius is the distance within which two interviews of the same PSU may
// be the same dwelling (spec/sync.md).
const GPSRadius = 30.0

const earthRadius = 6371008.8 // mean Earth radius, metres (IUGG)

// Distance is the great-circle (haversine) distance in metres between two
// points given in decimal degrees.
func Distance(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	h = math.Min(1, math.Max(0, h)) // rounding can push h just outside [0,1]
	return 2 * earthRadius * math.Asin(math.Sqrt(h))
}

// Compare says whether a and b are probably the same household:
//   - same household key (PSU and dwelling, both set): probable;
//   - else same PSU, both GPS points within 30 m, and the rosters match: the
//     same head name after normalisation, or more than half of the larger
//     roster paired on sex and age ±1 (each member used once): probable.
//
// Both households are assumed to belong to the same survey; the caller
// compares within one survey. Compare is symmetric.
func Compare(a, b Household) Match {
	var m Match
	if a.PSU > 0 && a.PSU == b.PSU && a.Dwelling > 0 && a.Dwelling == b.Dwelling {
		m.Probable = true
		m.Score = 1
		m.Reasons = append(m.Reasons, fmt.Sprintf("same household key (psu %d, dwelling %d)", a.PSU, a.Dwelling))
	}
	samePSU := a.PSU > 0 && a.PSU == b.PSU

	// Evidence other than the key; each part weighs a quarter of the score.
	var score float64
	if samePSU {
		score += 0.25
		if !m.Probable {
			m.Reasons = append(m.Reasons, fmt.Sprintf("same PSU %d", a.PSU))
		}
	}
	near := false
	if a.HasGPS && b.HasGPS && validPoint(a) && validPoint(b) {
		d := Distance(a.Lat, a.Lon, b.Lat, b.Lon)
		near = d <= GPSRadius
		// Full weight within the radius, fading to nothing at 100 m.
		switch {
		case near:
			score += 0.25
		case d < 100:
			score += 0.25 * (100 - d) / (100 - GPSRadius)
		}
		if d < 1000 {
			m.Reasons = append(m.Reasons, gpsReason(d, a.Accuracy, b.Accuracy))
		}
	}
	sameHead := a.HeadKey != "" && a.HeadKey == b.HeadKey
	if sameHead {
		score += 0.25
		m.Reasons = append(m.Reasons, "same head name")
	}
	larger := max(len(a.Roster), len(b.Roster))
	matched := RosterMatches(a.Roster, b.Roster)
	mostMembers := larger > 0 && 2*matched > larger
	if larger > 0 && matched > 0 {
		score += 0.25 * float64(matched) / float64(larger)
		m.Reasons = append(m.Reasons, fmt.Sprintf("%d of %d members match on sex and age ±1", matched, larger))
	}
	if samePSU && near && (sameHead || mostMembers) {
		m.Probable = true
	}
	if m.Score < score {
		m.Score = score
	}
	return m
}

func gpsReason(d, accA, accB float64) string {
	s := fmt.Sprintf("GPS %s m apart", strconv.FormatFloat(math.Round(d), 'f', -1, 64))
	if accA > 0 && accB > 0 {
		s += fmt.Sprintf(" (accuracy %g m and %g m)", math.Round(accA), math.Round(accB))
	}
	return s
}

func validPoint(h Household) bool {
	return !math.IsNaN(h.Lat) && !math.IsNaN(h.Lon) &&
		h.Lat >= -90 && h.Lat <= 90 && h.Lon >= -180 && h.Lon <= 180
}

// Roles names the answers a household summary reads: the keys of the PSU, dwelling, GPS
// point and head's name in the household's answers, the person repeat and the keys of sex and
// age in its rows. A survey declares them in its settings (package design); "" is a role the
// survey does not have, whose part of the summary stays empty.
type Roles struct {
	PSU, Dwelling, GPS, HeadName string
	Roster, RosterSex, RosterAge string
}

// Household builds the summary of one answers object: PSU, dwelling, GPS {lat, lon,
// accuracy}, the head's name (HeadKey) and the roster's sex and age. Missing or malformed
// answers are left at their zero value (an age that is missing is -1 so that it never
// matches); it never fails.
func (ro Roles) Household(id string, data map[string]any) Household {
	h := Household{ID: id}
	if ro.PSU != "" {
		h.PSU, _ = intOf(data[ro.PSU])
	}
	if ro.Dwelling != "" {
		h.Dwelling, _ = intOf(data[ro.Dwelling])
	}
	if g, ok := data[ro.GPS].(map[string]any); ok && ro.GPS != "" {
		lat, ok1 := floatOf(g["lat"])
		lon, ok2 := floatOf(g["lon"])
		if ok1 && ok2 {
			h.HasGPS, h.Lat, h.Lon = true, lat, lon
			h.Accuracy, _ = floatOf(g["accuracy"])
		}
	}
	if name, ok := data[ro.HeadName].(string); ok && ro.HeadName != "" {
		h.HeadKey = HeadKey(name)
	}
	if ro.Roster == "" {
		return h
	}
	rows, _ := data[ro.Roster].([]any)
	if typed, ok := data[ro.Roster].([]map[string]any); ok { // built in Go
		for _, r := range typed {
			rows = append(rows, r)
		}
	}
	for _, r := range rows {
		row, _ := r.(map[string]any)
		p := Person{Age: -1}
		if s, ok := row[ro.RosterSex].(string); ok && ro.RosterSex != "" {
			p.Sex = s
		}
		if a, ok := intOf(row[ro.RosterAge]); ok && ro.RosterAge != "" {
			p.Age = a
		}
		h.Roster = append(h.Roster, p)
	}
	return h
}

func floatOf(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil && !math.IsInf(f, 0)
	}
	// Other numeric kinds (int32, float32, uint…) from callers that build
	// the answers in Go.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func intOf(v any) (int, bool) {
	f, ok := floatOf(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return 0, false
	}
	return int(f), true
}
