package form

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// call2 evaluates the nested-repeat reads, list lookups and the functions
// of ODK's library beyond the core set.
func (n *node) call2(c *evalCtx) Value {
	switch n.op {
	case opDevice:
		// Only the device knows: nothing that reads it is reported on.
		c.unsure = true
		return Value{}
	case opFirst:
		anc := c.ancRow(n)
		for i, rows := 0, c.rows(n.rep); i < rows; i++ {
			if c.visible(n, anc, i) {
				return c.get(n.f, i)
			}
		}
		return Value{}
	case opIndexed:
		want, ok := n.args[0].eval(c).Float()
		if !ok {
			return Value{}
		}
		anc := c.ancRow(n)
		k := 0
		for i, rows := 0, c.rows(n.rep); i < rows; i++ {
			if c.visible(n, anc, i) {
				if k++; float64(k) == want {
					return c.get(n.f, i)
				}
			}
		}
		return Value{}
	case opChoiceName:
		code := n.args[0].eval(c).String()
		if i, ok := n.list.index[code]; ok {
			return StringValue(n.list.choices[i].Label)
		}
		return StringValue("")
	case opInstance:
		saved := c.choice
		defer func() { c.choice = saved }()
		count := 0
		for i := range n.list.choices {
			ch := &n.list.choices[i]
			if n.pred != nil {
				c.choice = ch
				if !n.pred.evalBool(c) {
					continue
				}
			}
			if n.col == "#count" {
				count++
				continue
			}
			switch n.col {
			case "name":
				return StringValue(ch.Name)
			case "label":
				return StringValue(ch.Label)
			}
			return StringValue(ch.Extra[n.col])
		}
		if n.col == "#count" {
			return NumberValue(float64(count))
		}
		return StringValue("")
	}
	return n.fn2(c)
}

func (n *node) num(c *evalCtx, i int) float64 { return n.args[i].eval(c).number() }
func (n *node) str(c *evalCtx, i int) string  { return n.args[i].eval(c).String() }

