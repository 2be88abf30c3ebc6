package form

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is the dynamic type of a Value.
type Kind uint8

const (
	KindNull   Kind = iota // no answer
	KindNumber             // integer, decimal and arithmetic results
	KindString             // text, select_one codes, geopoints ("lat lon alt acc")
	KindBool               // comparisons and logic
	KindDate               // date answers and today()
	KindList               // select_multiple answers
)

// Value is the result of an expression or an answer read by one.
//
// It is a small value type (no pointers to fresh memory for numbers,
// strings taken from the answers are not copied) so that evaluating an
// expression does not allocate in the common cases.
type Value struct {
	kind Kind
	num  float64 // number; bool as 0/1; date as days since 1970-01-01
	str  string  // string; a date's text (YYYY-MM-DD)
	list []any   // select_multiple answer, as stored (strings)
}

// NullValue returns the empty value.
func NullValue() Value { return Value{} }

// NumberValue returns a number.
func NumberValue(f float64) Value { return Value{kind: KindNumber, num: f} }

// StringValue returns a string.
func StringValue(s string) Value { return Value{kind: KindString, str: s} }

// BoolValue returns a boolean.
func BoolValue(b bool) Value {
	if b {
		return Value{kind: KindBool, num: 1}
	}
	return Value{kind: KindBool}
}

// DateValue returns the calendar date of t (in t's location). Its text is
// made only if String is called.
func DateValue(t time.Time) Value {
	y, m, d := t.Date()
	return Value{kind: KindDate, num: float64(daysFromCivil(y, int(m), d))}
}

// ListValue returns a select_multiple value.
func ListValue(names ...string) Value {
	l := make([]any, len(names))
	for i, n := range names {
		l[i] = n
	}
	return Value{kind: KindList, list: l}
}

func dateValueFromDays(days int, text string) Value {
	return Value{kind: KindDate, num: float64(days), str: text}
}

// Kind reports the dynamic type.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether the value counts as "not answered": null, the
// empty string, an empty selection, or NaN (e.g. int(”) or a sum over a
// missing answer). XLSForm treats all of these as the empty string.
func (v Value) IsNull() bool {
	switch v.kind {
	case KindNull:
		return true
	case KindString:
		return v.str == ""
	case KindNumber:
		return math.IsNaN(v.num)
	case KindList:
		return len(v.list) == 0
	}
	return false
}

// Bool converts to a boolean the XPath way: non-zero numbers, non-empty
// strings and selections, and any date are true.
func (v Value) Bool() bool {
	switch v.kind {
	case KindNumber, KindBool:
		return v.num != 0 && !math.IsNaN(v.num)
	case KindString:
		return v.str != ""
	case KindDate:
		return true
	case KindList:
		return len(v.list) > 0
	}
	return false
}

// Float converts to a number. ok is false when the value is empty or not
// numeric (the number is then NaN). Dates convert to days since 1970-01-01,
// booleans to 1 or 0, numeric strings ("3", " 2.5") to their value.
func (v Value) Float() (float64, bool) {
	switch v.kind {
	case KindNumber:
		return v.num, !math.IsNaN(v.num)
	case KindBool, KindDate:
		return v.num, true
	case KindString:
		return parseNumber(v.str)
	}
	return math.NaN(), false
}

// number is Float without the flag, for arithmetic (NaN when empty).
func (v Value) number() float64 {
	f, _ := v.Float()
	return f
}

// String converts to a string: numbers without trailing zeros ("3",
// "2.5"), booleans as "true"/"false", dates as YYYY-MM-DD, selections
// space-separated as in ODK, empty values and NaN as "".
func (v Value) String() string {
	switch v.kind {
	case KindString:
		return v.str
	case KindDate:
		if v.str == "" {
			return formatDays(int(v.num))
		}
		return v.str
	case KindNumber:
		return formatNumber(v.num)
	case KindBool:
		if v.num != 0 {
			return "true"
		}
		return "false"
	case KindList:
		var b strings.Builder
		for i, x := range v.list {
			if i > 0 {
				b.WriteByte(' ')
			}
			s, _ := x.(string)
			b.WriteString(s)
		}
		return b.String()
	}
	return ""
}

// Any returns the value as it is stored in answers (JSON-compatible):
// nil for empty values, float64, string, bool, "YYYY-MM-DD" or []any.
func (v Value) Any() any {
	if v.IsNull() {
		return nil
	}
	switch v.kind {
	case KindNumber:
		if math.IsInf(v.num, 0) {
			return nil // JSON has no infinity
		}
		return v.num
	case KindString:
		return v.str
	case KindDate:
		return v.String()
	case KindBool:
		return v.num != 0
	case KindList:
		return v.list
	}
	return nil
}

func formatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return ""
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == math.Trunc(f) && math.Abs(f) < 1e15:
		return strconv.FormatInt(int64(f), 10)
	case math.Abs(f) >= 1e21 || math.Abs(f) < 1e-6:
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// parseNumber reads an XPath-style number: optional sign, digits with an
// optional fraction and exponent, surrounded by optional spaces. Unlike
// strconv it refuses "Inf", "NaN", hex and underscores, which are not
// numbers in a questionnaire.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return math.NaN(), false
	}
	i := 0
	if s[0] == '-' || s[0] == '+' {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return math.NaN(), false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return math.NaN(), false
		}
	}
	if i != len(s) {
		return math.NaN(), false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return math.NaN(), false
	}
	return f, true
}

// parseDate reads a strict YYYY-MM-DD calendar date without allocating and
// returns the days since 1970-01-01.
func parseDate(s string) (int, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > DaysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// DaysIn is the number of days in month m (1-12) of year y (Gregorian leap years).
func DaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is H. Hinnant's days_from_civil: proleptic Gregorian date
// to days since 1970-01-01.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// formatDays renders days since 1970-01-01 as YYYY-MM-DD.
func formatDays(days int) string {
	y, m, d := civilFromDays(days)
	if y < 0 || y > 9999 {
		return ""
	}
	var b [10]byte
	put := func(i, n, w int) {
		for k := w - 1; k >= 0; k-- {
			b[i+k] = byte('0' + n%10)
			n /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, m, 2)
	b[7] = '-'
	put(8, d, 2)
	return string(b[:])
}
