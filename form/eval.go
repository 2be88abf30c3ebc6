package form

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// source is where an expression reads answers: the stored answers (a map,
// for Expr.Eval) or the typed slots of a submission being validated.
type source interface {
	get(f *Field, row int) Value // row is ignored for household fields
	rows(rep *Field) int
}

// evalCtx is the state of one evaluation. It lives on the caller's stack.
type evalCtx struct {
	src    source
	row    int                // current row of the expression's repeat
	preds  [maxPredLevels]int // row being tested by each [] filter level
	dot    Value              // the answer a constraint is checking
	today  Value
	choice *Choice // choice being tested by a choice_filter
}

// Eval evaluates the expression over stored answers (calculates already
// filled, as in Result.Data). row is the index of the row of the
// expression's repeat; it is ignored for household expressions. today()
// is the current date in the server's local time zone, read once; use
// EvalAt for a fixed date.
func (e *Expr) Eval(data map[string]any, row int) Value {
	var today Value
	if e.hasToday {
		today = DateValue(time.Now())
	}
	return e.eval(mapSource(data), row, today)
}

// EvalAt is Eval with today() fixed to the date of today.
func (e *Expr) EvalAt(data map[string]any, row int, today time.Time) Value {
	return e.eval(mapSource(data), row, DateValue(today))
}

func (e *Expr) eval(src source, row int, today Value) Value {
	c := evalCtx{src: src, row: row, today: today}
	return e.root.eval(&c)
}

func (n *node) eval(c *evalCtx) Value {
	switch n.op {
	case opLit:
		return n.val
	case opDot:
		return c.dot
	case opField:
		return c.src.get(n.f, c.row)
	case opPredField:
		return c.src.get(n.f, c.preds[n.level])
	case opRowPos:
		return NumberValue(float64(c.row + 1))
	case opPredPos:
		return NumberValue(float64(c.preds[n.level] + 1))
	case opChoiceCol:
		if c.choice == nil {
			return Value{}
		}
		switch n.col {
		case "name":
			return StringValue(c.choice.Name)
		case "label":
			return StringValue(c.choice.Label)
		}
		return StringValue(c.choice.Extra[n.col])
	case opOr:
		return BoolValue(n.args[0].eval(c).Bool() || n.args[1].eval(c).Bool())
	case opAnd:
		return BoolValue(n.args[0].eval(c).Bool() && n.args[1].eval(c).Bool())
	case opEq:
		return BoolValue(equal(n.args[0].eval(c), n.args[1].eval(c)))
	case opNe:
		return BoolValue(!equal(n.args[0].eval(c), n.args[1].eval(c)))
	case opLt, opLe, opGt, opGe:
		d, ok := compare(n.args[0].eval(c), n.args[1].eval(c))
		if !ok {
			return BoolValue(false)
		}
		switch n.op {
		case opLt:
			return BoolValue(d < 0)
		case opLe:
			return BoolValue(d <= 0)
		case opGt:
			return BoolValue(d > 0)
		}
		return BoolValue(d >= 0)
	case opAdd, opSub, opMul, opDiv, opMod:
		x := n.args[0].eval(c).number()
		y := n.args[1].eval(c).number()
		switch n.op {
		case opAdd:
			return NumberValue(x + y)
		case opSub:
			return NumberValue(x - y)
		case opMul:
			return NumberValue(x * y)
		case opDiv:
			return NumberValue(x / y)
		}
		return NumberValue(math.Mod(x, y))
	case opNeg:
		return NumberValue(-n.args[0].eval(c).number())
	case opIf:
		if n.args[0].eval(c).Bool() {
			return n.args[1].eval(c)
		}
		return n.args[2].eval(c)
	case opNot:
		return BoolValue(!n.args[0].eval(c).Bool())
	case opCoalesce:
		for _, a := range n.args {
			if v := a.eval(c); !v.IsNull() {
				return v
			}
		}
		return Value{}
	case opToday:
		return c.today
	case opCount, opSum, opMin, opMax:
		return n.aggregate(c)
	}
	return n.call(c)
}

// aggregate evaluates count/sum/min/max over the rows of a repeat. Empty
// answers are skipped (sum of nothing is 0, min/max of nothing is empty);
// a non-numeric answer makes sum/min/max NaN, as in XPath.
func (n *node) aggregate(c *evalCtx) Value {
	rows := c.src.rows(n.rep)
	if n.pred == nil && n.f == n.rep {
		return NumberValue(float64(rows))
	}
	saved := c.preds[n.level]
	count, acc, seen, bad := 0, 0.0, false, false
	for i := 0; i < rows && !bad; i++ {
		if n.pred != nil {
			c.preds[n.level] = i
			if !n.pred.eval(c).Bool() {
				continue
			}
		}
		if n.f == n.rep {
			count++
			continue
		}
		v := c.src.get(n.f, i)
		if v.IsNull() {
			continue
		}
		count++
		if n.op == opCount {
			continue
		}
		x, ok := v.Float()
		if !ok {
			bad = true
			break
		}
		switch {
		case n.op == opSum:
			acc += x
		case !seen, n.op == opMin && x < acc, n.op == opMax && x > acc:
			acc = x
		}
		seen = true
	}
	c.preds[n.level] = saved
	switch {
	case n.op == opCount:
		return NumberValue(float64(count))
	case bad:
		return NumberValue(math.NaN())
	case n.op == opSum:
		return NumberValue(acc)
	case !seen:
		return Value{}
	}
	return NumberValue(acc)
}

// mapSource reads stored answers: a flat object, repeats as arrays of
// objects. A map is pointer-shaped, so using it as a source does not
// allocate.
type mapSource map[string]any

func (m mapSource) get(f *Field, row int) Value {
	if f.repeat == nil {
		return anyValue(f, m[f.Name])
	}
	switch rows := m[f.repeat.Name].(type) {
	case []any:
		if row >= 0 && row < len(rows) {
			r, _ := rows[row].(map[string]any)
			return anyValue(f, r[f.Name])
		}
	case []map[string]any:
		if row >= 0 && row < len(rows) {
			return anyValue(f, rows[row][f.Name])
		}
	}
	return Value{}
}

func (m mapSource) rows(rep *Field) int {
	switch rows := m[rep.Name].(type) {
	case []any:
		return len(rows)
	case []map[string]any:
		return len(rows)
	}
	return 0
}

// anyValue converts a stored answer without checking it against the
// field's type (Validate does that): strings of date fields become dates,
// geopoint objects become ODK's "lat lon altitude accuracy" string.
func anyValue(f *Field, raw any) Value {
	switch x := raw.(type) {
	case nil:
		return Value{}
	case string:
		if f.kind == kDate {
			if d, ok := parseDate(x); ok {
				return dateValueFromDays(d, x)
			}
		}
		return StringValue(x)
	case float64:
		return NumberValue(x)
	case bool:
		return BoolValue(x)
	case []any:
		return Value{kind: KindList, list: x}
	case json.Number:
		if v, err := strconv.ParseFloat(string(x), 64); err == nil {
			return NumberValue(v)
		}
		return StringValue(string(x))
	case int:
		return NumberValue(float64(x))
	case int64:
		return NumberValue(float64(x))
	case int32:
		return NumberValue(float64(x))
	case float32:
		return NumberValue(float64(x))
	case []string:
		return ListValue(x...)
	case map[string]any:
		if g, ok := readGeopoint(x); ok {
			return StringValue(g.String())
		}
	}
	return Value{}
}