// fn2 evaluates the functions of funcs2 by name.
func (n *node) fn2(c *evalCtx) Value {
	switch n.col {
	case "join":
		sep := n.str(c, 0)
		var b strings.Builder
		anc := c.ancRow(n)
		first := true
		for i, rows := 0, c.rows(n.rep); i < rows; i++ {
			if !c.visible(n, anc, i) {
				continue
			}
			if !first {
				b.WriteString(sep)
			}
			first = false
			b.WriteString(c.get(n.f, i).String())
		}
		return StringValue(b.String())
	case "substring-before":
		s, t := n.str(c, 0), n.str(c, 1)
		if i := strings.Index(s, t); i >= 0 {
			return StringValue(s[:i])
		}
		return StringValue("")
	case "substring-after":
		s, t := n.str(c, 0), n.str(c, 1)
		if i := strings.Index(s, t); i >= 0 {
			return StringValue(s[i+len(t):])
		}
		return StringValue("")
	case "translate":
		return StringValue(translate(n.str(c, 0), n.str(c, 1), n.str(c, 2)))
	case "normalize-space":
		if len(n.args) == 0 {
			return StringValue("")
		}
		return StringValue(strings.Join(strings.Fields(n.str(c, 0)), " "))
	case "string-length":
		if len(n.args) == 0 {
			return NumberValue(0)
		}
		return NumberValue(float64(utf8.RuneCountInString(n.str(c, 0))))
	case "to-upper", "upper-case":
		return StringValue(strings.ToUpper(n.str(c, 0)))
	case "to-lower", "lower-case":
		return StringValue(strings.ToLower(n.str(c, 0)))
	case "boolean-from-string":
		s := n.str(c, 0)
		return BoolValue(s == "true" || s == "1")
	case "log":
		return NumberValue(math.Log(n.num(c, 0)))
	case "log10":
		return NumberValue(math.Log10(n.num(c, 0)))
	case "sin":
		return NumberValue(math.Sin(n.num(c, 0)))
	case "cos":
		return NumberValue(math.Cos(n.num(c, 0)))
	case "tan":
		return NumberValue(math.Tan(n.num(c, 0)))
	case "asin":
		return NumberValue(math.Asin(n.num(c, 0)))
	case "acos":
		return NumberValue(math.Acos(n.num(c, 0)))
	case "atan":
		return NumberValue(math.Atan(n.num(c, 0)))
	case "atan2":
		return NumberValue(math.Atan2(n.num(c, 0), n.num(c, 1)))
	case "sqrt":
		return NumberValue(math.Sqrt(n.num(c, 0)))
	case "exp":
		return NumberValue(math.Exp(n.num(c, 0)))
	case "exp10":
		return NumberValue(math.Pow(10, n.num(c, 0)))
	case "pi":
		return NumberValue(math.Pi)
	case "substring":
		// XPath's substring(s, start, length): 1-based, rounded.
		r := []rune(n.str(c, 0))
		start := math.Round(n.num(c, 1))
		end := math.Inf(1)
		if len(n.args) == 3 {
			end = start + math.Round(n.num(c, 2))
		}
		var b strings.Builder
		for i, ch := range r {
			p := float64(i + 1)
			if p >= start && p < end {
				b.WriteRune(ch)
			}
		}
		return StringValue(b.String())
	case "decimal-date-time":
		v := n.args[0].eval(c)
		if sec, nsec, ok := parseInstant(v.String()); ok {
			return NumberValue((float64(sec) + float64(nsec)/1e9) / 86400)
		}
		if d, ok := v.days(); ok {
			return NumberValue(d)
		}
		return NumberValue(math.NaN())
	case "decimal-time":
		t, ok := parseTimeOfDay(n.str(c, 0))
		if !ok {
			return NumberValue(math.NaN())
		}
		return NumberValue(t / 86400)
	case "date-time":
		d, ok := n.args[0].eval(c).days()
		if !ok || math.IsInf(d, 0) || math.Abs(d) > 1e7 {
			return Value{}
		}
		return StringValue(formatDateTime(d))
	case "format-date-time":
		v := n.args[0].eval(c)
		d, ok := v.days()
		if sec, nsec, ok2 := parseInstant(v.String()); ok2 {
			d, ok = (float64(sec)+float64(nsec)/1e9)/86400, true
		}
		if !ok || math.IsInf(d, 0) || math.Abs(d) > 1e7 {
			return Value{}
		}
		return StringValue(formatDateTimePattern(d, n.str(c, 1)))
	case "area":
		pts, ok := parseGeoList(n.str(c, 0))
		if !ok {
			return NumberValue(math.NaN())
		}
		return NumberValue(geoArea(pts))
	case "distance":
		var pts [][2]float64
		if len(n.args) == 1 {
			p, ok := parseGeoList(n.str(c, 0))
			if !ok {
				return NumberValue(math.NaN())
			}
			pts = p
		} else {
			for i := range n.args {
				p, ok := parseGeoList(n.str(c, i))
				if !ok || len(p) != 1 {
					return NumberValue(math.NaN())
				}
				pts = append(pts, p[0])
			}
		}
		return NumberValue(geoDistance(pts))
	case "geofence":
		pt, ok1 := parseGeoList(n.str(c, 0))
		shape, ok2 := parseGeoList(n.str(c, 1))
		if !ok1 || !ok2 || len(pt) != 1 || len(shape) < 3 {
			return BoolValue(false)
		}
		return BoolValue(inPolygon(pt[0], shape))
	case "intersects":
		pts, ok := parseGeoList(n.str(c, 0))
		return BoolValue(ok && selfIntersects(pts))
	case "checklist":
		lo, hi := n.num(c, 0), n.num(c, 1)
		k := 0.0
		for i := 2; i < len(n.args); i++ {
			if n.args[i].eval(c).Bool() {
				k++
			}
		}
		return BoolValue((lo < 0 || k >= lo) && (hi < 0 || k <= hi))
	case "weighted-checklist":
		lo, hi := n.num(c, 0), n.num(c, 1)
		sum := 0.0
		for i := 2; i+1 < len(n.args); i += 2 {
			if n.args[i].eval(c).Bool() {
				sum += n.num(c, i+1)
			}
		}
		return BoolValue((lo < 0 || sum >= lo) && (hi < 0 || sum <= hi))
	case "digest":
		var h hash.Hash
		switch strings.ToUpper(n.str(c, 1)) {
		case "MD5":
			h = md5.New()
		case "SHA-1":
			h = sha1.New()
		case "SHA-256":
			h = sha256.New()
		case "SHA-384":
			h = sha512.New384()
		case "SHA-512":
			h = sha512.New()
		default:
			return Value{}
		}
		h.Write([]byte(n.str(c, 0)))
		sum := h.Sum(nil)
		if len(n.args) == 3 && strings.EqualFold(n.str(c, 2), "hex") {
			return StringValue(hex.EncodeToString(sum))
		}
		return StringValue(base64.StdEncoding.EncodeToString(sum))
	case "base64-decode":
		b, err := base64.StdEncoding.DecodeString(n.str(c, 0))
		if err != nil || !utf8.Valid(b) {
			return StringValue("")
		}
		return StringValue(string(b))
	case "jr:itext":
		return StringValue(n.str(c, 0))
	}
	return Value{}
}

func translate(s, from, to string) string {
	f, t := []rune(from), []rune(to)
	var b strings.Builder
	for _, r := range s {
		i := -1
		for k, x := range f {
			if x == r {
				i = k
				break
			}
		}
		switch {
		case i < 0:
			b.WriteRune(r)
		case i < len(t):
			b.WriteRune(t[i])
		}
	}
	return b.String()
}

