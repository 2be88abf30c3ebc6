package form

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// call evaluates the functions that do not need the evaluation context
// beyond their arguments.
func (n *node) call(c *evalCtx) Value {
	switch n.op {
	case opSelected:
		return BoolValue(isSelected(n.args[0].eval(c), n.args[1].eval(c).String()))
	case opSelectedAt:
		i, ok := n.args[1].eval(c).Float()
		if !ok {
			return Value{}
		}
		return StringValue(tokenAt(n.args[0].eval(c), int(i)))
	case opCountSelected:
		return NumberValue(float64(countSelected(n.args[0].eval(c))))
	case opStringLength:
		v := n.args[0].eval(c)
		if v.kind == KindString {
			return NumberValue(float64(utf8.RuneCountInString(v.str)))
		}
		return NumberValue(float64(utf8.RuneCountInString(v.String())))
	case opRegex:
		s := n.args[0].eval(c).String()
		re := n.re
		if re == nil {
			// A pattern computed at run time: compiled per call, since a
			// cache would need locking and such patterns are rare.
			var err error
			if re, err = regexp.Compile(n.args[1].eval(c).String()); err != nil {
				return BoolValue(false)
			}
		}
		return BoolValue(re.MatchString(s))
	case opInt:
		f, ok := n.args[0].eval(c).Float()
		if !ok {
			return NumberValue(math.NaN())
		}
		return NumberValue(math.Trunc(f))
	case opNumber:
		f, _ := n.args[0].eval(c).Float()
		return NumberValue(f)
	case opMinArgs, opMaxArgs:
		acc, seen := 0.0, false
		for _, a := range n.args {
			v := a.eval(c)
			if v.IsNull() {
				continue
			}
			x, ok := v.Float()
			if !ok {
				return NumberValue(math.NaN())
			}
			if !seen || (n.op == opMinArgs && x < acc) || (n.op == opMaxArgs && x > acc) {
				acc = x
			}
			seen = true
		}
		if !seen {
			return Value{}
		}
		return NumberValue(acc)
	case opConcat:
		var b strings.Builder
		for _, a := range n.args {
			b.WriteString(a.eval(c).String())
		}
		return StringValue(b.String())
	case opSubstr:
		return substr(n, c)
	case opFormatDate:
		d, ok := n.args[0].eval(c).days()
		if !ok || math.IsInf(d, 0) || math.Abs(d) > 1e7 {
			return Value{}
		}
		return StringValue(formatDate(int(math.Floor(d)), n.args[1].eval(c).String()))
	case opYear:
		d, ok := n.args[0].eval(c).days()
		if !ok || math.IsInf(d, 0) || math.Abs(d) > 1e7 {
			return NumberValue(math.NaN())
		}
		y, _, _ := civilFromDays(int(math.Floor(d)))
		return NumberValue(float64(y))
	case opRound:
		x := n.args[0].eval(c).number()
		p := 1.0
		if len(n.args) == 2 {
			digits, ok := n.args[1].eval(c).Float()
			if !ok {
				return NumberValue(math.NaN())
			}
			p = math.Pow(10, math.Trunc(digits))
		}
		return NumberValue(math.Floor(x*p+0.5) / p)
	case opFloor:
		return NumberValue(math.Floor(n.args[0].eval(c).number()))
	case opCeiling:
		return NumberValue(math.Ceil(n.args[0].eval(c).number()))
	case opAbs:
		return NumberValue(math.Abs(n.args[0].eval(c).number()))
	case opPow:
		return NumberValue(math.Pow(n.args[0].eval(c).number(), n.args[1].eval(c).number()))
	case opString:
		return StringValue(n.args[0].eval(c).String())
	case opBoolean:
		return BoolValue(n.args[0].eval(c).Bool())
	case opContains:
		return BoolValue(strings.Contains(n.args[0].eval(c).String(), n.args[1].eval(c).String()))
	case opStartsWith:
		return BoolValue(strings.HasPrefix(n.args[0].eval(c).String(), n.args[1].eval(c).String()))
	case opEndsWith:
		return BoolValue(strings.HasSuffix(n.args[0].eval(c).String(), n.args[1].eval(c).String()))
	case opDate:
		v := n.args[0].eval(c)
		if v.kind == KindDate {
			return v
		}
		d, ok := v.days()
		if !ok || math.IsInf(d, 0) || math.Abs(d) > 1e7 {
			return Value{}
		}
		days := int(math.Floor(d))
		return dateValueFromDays(days, formatDays(days))
	}
	return Value{}
}

