package form

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Expr is a compiled expression, bound to the fields of one survey and to
// a scope (the household, or one repeat whose current row ${sibling}
// references read). Compile once, evaluate many times.
type Expr struct {
	src      string
	root     *node
	scope    *Field   // repeat, or nil for the household
	refs     []*Field // fields and repeats read (for evaluation order)
	hasToday bool
	// device names a function or data the server cannot evaluate (now(),
	// random(), pulldata(), an attached file ...): a calculate using it
	// keeps the device's value. dialect says which other dialect's
	// function it is ("" for ODK's own).
	device, dialect string
}

// String returns the source text.
func (e *Expr) String() string { return e.src }

// node is one operation of a compiled expression.
type node struct {
	op    op
	val   Value   // literal
	f     *Field  // field read, or field aggregated
	rep   *Field  // repeat iterated by an aggregate
	level int     // [] filter level: read by opPredField/opPredPos, bound by an aggregate's filter
	args  []*node // operands and arguments
	pred  *node   // aggregate filter
	re    *regexp.Regexp
	col   string // choice column (choice_filter)
	fast  uint8  // comparison of field f with literal val (fastField, fastPred)
	// Nested repeats: from the row of repeat from (the context), walk up
	// levels to reach the row f is read at (or, for an aggregate, the row
	// of anc, the repeat its rows are counted under). ctx is the [] level
	// whose row is the context, -1 for the expression's own row.
	from *Field
	up   int
	anc  *Field
	ctx  int
	list *choiceList
}

const (
	fastField = 1 + iota // f read at the current row (or household)
	fastPred             // f read at the row of [] level
)

type op uint8

const (
	opLit op = iota
	opDot
	opField     // household field, or repeat field of the current row
	opPredField // field of the row being filtered by a predicate
	opRowPos    // position(..): 1-based current row
	opPredPos   // position() inside a predicate
	opChoiceCol // bare name in a choice_filter: column of the choice
	opOr
	opAnd
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opAdd
	opSub
	opMul
	opDiv
	opMod
	opNeg
	opIf
	opNot
	opSelected
	opSelectedAt
	opCountSelected
	opStringLength
	opRegex
	opInt
	opNumber
	opToday
	opCoalesce
	opCount
	opSum
	opMin
	opMax
	opMinArgs
	opMaxArgs
	opConcat
	opSubstr
	opFormatDate
	opRound
	opFloor
	opCeiling
	opAbs
	opPow
	opString
	opBoolean
	opContains
	opStartsWith
	opEndsWith
	opDate
	opYear // int(format-date(d, '%Y')), fused: no string is made
	opFirst
	opIndexed
	opChoiceName
	opInstance
	opDevice
	opX // functions of funcs2.go, by name in col
)

// maxPredLevels bounds nested [] filters (each level has a row slot in the
// evaluation context).
const maxPredLevels = 4

// compileOpts says where an expression is used.
type compileOpts struct {
	self   *Field      // the field the expression belongs to (for ., .. and current())
	scope  *Field      // enclosing repeat, nil for household
	dot    bool        // '.' (the current answer) allowed: constraints
	choice *choiceList // choice_filter: bare names are choice columns
}

type compiler struct {
	s     *Survey
	src   string
	opts  compileOpts
	preds []*Field // repeats of the enclosing [] filters, innermost last
	expr  *Expr
	seen  map[*Field]bool
}

// Compile compiles an expression for evaluation with Expr.Eval. scope is ""
// for the household level or the name of a repeat, in which ${sibling}
// means the value in the row being evaluated. '.' is not allowed (it only
// has a meaning in constraints).
func (s *Survey) Compile(src, scope string) (*Expr, error) {
	var rep *Field
	if scope != "" {
		rep = s.byName[scope]
		if rep == nil || rep.kind != kRepeat {
			return nil, fmt.Errorf("compile %q: scope %q is not a repeat of survey %s", src, scope, s.FormID)
		}
	}
	return s.compile(src, compileOpts{scope: rep})
}

