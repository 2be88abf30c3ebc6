package form

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxWhole is the largest integer a float64 holds exactly; larger "whole
// numbers" in JSON have already lost digits, so they are refused.
const maxWhole = 1 << 53

// convert checks one answer against its field's type and choice list and
// returns the slot the expressions will read. A bad answer is reported
// here (rule type or choice) and then evaluates as empty, so that it is
// not reported again as missing.
func (st *vstate) convert(f *Field, raw any, row int) slot {
	if raw == nil {
		return slot{}
	}
	bad := func(rule, format string, args ...any) slot {
		st.fieldProblem(f, row, rule, fmt.Sprintf(format, args...))
		return slot{bad: true, unsure: true}
	}
	switch f.kind {
	case kCalculate:
		// The device's value, compared with the server's in step().
		return slot{v: anyValue(f, raw)}
	case kInteger:
		x, ok := toFloat(raw)
		if !ok || x != math.Trunc(x) || math.Abs(x) > maxWhole {
			return bad("type", "%s must be a whole number (got %s)", f.title(), describe(raw))
		}
		return slot{v: NumberValue(x)}
	case kDecimal:
		x, ok := toFloat(raw)
		if !ok {
			return bad("type", "%s must be a number (got %s)", f.title(), describe(raw))
		}
		return slot{v: NumberValue(x)}
	case kText:
		s, ok := raw.(string)
		if !ok {
			return bad("type", "%s must be text (got %s)", f.title(), describe(raw))
		}
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return bad("type", "%s contains characters that are not allowed (invalid UTF-8 or NUL)", f.title())
		}
		return slot{v: StringValue(s)}
	case kDate:
		s, ok := raw.(string)
		if !ok {
			return bad("type", "%s must be a date written YYYY-MM-DD (got %s)", f.title(), describe(raw))
		}
		if s == "" {
			return slot{}
		}
		d, ok := parseDate(s)
		if !ok {
			return bad("type", "%s must be a real date written YYYY-MM-DD (got %s)", f.title(), describe(raw))
		}
		return slot{v: dateValueFromDays(d, s)}
	case kGeopoint:
		if str, ok := raw.(string); ok {
			// ODK's own format: "lat lon altitude accuracy".
			if str == "" {
				return slot{}
			}
			pts, ok := parseGeoList(str)
			if !ok || len(pts) != 1 || strings.Contains(str, ";") {
				return bad("type", "%s must be a GPS point \"lat lon altitude accuracy\" (got %s)", f.title(), describe(raw))
			}
			return slot{v: StringValue(str)}
		}
		m, ok := raw.(map[string]any)
		if !ok {
			return bad("type", "%s must be a GPS point {lat, lon, accuracy} or \"lat lon altitude accuracy\" (got %s)", f.title(), describe(raw))
		}
		g, msg := checkGeopoint(m)
		if msg != "" {
			return bad("type", "%s: %s", f.title(), msg)
		}
		return slot{v: StringValue(g.String())}
	case kTime:
		str, ok := raw.(string)
		if !ok {
			return bad("type", "%s must be a time written HH:MM:SS (got %s)", f.title(), describe(raw))
		}
		if str == "" {
			return slot{}
		}
		if _, ok := parseTimeOfDay(str); !ok {
			return bad("type", "%s must be a time written HH:MM[:SS.sss][+hh:mm] (got %s)", f.title(), describe(raw))
		}
		return slot{v: StringValue(str)}
	case kDateTime:
		str, ok := raw.(string)
		if !ok {
			return bad("type", "%s must be a date and time (got %s)", f.title(), describe(raw))
		}
		if str == "" {
			return slot{}
		}
		if _, _, ok := parseInstant(str); !ok {
			if _, ok := parseDate(str); !ok {
				return bad("type", "%s must be a date and time written YYYY-MM-DDTHH:MM:SS.sss+hh:mm (got %s)", f.title(), describe(raw))
			}
		}
		return slot{v: StringValue(str)}
	case kGeotrace, kGeoshape:
		str, ok := raw.(string)
		if !ok {
			return bad("type", "%s must be points written \"lat lon alt acc; lat lon alt acc; ...\" (got %s)", f.title(), describe(raw))
		}
		if str == "" {
			return slot{}
		}
		pts, ok := parseGeoList(str)
		if min := map[fieldKind]int{kGeotrace: 2, kGeoshape: 3}[f.kind]; !ok || len(pts) < min {
			return bad("type", "%s must be at least %d points written \"lat lon alt acc; ...\" (got %s)", f.title(), min, describe(raw))
		}
		return slot{v: StringValue(str)}
	case kMedia:
		str, ok := raw.(string)
		if !ok {
			return bad("type", "%s must name an attached file (got %s)", f.title(), describe(raw))
		}
		if strings.ContainsAny(str, "/\\\x00") || str == "." || str == ".." {
			return bad("type", "%s must be a file name without a path (got %s)", f.title(), describe(raw))
		}
		return slot{v: StringValue(str)}
	case kAcknowledge, kDevice:
		switch x := raw.(type) {
		case string:
			return slot{v: StringValue(x)}
		case bool:
			return slot{v: BoolValue(x)}
		}
		if x, ok := toFloat(raw); ok {
			return slot{v: NumberValue(x)}
		}
		if m, ok := raw.(map[string]any); ok {
			if g, ok := readGeopoint(m); ok {
				return slot{v: StringValue(g.String())}
			}
		}
		return bad("type", "%s must be text (got %s)", f.title(), describe(raw))
	case kSelectOne:
		if f.list == nil {
			// Choices from an attached file: any code the file may hold.
			str, ok := raw.(string)
			if !ok {
				return bad("type", "%s must be one answer code, as text (got %s)", f.title(), describe(raw))
			}
			return slot{v: StringValue(str)}
		}
		s, ok := raw.(string)
		if !ok {
			return bad("type", "%s must be one answer code, as text (got %s)", f.title(), describe(raw))
		}
		if s == "" {
			return slot{}
		}
		if !f.list.has(s) {
			return bad("choice", "%s is not an answer option of %s%s", describe(s), f.title(), options(f.list))
		}
		return slot{v: StringValue(s)}
	case kSelectMultiple, kRank:
		var list []any
		switch x := raw.(type) {
		case []any:
			list = x
		case []string:
			list = ListValue(x...).list
		case string:
			// ODK's own format: codes separated by spaces.
			for _, code := range strings.Fields(x) {
				list = append(list, code)
			}
			if len(list) == 0 {
				return slot{}
			}
		default:
			return bad("type", "%s must be a list of answer codes (got %s)", f.title(), describe(raw))
		}
		if f.list == nil {
			for i, e := range list {
				if s, ok := e.(string); !ok || s == "" {
					return bad("type", "%s must be a list of answer codes as text (item %d is %s)", f.title(), i+1, describe(e))
				}
			}
			return slot{v: Value{kind: KindList, list: list}}
		}
		if len(list) > len(f.list.choices) {
			// Some answer is repeated or unknown; checked here so that
			// the loop below stays small whatever is sent.
			return bad("type", "%s lists %d answers but has only %d options", f.title(), len(list), len(f.list.choices))
		}
		var unknown []string
		for i, e := range list {
			s, ok := e.(string)
			if !ok || s == "" {
				return bad("type", "%s must be a list of answer codes as text (item %d is %s)", f.title(), i+1, describe(e))
			}
			for _, prev := range list[:i] {
				if prev == e {
					return bad("type", "%s lists %s twice", f.title(), describe(s))
				}
			}
			if !f.list.has(s) {
				unknown = append(unknown, describe(s))
			}
		}
		if len(unknown) > 0 {
			return bad("choice", "%s %s not an answer option of %s%s", strings.Join(unknown, ", "), isAre(len(unknown)), f.title(), options(f.list))
		}
		return slot{v: Value{kind: KindList, list: list}}
	}
	return bad("type", "%s is a %s and takes no answer", f.title(), f.Type)
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// options lists a short choice list for the message.
func options(l *choiceList) string {
	if len(l.choices) > 12 {
		return " (see list " + l.name + ")"
	}
	names := make([]string, len(l.choices))
	for i, c := range l.choices {
		names[i] = c.Name
	}
	return " (options: " + strings.Join(names, ", ") + ")"
}

