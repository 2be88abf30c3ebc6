package form

import (
	"fmt"
	"unicode/utf8"
)

// maxDepth bounds the nesting of an expression so that parsing and
// evaluation recursion stay shallow whatever a definition contains.
const maxDepth = 64

// ast is the parsed, unresolved form of an expression. The compiler turns
// it into a tree of nodes bound to fields.
type ast struct {
	kind  astKind
	pos   int // byte offset of the token that starts it
	op    tokKind
	text  string // name, string or number text
	args  []*ast // operands, call arguments
	pred  *ast   // predicate of a reference: ${members}[...]
	paren bool   // wrapped in parentheses (for messages only)
	// Path: base (a call such as instance('l') or current(), or nil),
	// abs (starts with '/'), and its steps.
	base  *ast
	abs   bool
	steps []step
}

// step is one step of an XPath location path: a name, "." or "..", with
// an optional predicate.
type step struct {
	name string
	pred *ast
	pos  int
}

type astKind uint8

const (
	aNum astKind = iota
	aStr
	aRef    // ${name}
	aBare   // name (a field of the row inside a predicate)
	aDot    // .
	aDotDot // ..
	aCall   // name(args)
	aNeg    // -x
	aBinary // x op y, op in tokKind
	aPath   // /data/x, ../x, instance('l')/root/item[name = 1]/label
)

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

// parseExpr parses src into an ast. Errors are *ExprError with a 1-based
// character position.
func parseExpr(src string) (*ast, error) {
	toks, off, msg := lex(src)
	if msg != "" {
		return nil, exprErr(src, off, msg)
	}
	p := &parser{src: src, toks: toks}
	if p.peek().kind == tEOF {
		return nil, exprErr(src, 0, "empty expression")
	}
	n, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, fmt.Sprintf("unexpected %s after a complete expression", describeTok(t)))
	}
	return n, nil
}

// exprErr builds an ExprError from a byte offset.
func exprErr(src string, off int, msg string) *ExprError {
	if off > len(src) {
		off = len(src)
	}
	return &ExprError{Src: src, Pos: utf8.RuneCountInString(src[:off]) + 1, Msg: msg}
}

func (p *parser) errAt(t token, msg string) error { return exprErr(p.src, t.pos, msg) }

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) expect(k tokKind, context string) error {
	t := p.peek()
	if t.kind != k {
		return p.errAt(t, fmt.Sprintf("expected %s %s but found %s", k, context, describeTok(t)))
	}
	p.i++
	return nil
}

func describeTok(t token) string {
	switch t.kind {
	case tEOF:
		return "the end of the expression"
	case tName:
		return fmt.Sprintf("%q", t.text)
	case tRef:
		return "${" + t.text + "}"
	case tNum:
		return "number " + t.text
	case tStr:
		return "string '" + t.text + "'"
	}
	return t.kind.String()
}

// Binding powers (XPath 1.0): or < and < = != < relational < + - < * div mod.
// All binary operators are left-associative.
func infixPower(t token) int {
	switch t.kind {
	case tEq, tNe:
		return 3
	case tLt, tLe, tGt, tGe:
		return 4
	case tAdd, tSub:
		return 5
	case tMul:
		return 6
	case tName:
		switch t.text {
		case "or":
			return 1
		case "and":
			return 2
		case "div", "mod":
			return 6
		}
	}
	return 0
}

// expr is the Pratt loop: a prefix expression, then infix operators that
// bind tighter than min.
func (p *parser) expr(min int) (*ast, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errAt(p.peek(), "expression is nested too deeply")
	}
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		bp := infixPower(t)
		if bp == 0 {
			switch t.kind {
			case tSlash:
				return nil, p.errAt(t, "a name must follow '/' in a path: use ${name}, and div for division")
			case tPipe:
				return nil, p.errAt(t, "'|' (node-set union) is not supported")
			case tName:
				return nil, p.errAt(t, fmt.Sprintf("unexpected %q: expected an operator such as and, or, =, +", t.text))
			case tNum, tStr, tRef, tLParen, tDot, tDotDot:
				return nil, p.errAt(t, fmt.Sprintf("unexpected %s: expected an operator", describeTok(t)))
			}
			return left, nil
		}
		if bp <= min {
			return left, nil
		}
		p.i++
		right, err := p.expr(bp)
		if err != nil {
			return nil, err
		}
		op := t.kind
		if t.kind == tName {
			op = wordOp(t.text)
		}
		left = &ast{kind: aBinary, pos: t.pos, op: op, text: t.text, args: []*ast{left, right}}
	}
}

// Pseudo-tokens for the word operators, so the compiler switches on one kind.
const (
	tOr tokKind = 100 + iota
	tAnd
	tDiv
	tMod
)

func wordOp(s string) tokKind {
	switch s {
	case "or":
		return tOr
	case "and":
		return tAnd
	case "div":
		return tDiv
	}
	return tMod
}