func (s *Survey) compile(src string, opts compileOpts) (*Expr, error) {
	a, err := parseExpr(src)
	if err != nil {
		return nil, err
	}
	c := &compiler{s: s, src: src, opts: opts, expr: &Expr{src: src, scope: opts.scope}}
	root, err := c.node(a)
	if err != nil {
		return nil, err
	}
	c.expr.root = root
	return c.expr, nil
}

func (c *compiler) errf(a *ast, format string, args ...any) error {
	return exprErr(c.src, a.pos, fmt.Sprintf(format, args...))
}

func (c *compiler) ref(f *Field) {
	if c.seen == nil {
		c.seen = map[*Field]bool{}
	}
	if !c.seen[f] {
		c.seen[f] = true
		c.expr.refs = append(c.expr.refs, f)
	}
}

func (c *compiler) node(a *ast) (*node, error) {
	switch a.kind {
	case aNum:
		f, ok := parseNumber(a.text)
		if !ok {
			return nil, c.errf(a, "bad number %q", a.text)
		}
		return &node{op: opLit, val: NumberValue(f)}, nil
	case aStr:
		return &node{op: opLit, val: StringValue(a.text)}, nil
	case aPath:
		return c.path(a)
	case aDot:
		if !c.opts.dot && c.s.sheets && c.opts.self != nil && len(c.preds) == 0 {
			return c.fieldNode(a, c.opts.self)
		}
		if !c.opts.dot {
			return nil, c.errf(a, "'.' (this answer) can only be used in a constraint")
		}
		if len(c.preds) > 0 {
			return nil, c.errf(a, "'.' inside [] is ambiguous here: write ${name}")
		}
		return &node{op: opDot}, nil
	case aDotDot:
		return nil, c.errf(a, "'..' can only be used as position(..)")
	case aRef:
		if a.pred != nil {
			return nil, c.errf(a, "a [] filter can only be used inside count(), sum(), min() or max()")
		}
		return c.field(a)
	case aBare:
		return c.bare(a)
	case aNeg:
		x, err := c.node(a.args[0])
		if err != nil {
			return nil, err
		}
		if x.op == opLit {
			if f, ok := x.val.Float(); ok {
				return &node{op: opLit, val: NumberValue(-f)}, nil
			}
		}
		return &node{op: opNeg, args: []*node{x}}, nil
	case aBinary:
		l, err := c.node(a.args[0])
		if err != nil {
			return nil, err
		}
		r, err := c.node(a.args[1])
		if err != nil {
			return nil, err
		}
		n := &node{op: binaryOp(a.op), args: []*node{l, r}}
		switch n.op {
		case opEq, opNe, opLt, opLe, opGt, opGe:
			if r.op == opLit && (l.op == opField || l.op == opPredField) {
				n.f, n.val, n.level, n.fast, n.from, n.up = l.f, r.val, l.level, fastField, l.from, l.up
				if l.op == opPredField {
					n.fast = fastPred
				}
			}
		}
		return n, nil
	case aCall:
		return c.call(a)
	}
	return nil, c.errf(a, "unexpected expression")
}

func binaryOp(t tokKind) op {
	switch t {
	case tOr:
		return opOr
	case tAnd:
		return opAnd
	case tEq:
		return opEq
	case tNe:
		return opNe
	case tLt:
		return opLt
	case tLe:
		return opLe
	case tGt:
		return opGt
	case tGe:
		return opGe
	case tAdd:
		return opAdd
	case tSub:
		return opSub
	case tMul:
		return opMul
	case tDiv:
		return opDiv
	}
	return opMod
}

// lookup finds a field that can be read by a reference.
func (c *compiler) lookup(a *ast) (*Field, error) {
	f := c.s.byName[a.text]
	if f == nil {
		return nil, c.errf(a, "no field named %s", a.text)
	}
	if c.s.dups[a.text] {
		return nil, c.errf(a, "There are multiple survey elements named '%s'.", a.text)
	}
	return c.checkReadable(a, f)
}

func (c *compiler) checkReadable(a *ast, f *Field) (*Field, error) {
	switch f.kind {
	case kGroup:
		return nil, c.errf(a, "%s is a group, which has no value", a.text)
	case kNote:
		if !c.s.sheets {
			return nil, c.errf(a, "%s is a note, which has no value", a.text)
		}
	}
	return f, nil
}