// isSelected reports whether code is among the selected choices: a
// select_multiple list, or a space-separated string as ODK stores it (a
// select_one answer is a one-element selection).
func isSelected(v Value, code string) bool {
	switch v.kind {
	case KindList:
		for _, x := range v.list {
			if s, ok := x.(string); ok && s == code {
				return true
			}
		}
		return false
	case KindString:
		s := v.str
		for s != "" {
			var tok string
			tok, s = nextToken(s)
			if tok == code && tok != "" {
				return true
			}
		}
		return false
	case KindNumber:
		return !v.IsNull() && v.String() == code
	}
	return false
}

func countSelected(v Value) int {
	switch v.kind {
	case KindList:
		return len(v.list)
	case KindString:
		n := 0
		for s := v.str; s != ""; {
			var tok string
			tok, s = nextToken(s)
			if tok != "" {
				n++
			}
		}
		return n
	}
	if v.IsNull() {
		return 0
	}
	return 1
}

// tokenAt returns the i-th (0-based) selected code, or of a geopoint
// "lat lon altitude accuracy" the i-th number.
func tokenAt(v Value, i int) string {
	if i < 0 {
		return ""
	}
	if v.kind == KindList {
		if i < len(v.list) {
			s, _ := v.list[i].(string)
			return s
		}
		return ""
	}
	s := v.String()
	for k := 0; s != ""; {
		var tok string
		tok, s = nextToken(s)
		if tok == "" {
			continue
		}
		if k == i {
			return tok
		}
		k++
	}
	return ""
}

// nextToken splits off the first space-separated token.
func nextToken(s string) (tok, rest string) {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	j := i
	for j < len(s) && s[j] != ' ' {
		j++
	}
	return s[i:j], s[j:]
}

// substr(s, start[, end]) takes characters start..end-1 (0-based), as
// ODK does.
func substr(n *node, c *evalCtx) Value {
	s := n.args[0].eval(c).String()
	start, ok := n.args[1].eval(c).Float()
	if !ok {
		return Value{}
	}
	runes := utf8.RuneCountInString(s)
	end := float64(runes)
	if len(n.args) == 3 {
		if end, ok = n.args[2].eval(c).Float(); !ok {
			return Value{}
		}
	}
	from := clampInt(start, runes)
	to := clampInt(end, runes)
	if to <= from {
		return StringValue("")
	}
	if runes == len(s) { // ASCII: slice without copying
		return StringValue(s[from:to])
	}
	r := []rune(s)
	return StringValue(string(r[from:to]))
}

func clampInt(f float64, max int) int {
	switch {
	case math.IsNaN(f) || f < 0:
		return 0
	case f > float64(max):
		return max
	}
	return int(f)
}

var dayAbbr = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

var monthAbbr = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// formatDate implements the ODK format-date patterns %Y %y %m %n %d %e %b
// and %%; other characters are copied.
func formatDate(days int, layout string) string {
	y, m, d := civilFromDays(days)
	if layout == "%Y" {
		return strconv.Itoa(y)
	}
	var b strings.Builder
	pad := func(v int) {
		if v < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(v))
	}
	for i := 0; i < len(layout); i++ {
		if layout[i] != '%' || i+1 == len(layout) {
			b.WriteByte(layout[i])
			continue
		}
		i++
		switch layout[i] {
		case 'Y':
			b.WriteString(strconv.Itoa(y))
		case 'y':
			pad(((y % 100) + 100) % 100)
		case 'm':
			pad(m)
		case 'n':
			b.WriteString(strconv.Itoa(m))
		case 'd':
			pad(d)
		case 'e':
			b.WriteString(strconv.Itoa(d))
		case 'b':
			b.WriteString(monthAbbr[m-1])
		case 'a':
			// 1970-01-01 was a Thursday.
			b.WriteString(dayAbbr[((days%7)+7+4)%7])
		case 'H', 'M', 'S':
			b.WriteString("00") // a date has no time of day
		case 'h':
			b.WriteByte('0')
		case '3':
			b.WriteString("000")
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(layout[i])
		}
	}
	return b.String()
}
