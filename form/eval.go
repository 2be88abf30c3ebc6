package form

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// evalCtx is the state of one evaluation. It lives on the caller's stack.
// Answers are read from the typed slots of a submission being validated
// (st) or, for Expr.Eval, from stored answers (m). Two concrete fields
// rather than an interface: reads are the hot path and this way inline.
type evalCtx struct {
	st     *vstate
	m      mapSource
	ans    *Answers           // m with its repeats' rows looked up once (EvalIn), or nil
	row    int                // current row of the expression's repeat
	preds  [maxPredLevels]int // row being tested by each [] filter level
	dot    Value              // the answer a constraint is checking
	today  Value
	choice *Choice // choice being tested by a choice_filter
	unsure bool    // read an unknown answer (validation only, see slot)
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
	c := evalCtx{m: data, row: row, today: today}
	return e.root.eval(&c)
}

// EvalAt is Eval with today() fixed to the date of today.
func (e *Expr) EvalAt(data map[string]any, row int, today time.Time) Value {
	c := evalCtx{m: data, row: row, today: DateValue(today)}
	return e.root.eval(&c)
}

// get reads an answer; row is ignored for household fields.
func (c *evalCtx) get(f *Field, row int) Value {
	if c.st != nil {
		sl := c.st.read(f, row)
		if sl == nil {
			return Value{}
		}
		if sl.unsure {
			c.unsure = true
		}
		return sl.v
	}
	if c.ans != nil && f.repeat != nil {
		return rowValue(f, c.ans.rowsOf(f.repeat), row)
	}
	return c.m.get(f, row)
}

func (c *evalCtx) rows(rep *Field) int {
	if c.st != nil {
		r := &c.st.reps[rep.repIdx]
		if r.bad {
			c.unsure = true
		}
		return r.n
	}
	if c.ans != nil {
		return rowCount(c.ans.rowsOf(rep))
	}
	return c.m.rows(rep)
}

func (n *node) eval(c *evalCtx) Value {
	switch n.op {
	case opLit:
		return n.val
	case opDot:
		return c.dot
	case opField:
		if n.up > 0 {
			return c.get(n.f, c.lift(n.from, c.row, n.up))
		}
		return c.get(n.f, c.row)
	case opPredField:
		if n.up > 0 {
			return c.get(n.f, c.lift(n.from, c.preds[n.level], n.up))
		}
		return c.get(n.f, c.preds[n.level])
	case opRowPos:
		return NumberValue(float64(c.local(n.rep, c.row) + 1))
	case opPredPos:
		return NumberValue(float64(c.local(n.rep, c.preds[n.level]) + 1))
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
	case opOr, opAnd, opNot, opEq, opNe, opLt, opLe, opGt, opGe:
		return BoolValue(n.evalBool(c))
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
		if n.args[0].evalBool(c) {
			return n.args[1].eval(c)
		}
		return n.args[2].eval(c)
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
	case opFirst, opIndexed, opChoiceName, opInstance, opDevice, opX:
		return n.call2(c)
	}
	return n.call(c)
}

// evalBool evaluates in a boolean context (relevance, constraints, checks,
// and, or, not, if). Logic and comparisons answer without building a
// Value, which is most of the work of a relevance.
func (n *node) evalBool(c *evalCtx) bool {
	switch n.op {
	case opOr:
		return n.args[0].evalBool(c) || n.args[1].evalBool(c)
	case opAnd:
		return n.args[0].evalBool(c) && n.args[1].evalBool(c)
	case opNot:
		return !n.args[0].evalBool(c)
	case opEq, opNe:
		var eq bool
		if n.fast != 0 {
			// ${field} = 'literal': the most common relevance.
			v := c.get(n.f, c.fastRow(n))
			if v.kind == KindString && n.val.kind == KindString {
				eq = v.str == n.val.str
			} else {
				eq = equal(v, n.val)
			}
		} else {
			eq = equal(n.args[0].eval(c), n.args[1].eval(c))
		}
		return eq == (n.op == opEq)
	case opLt, opLe, opGt, opGe:
		var d int
		var ok bool
		if n.fast != 0 {
			// ${field} >= number: the other common relevance.
			v := c.get(n.f, c.fastRow(n))
			if v.kind == KindNumber && n.val.kind == KindNumber && v.num == v.num {
				d, ok = cmpFloat(v.num, n.val.num), true
			} else {
				d, ok = compare(v, n.val)
			}
		} else {
			d, ok = compare(n.args[0].eval(c), n.args[1].eval(c))
		}
		if !ok {
			return false
		}
		switch n.op {
		case opLt:
			return d < 0
		case opLe:
			return d <= 0
		case opGt:
			return d > 0
		}
		return d >= 0
	case opLit:
		return n.val.Bool()
	case opIf:
		if n.args[0].evalBool(c) {
			return n.args[1].evalBool(c)
		}
		return n.args[2].evalBool(c)
	}
	return n.eval(c).Bool()
}

// fastRow is the row a fast comparison reads its field at.
func (c *evalCtx) fastRow(n *node) int {
	row := c.row
	if n.fast == fastPred {
		row = c.preds[n.level]
	}
	if n.up > 0 {
		return c.lift(n.from, row, n.up)
	}
	return row
}

// aggregate evaluates count/sum/min/max over the rows of a repeat. Empty
// answers are skipped (sum of nothing is 0, min/max of nothing is empty);
// a non-numeric answer makes sum/min/max NaN, as in XPath.
func (n *node) aggregate(c *evalCtx) Value {
	rows := c.rows(n.rep)
	if n.pred == nil && n.f == n.rep && n.anc == nil {
		return NumberValue(float64(rows))
	}
	anc := c.ancRow(n)
	saved := c.preds[n.level]
	count, acc, seen, bad := 0, 0.0, false, false
	for i := 0; i < rows && !bad; i++ {
		if !c.visible(n, anc, i) {
			continue
		}
		if n.pred != nil {
			c.preds[n.level] = i
			if !n.pred.evalBool(c) {
				continue
			}
		}
		if n.f == n.rep {
			count++
			continue
		}
		v := c.get(n.f, i)
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
	return rowValue(f, m[f.repeat.Name], row)
}

// rowValue is the answer to f in row of a repeat's stored rows.
func rowValue(f *Field, v any, row int) Value {
	switch rows := v.(type) {
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

func (m mapSource) rows(rep *Field) int { return rowCount(m[rep.Name]) }

// rowCount is the number of a repeat's stored rows.
func rowCount(v any) int {
	switch rows := v.(type) {
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