// unary parses '-' UnaryExpr | primary, as in XPath where unary minus
// binds tighter than * div mod.
func (p *parser) unary() (*ast, error) {
	t := p.peek()
	if t.kind == tSub {
		p.i++
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			return nil, p.errAt(t, "expression is nested too deeply")
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &ast{kind: aNeg, pos: t.pos, args: []*ast{x}}, nil
	}
	return p.primary()
}

// primary parses a primary expression and the location path that may
// follow it (instance('l')/root/item, current()/../x, ../x, name/x).
func (p *parser) primary() (*ast, error) {
	t := p.peek()
	if t.kind == tSlash {
		p.i++
		n := &ast{kind: aPath, pos: t.pos, abs: true}
		return p.steps(n)
	}
	x, err := p.primary1()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tSlash {
		return x, nil
	}
	if nt := p.toks[p.i+1]; nt.kind != tName && nt.kind != tDot && nt.kind != tDotDot && nt.kind != tMul {
		return x, nil // let the operator loop report it
	}
	n := &ast{kind: aPath, pos: x.pos}
	switch x.kind {
	case aCall, aRef:
		n.base = x
	case aBare:
		n.steps = append(n.steps, step{name: x.text, pred: x.pred, pos: x.pos})
	case aDot:
		n.steps = append(n.steps, step{name: ".", pos: x.pos})
	case aDotDot:
		n.steps = append(n.steps, step{name: "..", pos: x.pos})
	default:
		return x, nil
	}
	p.i++ // '/'
	return p.steps(n)
}

// steps parses name[pred]/name/.. after a '/'.
func (p *parser) steps(n *ast) (*ast, error) {
	for {
		t := p.next()
		st := step{pos: t.pos}
		switch t.kind {
		case tName:
			st.name = t.text
		case tDot:
			st.name = "."
		case tDotDot:
			st.name = ".."
		case tMul:
			st.name = "*"
		default:
			if n.abs && len(n.steps) == 0 && n.base == nil {
				// "/" alone: the root.
				p.i--
				return n, nil
			}
			return nil, p.errAt(t, "a name must follow '/' in a path: use ${name}, and div for division")
		}
		if p.peek().kind == tLBrack {
			p.i++
			pred, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect(tRBrack, "to close '['"); err != nil {
				return nil, err
			}
			st.pred = pred
		}
		n.steps = append(n.steps, st)
		if p.peek().kind != tSlash {
			return n, nil
		}
		p.i++
	}
}

func (p *parser) primary1() (*ast, error) {
	t := p.next()
	switch t.kind {
	case tNum:
		return &ast{kind: aNum, pos: t.pos, text: t.text}, nil
	case tStr:
		return &ast{kind: aStr, pos: t.pos, text: t.text}, nil
	case tDot:
		return &ast{kind: aDot, pos: t.pos}, nil
	case tDotDot:
		return &ast{kind: aDotDot, pos: t.pos}, nil
	case tLParen:
		x, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRParen, "to close '('"); err != nil {
			return nil, err
		}
		x.paren = true
		return x, nil
	case tRef:
		n := &ast{kind: aRef, pos: t.pos, text: t.text}
		if p.peek().kind == tLBrack {
			lb := p.next()
			if p.peek().kind == tRBrack {
				return nil, p.errAt(p.peek(), "empty [] filter")
			}
			pred, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect(tRBrack, "to close '['"); err != nil {
				return nil, err
			}
			_ = lb
			n.pred = pred
			if p.peek().kind == tLBrack {
				return nil, p.errAt(p.peek(), "only one [] filter is allowed")
			}
		}
		return n, nil
	case tName:
		if p.peek().kind == tLParen {
			return p.call(t)
		}
		switch t.text {
		case "and", "or", "div", "mod":
			return nil, p.errAt(t, fmt.Sprintf("%q needs a value on its left", t.text))
		}
		return &ast{kind: aBare, pos: t.pos, text: t.text}, nil
	case tEOF:
		return nil, p.errAt(t, "unexpected end of expression: a value is missing")
	case tLBrack:
		return nil, p.errAt(t, "'[' filter must follow a ${repeat} reference")
	}
	return nil, p.errAt(t, fmt.Sprintf("unexpected %s: a value is missing", describeTok(t)))
}

func (p *parser) call(name token) (*ast, error) {
	p.i++ // '('
	n := &ast{kind: aCall, pos: name.pos, text: name.text}
	if p.peek().kind == tRParen {
		p.i++
		return n, nil
	}
	for {
		arg, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, arg)
		t := p.next()
		switch t.kind {
		case tComma:
			continue
		case tRParen:
			if p.peek().kind == tLBrack {
				return nil, p.errAt(p.peek(), "'[' filter must follow a ${repeat} reference")
			}
			return n, nil
		}
		return nil, p.errAt(t, fmt.Sprintf("expected ',' or ')' in %s() but found %s", name.text, describeTok(t)))
	}
}