// field resolves ${name} outside an aggregate. Inside a [] filter a field
// of the filtered repeat reads the filtered row; a household field reads
// the household; a field of the expression's own repeat reads the current
// row. Fields of other repeats can only be aggregated.
func (c *compiler) field(a *ast) (*node, error) {
	f, err := c.lookup(a)
	if err != nil {
		return nil, err
	}
	return c.fieldNode(a, f)
}

func (c *compiler) fieldNode(a *ast, f *Field) (*node, error) {
	if f.kind == kRepeat {
		return nil, c.errf(a, "%s is a repeat: use count(${%s}) or sum(${field})", f.Name, f.Name)
	}
	if f.kind == kGroup || f.kind == kNote || f.kind == kInstance {
		// A group or note has no value of its own: it reads as empty.
		return &node{op: opLit, val: NullValue()}, nil
	}
	c.ref(f)
	if f.repeat == nil {
		return &node{op: opField, f: f}, nil
	}
	for lvl := len(c.preds) - 1; lvl >= 0; lvl-- {
		if up, ok := levelsUp(c.preds[lvl], f.repeat); ok {
			return &node{op: opPredField, f: f, level: lvl, from: c.preds[lvl], up: up}, nil
		}
	}
	if up, ok := levelsUp(c.opts.scope, f.repeat); ok {
		return &node{op: opField, f: f, from: c.opts.scope, up: up}, nil
	}
	if !c.s.sheets {
		return nil, c.errf(a, "%s is asked for each row of %s: from here use it inside count(), sum(), min() or max()", f.Name, f.repeat.Name)
	}
	// ODK reads a field of another repeat as its first row's value.
	return c.over(&node{op: opFirst, f: f, rep: f.repeat}), nil
}

// levelsUp counts the repeat levels from repeat from up to repeat to
// (ok false if to does not enclose from, or is from itself with 0).
func levelsUp(from, to *Field) (int, bool) {
	n := 0
	for r := from; r != nil; r = r.repeat {
		if r == to {
			return n, true
		}
		n++
	}
	return 0, false
}

// over binds an aggregate over the rows of n.rep to its context: the rows
// counted are those under the current row of the deepest repeat that
// encloses both the context and n.rep (all rows when there is none).
func (c *compiler) over(n *node) *node {
	ctxRep, ctx := c.opts.scope, -1
	if len(c.preds) > 0 {
		ctxRep, ctx = c.preds[len(c.preds)-1], len(c.preds)-1
	}
	n.ctx = ctx
	for a := n.rep.repeat; a != nil; a = a.repeat {
		if up, ok := levelsUp(ctxRep, a); ok {
			n.anc, n.from, n.up = a, ctxRep, up
			break
		}
	}
	return n
}

// bare resolves a bare name: a field of the innermost [] filter's repeat,
// or a choice column in a choice_filter.
func (c *compiler) bare(a *ast) (*node, error) {
	if len(c.preds) > 0 {
		rep := c.preds[len(c.preds)-1]
		f := c.s.byName[a.text]
		if f == nil || f.repeat != rep || !f.hasAnswer() {
			return nil, c.errf(a, "%s is not a field of repeat %s", a.text, rep.Name)
		}
		c.ref(f)
		return &node{op: opPredField, f: f, level: len(c.preds) - 1}, nil
	}
	if l := c.opts.choice; l != nil {
		if a.text == "name" || a.text == "label" || hasColumn(l, a.text) {
			return &node{op: opChoiceCol, col: a.text}, nil
		}
		if c.s.sheets {
			// XPath: a child the item does not have is empty.
			return &node{op: opLit, val: StringValue("")}, nil
		}
		return nil, c.errf(a, "choice list %s has no column %s", l.name, a.text)
	}
	switch a.text {
	case "and", "or", "div", "mod":
		return nil, c.errf(a, "%q needs values on both sides", a.text)
	}
	if c.s.sheets {
		// XPath: a child element the node does not have reads as empty.
		return &node{op: opLit, val: StringValue("")}, nil
	}
	return nil, c.errf(a, "unknown name %s: write ${%s} for a field, or add () for a function", a.text, a.text)
}

