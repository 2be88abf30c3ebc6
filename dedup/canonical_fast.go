package dedup

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"fieldbase/internal/keyorder"
)

// appendCanonical appends Canonical's bytes for v, for the values answers are made of
// (nil, bool, string, float64, map[string]any, []any): into one growing slice, the keys
// sorted on the stack, integers and plain decimals written without canonNumber's
// round trip through text. ok is false for anything else (json.Number, Go integers,
// other types, nesting past maxDepth): then writeValue writes the whole value, so the
// bytes are writeValue's in every case. TestCanonicalFastIsWriteValue and
// FuzzCanonicalFast hold the two equal.
func appendCanonical(b []byte, v any, depth int) ([]byte, bool) {
	if depth > maxDepth {
		return b, false
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		if x {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case string:
		return appendCanonString(b, x), true
	case float64:
		return appendCanonFloat(b, x), true
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendCanonical(b, e, depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		var buf [keyorder.Max]string // on the stack: a household's top level has ~40 answers
		keys := buf[:0]
		for k, v := range x {
			if v != nil { // null is the same answer as absent (writeValue)
				keys = append(keys, k)
			}
		}
		var idx [keyorder.Max]uint8
		order := keyorder.Order(keys, &idx)
		b = append(b, '{')
		for i := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			k := keyorder.Key(keys, order, i)
			b = appendCanonString(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = appendCanonical(b, x[k], depth+1); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

// appendCanonFloat is writeFloat: an integer below 2^53 is its decimal digits (what
// canonNumber makes of strconv's shortest text, "1e+06" included); other numbers are
// strconv's shortest text, which canonNumber leaves as it is unless it has an exponent.
func appendCanonFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.AppendInt(b, int64(f), 10) // -0 is "0", as canonNumber writes it
	}
	n := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	if slices.Contains(b[n:], 'e') {
		s := canonNumber(string(b[n:]))
		b = append(b[:n], s...)
	}
	return b
}

// appendCanonString is writeString: '"', '\\' and control characters escaped, invalid
// UTF-8 as \ufffd, everything else as it is.
func appendCanonString(b []byte, s string) []byte {
	const hexdig = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"':
				b = append(b, '\\', '"')
			case '\\':
				b = append(b, '\\', '\\')
			default:
				b = append(b, '\\', 'u', '0', '0', hexdig[c>>4], hexdig[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

var canonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8192); return &b }}

// withCanonical calls use with Canonical(data) in a buffer that is reused once use returns
// (the content hash digests it and keeps nothing of it).
func withCanonical(data map[string]any, use func([]byte)) {
	if data == nil {
		use([]byte("{}"))
		return
	}
	bp := canonBufs.Get().(*[]byte)
	b, ok := appendCanonical((*bp)[:0], data, 0)
	if ok {
		use(b)
	} else {
		use(canonicalSlow(data))
	}
	if cap(b) <= 256<<10 {
		*bp = b[:0]
		canonBufs.Put(bp)
	}
}
