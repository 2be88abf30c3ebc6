package disclosure

import (
	"math"
	"strconv"
)

// Maximum displacement of a PSU's point, metres (DHS: urban 2 km; rural 5 km, and 10 km for
// one rural PSU in a hundred, so that a rural point is never known to be within 5 km).
const (
	MaxUrban     = 2000.0
	MaxRural     = 5000.0
	MaxRuralFar  = 10000.0
	FarRuralRate = 0.01
)

const earthRadius = 6371008.8 // mean Earth radius, metres, as dedup.Distance

// Point is a PSU's published location.
type Point struct {
	Lat, Lon float64
}

// Displace moves the point of a PSU of a survey as DHS does: in a random direction by a random
// distance of 0 to MaxUrban (urban) or MaxRural (rural; MaxRuralFar for FarRuralRate of the
// rural PSUs), both drawn from the secret, the survey and the PSU, so that the same PSU moves
// the same way for every reader and every request, and nobody without the secret can undo it.
// The caller keeps the point once made (from the first household stored in the PSU): a point
// that followed the households would give each new one's position back by differencing.
// Results are rounded to 5 decimals (about a metre); latitudes stay within ±90 and
// longitudes within ±180.
func (k *Keys) Displace(survey string, psu int, from Point, urban bool) Point {
	subject := []byte(survey + "\x00" + strconv.Itoa(psu))
	w := k.stream("fieldbase/psu-point/v1", subject, 3)
	angle := 2 * math.Pi * unit(w[0])
	limit := MaxUrban
	if !urban {
		limit = MaxRural
		if unit(w[2]) < FarRuralRate {
			limit = MaxRuralFar
		}
	}
	dist := limit * unit(w[1])
	return round5(destination(from, angle, dist))
}

// destination is the point reached from p going dist metres along the initial bearing angle
// (radians from north) on a sphere.
func destination(p Point, angle, dist float64) Point {
	rad := math.Pi / 180
	lat1, lon1 := p.Lat*rad, p.Lon*rad
	d := dist / earthRadius
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(angle))
	lon2 := lon1 + math.Atan2(math.Sin(angle)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
	lon := math.Mod(lon2/rad+540, 360) - 180
	return Point{Lat: math.Max(-90, math.Min(90, lat2/rad)), Lon: lon}
}

func round5(p Point) Point {
	r := func(f float64) float64 { return math.Round(f*1e5) / 1e5 }
	return Point{Lat: r(p.Lat), Lon: r(p.Lon)}
}
