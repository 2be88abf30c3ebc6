package form

import (
	"math"
	"strings"
)

// equal implements "=". The rules, in order:
//   - an empty operand (null, "", empty selection, NaN) equals only another
//     empty operand, so the XLSForm idioms ${x} = ” and ${x} != ” work for
//     numbers as well as for text;
//   - with a boolean operand both sides compare as booleans;
//   - with a number operand both sides compare as numbers, so a select_one
//     code '3' equals 3 (a non-numeric string equals no number);
//   - with a date operand both sides compare as dates when the other side
//     reads as one;
//   - otherwise as strings (a selection as its space-separated codes).
func equal(a, b Value) bool {
	ae, be := a.IsNull(), b.IsNull()
	if ae || be {
		return ae && be
	}
	switch {
	case a.kind == KindBool || b.kind == KindBool:
		return a.Bool() == b.Bool()
	case a.kind == KindNumber || b.kind == KindNumber:
		x, ok1 := a.Float()
		y, ok2 := b.Float()
		return ok1 && ok2 && x == y
	case a.kind == KindDate || b.kind == KindDate:
		x, ok1 := a.days()
		y, ok2 := b.days()
		return ok1 && ok2 && x == y
	case a.kind == KindList && b.kind == KindList:
		if len(a.list) != len(b.list) {
			return false
		}
		for i := range a.list {
			if a.list[i] != b.list[i] {
				return false
			}
		}
		return true
	case a.kind == KindList || b.kind == KindList:
		return a.String() == b.String()
	}
	return a.str == b.str
}

// compare implements < <= > >=. It returns the sign of a-b and ok=false
// when the operands are not comparable (an empty side, a non-numeric
// string against a number), in which case every relation is false, as
// with NaN in XPath.
//   - a date against a date, or against a string that reads as a date,
//     compares by day (so ${a_date} >= '2026-10-01' works);
//   - two strings compare as numbers when both read as numbers, else
//     lexicographically;
//   - anything else compares as numbers.
func compare(a, b Value) (int, bool) {
	if a.IsNull() || b.IsNull() {
		return 0, false
	}
	if a.kind == KindDate || b.kind == KindDate {
		x, ok1 := a.days()
		y, ok2 := b.days()
		if !ok1 || !ok2 {
			return 0, false
		}
		return cmpFloat(x, y), true
	}
	if a.kind == KindString && b.kind == KindString {
		x, ok1 := parseNumber(a.str)
		y, ok2 := parseNumber(b.str)
		if ok1 && ok2 {
			return cmpFloat(x, y), true
		}
		return strings.Compare(a.str, b.str), true
	}
	x, ok1 := a.Float()
	y, ok2 := b.Float()
	if !ok1 || !ok2 {
		return 0, false
	}
	return cmpFloat(x, y), true
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// days reads a value as a date (days since 1970-01-01): dates, strings in
// YYYY-MM-DD form and plain numbers of days.
func (v Value) days() (float64, bool) {
	switch v.kind {
	case KindDate:
		return v.num, true
	case KindString:
		if d, ok := parseDate(v.str); ok {
			return float64(d), true
		}
		return parseNumber(v.str)
	case KindNumber:
		return v.num, !math.IsNaN(v.num)
	}
	return 0, false
}
