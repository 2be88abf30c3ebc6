package ingest

import (
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"

	"fieldbase/internal/keyorder"
)

// jsonText is json.Marshal's text of v ("null" when it cannot be encoded). The answers
// of a household (its data, sensitive answers and each roster row: maps of strings,
// numbers, booleans, lists and maps, as JSON reads them) are written by appendJSON, which
// writes json.Marshal's bytes in a third of its time (a tenth of an OpenRosa household's
// prepare); anything else, and any value appendJSON is not sure of, goes to json.Marshal.
// TestJSONTextIsMarshal and FuzzJSONText hold the two to the same bytes.
func jsonText(v any) string {
	if m, ok := v.(map[string]any); ok {
		bp := textBufs.Get().(*[]byte)
		defer textBufs.Put(bp)
		b, ok := appendJSON((*bp)[:0], m, 0)
		if cap(b) <= 64<<10 {
			*bp = b
		}
		if ok {
			return string(b)
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

var textBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// appendJSON appends v as json.Marshal writes it; ok is false for a value it leaves to
// json.Marshal (another type, a NaN or an infinity, a key that is not UTF-8, nesting
// deeper than answers go).
func appendJSON(b []byte, v any, depth int) ([]byte, bool) {
	if depth > 32 {
		return b, false
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return appendString(b, x), true
	case bool:
		if x {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case float64:
		return appendFloat(b, x)
	case map[string]any:
		if x == nil {
			return append(b, "null"...), true
		}
		return appendObject(b, x, depth)
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendJSON(b, e, depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	}
	return b, false
}

// appendObject is appendJSON's object case.
func appendObject(b []byte, x map[string]any, depth int) ([]byte, bool) {
	var buf [keyorder.Max]string // on the stack: a household's top level has ~40 answers
	keys := buf[:0]
	for k := range x {
		if !utf8.ValidString(k) {
			return b, false // keys equal once made valid: json.Marshal's to judge
		}
		keys = append(keys, k)
	}
	var idx [keyorder.Max]uint8
	order := keyorder.Order(keys, &idx)
	b = append(b, '{')
	for i := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		k := keyorder.Key(keys, order, i)
		b = appendString(b, k)
		b = append(b, ':')
		var ok bool
		if b, ok = appendJSON(b, x[k], depth+1); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendFloat writes f as encoding/json does: the shortest decimal that reads back as f,
// in exponent form below 1e-6 and from 1e21 on (with a two-digit exponent cut to one).
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	n := len(b)
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if m := len(b) - n; m >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
	}
	return b, true
}

const hexDigits = "0123456789abcdef"

// appendString writes s quoted as json.Marshal does: HTML's <, > and & escaped, control
// characters, U+2028 and U+2029 too, and invalid UTF-8 written as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
