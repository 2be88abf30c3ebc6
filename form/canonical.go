package form

import (
	"math"
	"strconv"
	"strings"
)

// ODK's value formats, which a device may push as they are in the XML
// ("a b c" for a select_multiple, "lat lon alt acc" for a geopoint, an
// offset written +hhmm), are accepted by the validator and stored in one
// form, the one the OpenRosa door writes: a list, an object, +hh:mm.
// Whichever door a household came through, the same answers are stored,
// content-hashed and compared as duplicates alike. The bytes as sent are
// kept apart (the raw submission), as before.

// canonKind reports whether answers of f may be sent in a format other
// than the stored one.
func (f *Field) canonKind() bool {
	switch f.kind {
	case kSelectMultiple, kRank, kGeopoint, kDateTime:
		return true
	case kDevice:
		switch f.Type {
		case "start", "end", "start-geopoint", "background-geopoint":
			return true
		}
	}
	return false
}

// canonical returns the stored form of a valid answer of f and whether it
// differs from raw. An empty ODK string is an unanswered question, as an
// empty element is in an XML instance: it is dropped (nil).
func (f *Field) canonical(raw any) (any, bool) {
	s, ok := raw.(string)
	if !ok {
		return raw, false // lists and objects are already the stored form
	}
	kind := f.kind
	if kind == kDevice {
		switch f.Type {
		case "start", "end":
			kind = kDateTime
		default:
			kind = kGeopoint
		}
	}
	switch kind {
	case kSelectMultiple, kRank:
		words := strings.Fields(s)
		if len(words) == 0 {
			return nil, true
		}
		list := make([]any, len(words))
		for i, w := range words {
			list[i] = w
		}
		return list, true
	case kGeopoint:
		if strings.TrimSpace(s) == "" {
			return nil, true
		}
		if g, ok := geoObject(s); ok {
			return g, true
		}
	case kDateTime:
		if s == "" {
			return nil, true
		}
		if c := canonInstant(s); c != s {
			return c, true
		}
	}
	return raw, false
}

// geoObject reads "lat lon altitude accuracy" as the object the JSON
// protocol stores ({lat, lon, altitude, accuracy}). A point without its
// accuracy is left as it was sent: the object form requires one.
func geoObject(s string) (map[string]any, bool) {
	f := strings.Fields(s)
	if len(f) != 4 {
		return nil, false
	}
	var nums [4]float64
	for i, w := range f {
		x, err := strconv.ParseFloat(w, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, false
		}
		nums[i] = x
	}
	g := map[string]any{"lat": nums[0], "lon": nums[1], "altitude": nums[2], "accuracy": nums[3]}
	if _, msg := checkGeopoint(g); msg != "" {
		return nil, false
	}
	return g, true
}

// canonInstant writes a dateTime as RFC 3339 does: upper-case T and Z and
// an offset +hh:mm (JavaRosa has written +hhmm). Other text is returned
// as it is.
func canonInstant(s string) string {
	n := len(s)
	if n < 20 || (s[10] != 'T' && s[10] != 't') {
		return s
	}
	b := []byte(s)
	b[10] = 'T'
	if b[n-1] == 'z' {
		b[n-1] = 'Z'
	}
	if (s[n-5] == '+' || s[n-5] == '-') && isDigit(s[n-4]) && isDigit(s[n-3]) && isDigit(s[n-2]) && isDigit(s[n-1]) {
		b = append(b[:n-2:n-2], ':', s[n-2], s[n-1])
	}
	return string(b)
}