func hasColumn(l *choiceList, col string) bool {
	for _, ch := range l.choices {
		if _, ok := ch.Extra[col]; ok {
			return true
		}
	}
	return false
}

// funcs lists the functions with their argument counts (max -1 = any).
var funcs = map[string]struct {
	op       op
	min, max int
}{
	"if":             {opIf, 3, 3},
	"not":            {opNot, 1, 1},
	"selected":       {opSelected, 2, 2},
	"selected-at":    {opSelectedAt, 2, 2},
	"count-selected": {opCountSelected, 1, 1},
	"string-length":  {opStringLength, 1, 1},
	"regex":          {opRegex, 2, 2},
	"int":            {opInt, 1, 1},
	"number":         {opNumber, 1, 1},
	"today":          {opToday, 0, 0},
	"coalesce":       {opCoalesce, 2, -1},
	"position":       {opRowPos, 0, 1},
	"count":          {opCount, 1, 1},
	"sum":            {opSum, 1, 1},
	"min":            {opMin, 1, -1},
	"max":            {opMax, 1, -1},
	"concat":         {opConcat, 1, -1},
	"substr":         {opSubstr, 2, 3},
	"format-date":    {opFormatDate, 2, 2},
	"round":          {opRound, 1, 2},
	"floor":          {opFloor, 1, 1},
	"ceiling":        {opCeiling, 1, 1},
	"abs":            {opAbs, 1, 1},
	"pow":            {opPow, 2, 2},
	"string":         {opString, 1, 1},
	"boolean":        {opBoolean, 1, 1},
	"contains":       {opContains, 2, 2},
	"starts-with":    {opStartsWith, 2, 2},
	"ends-with":      {opEndsWith, 2, 2},
	"date":           {opDate, 1, 1},
	"true":           {opLit, 0, 0},
	"false":          {opLit, 0, 0},
	// fieldwork-start() is settings.fieldwork_start as a date (empty when unset), so a
	// check need not repeat the date written in the settings.
	"fieldwork-start": {opLit, 0, 0},
}