// toFloat reads a JSON number (float64 from encoding/json, json.Number
// with UseNumber, or Go integers from other callers). Strings are not
// numbers here: "12" in an integer question is a device bug worth seeing.
func toFloat(raw any) (float64, bool) {
	var x float64
	switch v := raw.(type) {
	case float64:
		x = v
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return 0, false
		}
		x = f
	case int:
		x = float64(v)
	case int64:
		x = float64(v)
	case int32:
		x = float64(v)
	case float32:
		x = float64(v)
	default:
		return 0, false
	}
	return x, !math.IsNaN(x) && !math.IsInf(x, 0)
}

// describe renders an answer for a message: numbers and short strings as
// they are, structures by their kind (never dumped, they may be huge).
func describe(raw any) string {
	switch v := raw.(type) {
	case nil:
		return "nothing"
	case string:
		if utf8.RuneCountInString(v) > 40 {
			r := []rune(v)
			v = string(r[:37]) + "..."
		}
		return strconv.Quote(v)
	case bool:
		return strconv.FormatBool(v)
	case map[string]any:
		return "an object"
	case []any, []string:
		return "a list"
	}
	if x, ok := toFloat(raw); ok {
		if math.Abs(x) >= 1e15 {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return formatNumber(x)
	}
	if n, ok := raw.(json.Number); ok {
		return describe(string(n))
	}
	return fmt.Sprintf("a %T", raw)
}

// describeValue renders an evaluated answer for a message.
func describeValue(v Value) string {
	switch v.kind {
	case KindString:
		return describe(v.str)
	case KindList:
		return describe(v.String())
	case KindNumber:
		if math.Abs(v.num) >= 1e15 {
			return strconv.FormatFloat(v.num, 'g', -1, 64)
		}
	}
	if v.IsNull() {
		return "nothing"
	}
	return v.String()
}

// geo is a GPS point as sent: {"lat", "lon", "accuracy"} and optionally
// "altitude" (metres).
type geo struct {
	lat, lon, alt, acc float64
}

// String renders the point as ODK does ("lat lon altitude accuracy"), so
// that selected-at(${gps}, 3) is the accuracy.
func (g geo) String() string {
	b := make([]byte, 0, 48)
	for i, x := range [4]float64{g.lat, g.lon, g.alt, g.acc} {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendFloat(b, x, 'f', -1, 64)
	}
	return string(b)
}

func readGeopoint(m map[string]any) (geo, bool) {
	g, msg := checkGeopoint(m)
	return g, msg == ""
}

// checkGeopoint validates a point; msg says what is wrong.
func checkGeopoint(m map[string]any) (geo, string) {
	var g geo
	num := func(key string, lo, hi float64, required bool) (float64, string) {
		raw, ok := m[key]
		if !ok || raw == nil {
			if required {
				return 0, key + " is missing"
			}
			return 0, ""
		}
		x, ok := toFloat(raw)
		if !ok {
			return 0, fmt.Sprintf("%s must be a number (got %s)", key, describe(raw))
		}
		if x < lo || x > hi {
			return 0, fmt.Sprintf("%s must be between %s and %s (got %s)", key, formatNumber(lo), formatNumber(hi), describe(raw))
		}
		return x, ""
	}
	var msgs []string
	var msg string
	if g.lat, msg = num("lat", -90, 90, true); msg != "" {
		msgs = append(msgs, msg)
	}
	if g.lon, msg = num("lon", -180, 180, true); msg != "" {
		msgs = append(msgs, msg)
	}
	if g.acc, msg = num("accuracy", 0, 1e7, true); msg != "" {
		msgs = append(msgs, msg)
	}
	if g.alt, msg = num("altitude", -1e5, 1e5, false); msg != "" {
		msgs = append(msgs, msg)
	}
	for k := range m {
		switch k {
		case "lat", "lon", "accuracy", "altitude":
		default:
			msgs = append(msgs, "unexpected key "+describe(k)+" (expected lat, lon, accuracy, altitude)")
		}
	}
	if len(msgs) > 0 {
		if len(msgs) > 1 {
			// Map order is random; keep messages stable.
			slices.Sort(msgs)
		}
		return g, "GPS point " + strings.Join(msgs, "; ")
	}
	return g, ""
}
