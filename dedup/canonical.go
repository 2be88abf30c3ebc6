package dedup

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Canonical returns the canonical JSON of an answers object: object keys
// sorted (by bytes), no insignificant white space, numbers in one spelling per
// value (see canonNumber), arrays in their order, strings exactly as given.
// A nil map gives "{}" so that an empty and a missing answers object agree.
func Canonical(data map[string]any) []byte {
	if data == nil {
		return []byte("{}")
	}
	if b, ok := appendCanonical(nil, data, 0); ok {
		return b
	}
	return canonicalSlow(data)
}

// canonicalSlow is Canonical by writeValue alone, which every kind of value goes through
// (appendCanonical is its fast path for the kinds answers are made of).
func canonicalSlow(data map[string]any) []byte {
	var b bytes.Buffer
	writeValue(&b, data, 0)
	return b.Bytes()
}

// ContentHash is the hex SHA-256 of Canonical(data).
func ContentHash(data map[string]any) string {
	sum := sha256.Sum256(Canonical(data))
	return hex.EncodeToString(sum[:])
}

// ContentHashJSON hashes raw JSON bytes holding one JSON value (normally the
// answers object). Numbers are kept as their decimal text (UseNumber), so
// large integers and long decimals are compared exactly, not through float64.
func ContentHashJSON(raw []byte) (string, error) {
	b, err := CanonicalJSON(raw)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// CanonicalJSON is Canonical for raw JSON bytes holding exactly one value.
func CanonicalJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("dedup: not valid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("dedup: trailing data after the JSON value")
	}
	var b bytes.Buffer
	writeValue(&b, v, 0)
	return b.Bytes(), nil
}

// maxDepth bounds recursion on hostile, deeply nested Go values (decoded JSON
// is already bounded by encoding/json). Deeper values are written as null.
const maxDepth = 512

func writeValue(b *bytes.Buffer, v any, depth int) {
	if depth > maxDepth {
		b.WriteString("null")
		return
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		writeString(b, x)
	case json.Number:
		b.WriteString(canonNumber(string(x)))
	case float64:
		writeFloat(b, x)
	case float32:
		writeFloat(b, float64(x))
	case int:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case uint64:
		b.WriteString(strconv.FormatUint(x, 10))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, e, depth+1)
		}
		b.WriteByte(']')
	case map[string]any:
		// A key whose value is null is the same answer as an absent key: questionnaire.md
		// lets a skipped question be either, and two devices may send it either way.
		keys := make([]string, 0, len(x))
		for k, v := range x {
			if v != nil {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeValue(b, x[k], depth+1)
		}
		b.WriteByte('}')
	default:
		writeOther(b, v, depth)
	}
}

// writeOther handles Go values built in code rather than decoded from JSON
// ([]string, []map[string]any, other integer types, structs): it goes through
// encoding/json and back so they hash like their JSON form.
func writeOther(b *bytes.Buffer, v any, depth int) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(rv.Int(), 10))
		return
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		b.WriteString(strconv.FormatUint(rv.Uint(), 10))
		return
	case reflect.Float32, reflect.Float64:
		writeFloat(b, rv.Float())
		return
	}
	raw, err := json.Marshal(v)
	if err != nil {
		// Not representable in JSON (channels, funcs, cycles): there is no
		// answer of that kind, so a fixed marker keeps Canonical total.
		b.WriteString("null")
		return
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var back any
	if err := dec.Decode(&back); err != nil {
		b.WriteString("null")
		return
	}
	writeValue(b, back, depth+1)
}

func writeFloat(b *bytes.Buffer, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		// JSON has no such numbers; they cannot come from a device.
		b.WriteString("null")
		return
	}
	// The shortest text that round-trips, then the same normalisation as
	// json.Number, so float64(1.5) and json.Number("1.50") agree.
	b.WriteString(canonNumber(strconv.FormatFloat(f, 'g', -1, 64)))
}

// writeString writes s as a JSON string. Only '"', '\\' and control
// characters are escaped (no HTML escaping), so equal strings give equal
// bytes. Invalid UTF-8 becomes U+FFFD, as encoding/json does when decoding.
func writeString(b *bytes.Buffer, s string) {
	const hexdig = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexdig[r>>4])
			b.WriteByte(hexdig[r&0xf])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

// canonNumber rewrites a JSON number's text as one spelling per value,
// exactly (no float64 rounding): the value is split into a digit string D
// without leading or trailing zeros and an exponent E (value = ±D×10^E), then
// written as a plain decimal ("1500", "0.25", "-3.125") when that is short,
// else as "De<E>" ("15e40"). Zero, -0 and 0.0 are "0". Text that is not a
// number is kept as a quoted string so that it still hashes deterministically.
func canonNumber(s string) string {
	neg, digits, exp, ok := parseNumber(s)
	if !ok {
		var b bytes.Buffer
		writeString(&b, s)
		return b.String()
	}
	if digits == "" {
		return "0"
	}
	var out strings.Builder
	if neg {
		out.WriteByte('-')
	}
	n := len(digits)
	switch {
	case exp >= 0 && n+exp <= 21:
		out.WriteString(digits)
		out.WriteString(strings.Repeat("0", exp))
	case exp < 0 && -exp < n:
		out.WriteString(digits[:n+exp])
		out.WriteByte('.')
		out.WriteString(digits[n+exp:])
	case exp < 0 && -exp-n <= 6:
		out.WriteString("0.")
		out.WriteString(strings.Repeat("0", -exp-n))
		out.WriteString(digits)
	default:
		out.WriteString(digits)
		out.WriteByte('e')
		out.WriteString(strconv.FormatInt(int64(exp), 10))
	}
	return out.String()
}

// parseNumber splits a JSON-like number into sign, significant digits (no
// leading or trailing zeros; "" for zero) and a base-10 exponent. Exponents
// too large for an int are refused rather than wrapped.
func parseNumber(s string) (neg bool, digits string, exp int, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var mant strings.Builder
	seenDigit, seenPoint := false, false
	frac := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			seenDigit = true
			mant.WriteByte(c)
			if seenPoint {
				frac++
			}
			continue
		}
		if c == '.' && !seenPoint {
			seenPoint = true
			continue
		}
		break
	}
	if !seenDigit {
		return false, "", 0, false
	}
	e := int64(0)
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return false, "", 0, false
		}
		v, err := strconv.ParseInt(strings.TrimPrefix(s[i+1:], "+"), 10, 32)
		if err != nil || s[i+1:] == "" {
			return false, "", 0, false
		}
		e = v
	}
	d := strings.TrimLeft(mant.String(), "0")
	if d == "" {
		return false, "", 0, true // zero, sign dropped
	}
	trail := len(d) - len(strings.TrimRight(d, "0"))
	d = d[:len(d)-trail]
	return neg, d, int(e) - frac + trail, true
}