// parseTimeOfDay reads HH:MM[:SS[.sss]][offset] as seconds since midnight.
func parseTimeOfDay(s string) (float64, bool) {
	if len(s) < 5 || s[2] != ':' {
		return 0, false
	}
	hh, ok1 := atoiDigits(s[0:2])
	mm, ok2 := atoiDigits(s[3:5])
	if !ok1 || !ok2 || hh > 23 || mm > 59 {
		return 0, false
	}
	t := float64(hh*3600 + mm*60)
	rest := s[5:]
	if len(rest) >= 3 && rest[0] == ':' {
		ss, ok := atoiDigits(rest[1:3])
		if !ok || ss > 59 {
			return 0, false
		}
		t += float64(ss)
		rest = rest[3:]
		if len(rest) > 1 && rest[0] == '.' {
			j := 1
			for j < len(rest) && isDigit(rest[j]) {
				j++
			}
			if f, err := strconv.ParseFloat("0"+rest[:j], 64); err == nil {
				t += f
			}
			rest = rest[j:]
		}
	}
	switch {
	case rest == "", rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		if _, ok := atoiDigits(rest[1:3]); !ok {
			return 0, false
		}
		if _, ok := atoiDigits(rest[4:6]); !ok {
			return 0, false
		}
	default:
		return 0, false
	}
	return t, true
}

// formatDateTime renders days since 1970 (UTC) as ISO 8601.
func formatDateTime(d float64) string {
	day := math.Floor(d)
	sec := math.Round((d - day) * 86400 * 1000)
	ms := int(sec) % 1000
	s := int(sec) / 1000
	return formatDays(int(day)) + "T" + pad2(s/3600) + ":" + pad2(s/60%60) + ":" + pad2(s%60) + "." + pad3(ms) + "Z"
}

func pad2(v int) string {
	if v < 10 {
		return "0" + strconv.Itoa(v)
	}
	return strconv.Itoa(v)
}

func pad3(v int) string {
	s := strconv.Itoa(v)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

// formatDateTimePattern is format-date-time: the date patterns of
// format-date plus %H %h %M %S %3.
func formatDateTimePattern(d float64, layout string) string {
	day := math.Floor(d)
	sec := int(math.Round((d - day) * 86400 * 1000))
	s := sec / 1000
	var b strings.Builder
	for i := 0; i < len(layout); i++ {
		if layout[i] == '%' && i+1 < len(layout) {
			switch layout[i+1] {
			case 'H':
				b.WriteString(pad2(s / 3600))
				i++
				continue
			case 'h':
				b.WriteString(strconv.Itoa(s / 3600))
				i++
				continue
			case 'M':
				b.WriteString(pad2(s / 60 % 60))
				i++
				continue
			case 'S':
				b.WriteString(pad2(s % 60))
				i++
				continue
			case '3':
				b.WriteString(pad3(sec % 1000))
				i++
				continue
			}
			b.WriteString(formatDate(int(day), layout[i:i+2]))
			i++
			continue
		}
		b.WriteByte(layout[i])
	}
	return b.String()
}

// parseGeoList reads ODK's "lat lon [alt acc]; lat lon ..." (a geopoint,
// geotrace or geoshape) as latitude/longitude pairs.
func parseGeoList(s string) ([][2]float64, bool) {
	var pts [][2]float64
	for _, part := range strings.Split(s, ";") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 || len(f) > 4 {
			return nil, false
		}
		lat, err1 := strconv.ParseFloat(f[0], 64)
		lon, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
			return nil, false
		}
		pts = append(pts, [2]float64{lat, lon})
	}
	return pts, len(pts) > 0
}

const earthRadius = 6378100.0 // metres, as ODK's GeoUtils

func rad(x float64) float64 { return x * math.Pi / 180 }

// geoDistance is the length of the path in metres (haversine, as ODK).
func geoDistance(pts [][2]float64) float64 {
	total := 0.0
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		dlat, dlon := rad(b[0]-a[0]), rad(b[1]-a[1])
		h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(rad(a[0]))*math.Cos(rad(b[0]))*math.Sin(dlon/2)*math.Sin(dlon/2)
		total += 2 * earthRadius * math.Atan2(math.Sqrt(h), math.Sqrt(1-h))
	}
	return total
}

// geoArea is the area of the polygon in square metres (spherical excess
// approximation, as ODK's GeoUtils).
func geoArea(pts [][2]float64) float64 {
	if len(pts) < 3 {
		return 0
	}
	area := 0.0
	for i := range pts {
		p1, p2 := pts[i], pts[(i+1)%len(pts)]
		area += rad(p2[1]-p1[1]) * (2 + math.Sin(rad(p1[0])) + math.Sin(rad(p2[0])))
	}
	return math.Abs(area * earthRadius * earthRadius / 2)
}

func inPolygon(p [2]float64, poly [][2]float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

func selfIntersects(pts [][2]float64) bool {
	cross := func(o, a, b [2]float64) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }
	for i := 0; i+1 < len(pts); i++ {
		for j := i + 2; j+1 < len(pts); j++ {
			if i == 0 && j+1 == len(pts)-1 && pts[0] == pts[len(pts)-1] {
				continue
			}
			a, b, c, d := pts[i], pts[i+1], pts[j], pts[j+1]
			if cross(a, b, c)*cross(a, b, d) < 0 && cross(c, d, a)*cross(c, d, b) < 0 {
				return true
			}
		}
	}
	return false
}