func (c *compiler) call(a *ast) (*node, error) {
	fn, ok := funcs[a.text]
	if !ok {
		return c.call2(a)
	}
	if len(a.args) < fn.min || (fn.max >= 0 && len(a.args) > fn.max) {
		want := fmt.Sprintf("%d", fn.min)
		switch {
		case fn.max < 0:
			want = fmt.Sprintf("at least %d", fn.min)
		case fn.max != fn.min:
			want = fmt.Sprintf("%d to %d", fn.min, fn.max)
		}
		return nil, c.errf(a, "%s() takes %s argument(s), got %d", a.text, want, len(a.args))
	}
	switch a.text {
	case "true":
		return &node{op: opLit, val: BoolValue(true)}, nil
	case "false":
		return &node{op: opLit, val: BoolValue(false)}, nil
	case "fieldwork-start":
		fs := c.s.Settings.FieldworkStart
		if days, ok := parseDate(fs); ok {
			return &node{op: opLit, val: dateValueFromDays(days, fs)}, nil
		}
		return &node{op: opLit, val: NullValue()}, nil
	case "position":
		return c.position(a)
	case "count", "sum":
		return c.aggregate(a, fn.op)
	case "min", "max":
		if len(a.args) == 1 && a.args[0].kind == aRef {
			// Over the rows of a repeat; of a household field it is
			// just that value.
			if f := c.s.byName[a.args[0].text]; f == nil || f.repeat != nil || f.kind == kRepeat || a.args[0].pred != nil {
				return c.aggregate(a, fn.op)
			}
		}
		fn.op = opMinArgs
		if a.text == "max" {
			fn.op = opMaxArgs
		}
	case "today":
		c.expr.hasToday = true
	}
	n := &node{op: fn.op, args: make([]*node, len(a.args))}
	for i, arg := range a.args {
		x, err := c.node(arg)
		if err != nil {
			return nil, err
		}
		n.args[i] = x
	}
	if (fn.op == opInt || fn.op == opNumber) && n.args[0].op == opFormatDate {
		if f := n.args[0]; f.args[1].op == opLit && f.args[1].val.String() == "%Y" {
			return &node{op: opYear, args: f.args[:1]}, nil
		}
	}
	if fn.op == opRegex && n.args[1].op == opLit {
		re, err := regexp.Compile(n.args[1].val.String())
		if err != nil {
			return nil, c.errf(a.args[1], "bad regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		n.re = re
	}
	return foldConst(n), nil
}

func (c *compiler) position(a *ast) (*node, error) {
	if len(a.args) == 0 {
		if len(c.preds) > 0 {
			return &node{op: opPredPos, level: len(c.preds) - 1, rep: c.preds[len(c.preds)-1]}, nil
		}
	} else if a.args[0].kind != aDotDot {
		return nil, c.errf(a.args[0], "position() takes only '..' (the current row): position(..)")
	}
	if c.opts.scope == nil {
		return nil, c.errf(a, "position(..) needs a repeat: this expression is at household level")
	}
	return &node{op: opRowPos, rep: c.opts.scope}, nil
}

// aggregate compiles count/sum/min/max over a repeat. The argument is a
// repeat (count only) or a field of a repeat, optionally filtered:
// count(${members}[b_rel = '1']), sum(${d_amt}), max(${b_age}[b_rel = '1']).
// It always covers all rows of the repeat, even from inside that repeat.
func (c *compiler) aggregate(a *ast, o op) (*node, error) {
	arg := a.args[0]
	if arg.kind == aPath && arg.base != nil && arg.base.kind == aCall && arg.base.text == "instance" && o == opCount {
		return c.instance(arg, true)
	}
	if arg.kind != aRef && arg.kind != aPath {
		return nil, c.errf(arg, "%s() needs a ${repeat} or a ${field} of a repeat", a.text)
	}
	f, err := c.refField(arg)
	if err != nil {
		return nil, err
	}
	if arg.kind == aPath && len(arg.steps) > 0 {
		arg = &ast{kind: aRef, pos: arg.pos, text: f.Name, pred: arg.steps[len(arg.steps)-1].pred}
	}
	rep := f.repeat
	if f.kind == kRepeat {
		if o != opCount {
			return nil, c.errf(arg, "%s() needs a field of repeat %s, not the repeat itself", a.text, f.Name)
		}
		rep = f
	}
	if rep == nil {
		if c.s.sheets {
			// ODK: count(${x}) of a single field is 1 (0 when empty is
			// not distinguished), sum(${x}) its value.
			x, err := c.fieldNode(arg, f)
			if err != nil {
				return nil, err
			}
			if o == opCount {
				return &node{op: opLit, val: NumberValue(1)}, nil
			}
			return &node{op: opNumber, args: []*node{x}}, nil
		}
		return nil, c.errf(arg, "%s() needs a repeat or a field inside one; %s is a household field", a.text, f.Name)
	}
	c.ref(f)
	n := c.over(&node{op: o, f: f, rep: rep})
	if arg.pred != nil {
		if len(c.preds) >= maxPredLevels {
			return nil, c.errf(arg.pred, "too many nested [] filters")
		}
		c.preds = append(c.preds, rep)
		n.level = len(c.preds) - 1
		pred, err := c.node(arg.pred)
		c.preds = c.preds[:len(c.preds)-1]
		if err != nil {
			return nil, err
		}
		n.pred = pred
	}
	return n, nil
}

// foldConst evaluates calls whose arguments are all literals, so that, for
// example, the regex or int('3') are not recomputed for every household.
func foldConst(n *node) *node {
	switch n.op {
	case opToday, opRegex, opCount, opSum, opMin, opMax, opDevice, opFirst, opIndexed, opInstance:
		return n
	}
	for _, a := range n.args {
		if a.op != opLit {
			return n
		}
	}
	v := n.eval(&evalCtx{})
	if v.kind == KindNumber && math.IsNaN(v.num) {
		return n
	}
	return &node{op: opLit, val: v}
}
