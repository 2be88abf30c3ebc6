package form

import (
	"fmt"
	"unicode/utf8"
)

// ExprError is a problem in an expression: a syntax error found by the
// parser or a name the compiler could not resolve. Pos is the 1-based
// character (rune) position in Src; len(Src)+1 means "at the end".
type ExprError struct {
	Src string
	Pos int
	Msg string
}

func (e *ExprError) Error() string {
	return fmt.Sprintf("%s at character %d of %q", e.Msg, e.Pos, e.Src)
}

type tokKind uint8

const (
	tEOF    tokKind = iota
	tNum            // 12, 1.5, .5
	tStr            // 'x' or "x"
	tRef            // ${name}
	tName           // bare name: function names, and/or/div/mod, fields in predicates
	tDot            // .
	tDotDot         // ..
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
	tEq  // =
	tNe  // !=
	tLt  // <
	tLe  // <=
	tGt  // >
	tGe  // >=
	tAdd // +
	tSub // -
	tMul // *
	tSlash
	tPipe
)

type token struct {
	kind tokKind
	pos  int    // byte offset in the source
	text string // name, string contents, number text
}

func (k tokKind) String() string {
	switch k {
	case tEOF:
		return "end of expression"
	case tNum:
		return "number"
	case tStr:
		return "string"
	case tRef:
		return "${name}"
	case tName:
		return "name"
	case tDot:
		return "'.'"
	case tDotDot:
		return "'..'"
	case tLParen:
		return "'('"
	case tRParen:
		return "')'"
	case tLBrack:
		return "'['"
	case tRBrack:
		return "']'"
	case tComma:
		return "','"
	case tEq:
		return "'='"
	case tNe:
		return "'!='"
	case tLt:
		return "'<'"
	case tLe:
		return "'<='"
	case tGt:
		return "'>'"
	case tGe:
		return "'>='"
	case tAdd:
		return "'+'"
	case tSub:
		return "'-'"
	case tMul:
		return "'*'"
	case tSlash:
		return "'/'"
	case tPipe:
		return "'|'"
	}
	return "token"
}

// lex splits an expression into tokens. Errors carry the byte offset; the
// parser converts it to a character position.
func lex(src string) ([]token, int, string) {
	toks := make([]token, 0, len(src)/3+2)
	i := 0
	for i < len(src) {
		c := src[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '$':
			if i+1 >= len(src) || src[i+1] != '{' {
				return nil, i, "'$' must start a reference like ${name}"
			}
			j := i + 2
			for j < len(src) && src[j] != '}' {
				j++
			}
			if j >= len(src) {
				return nil, i, "unterminated ${name} reference"
			}
			name := src[i+2 : j]
			if !validName(name) {
				if name == "" {
					return nil, i, "empty ${} reference"
				}
				return nil, i, fmt.Sprintf("%q is not a valid field name", name)
			}
			toks = append(toks, token{tRef, start, name})
			i = j + 1
			continue
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(src) && src[j] != c {
				j++
			}
			if j >= len(src) {
				return nil, i, "unterminated string"
			}
			toks = append(toks, token{tStr, start, src[i+1 : j]})
			i = j + 1
			continue
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			for i < len(src) && isDigit(src[i]) {
				i++
			}
			if i < len(src) && src[i] == '.' {
				i++
				for i < len(src) && isDigit(src[i]) {
					i++
				}
			}
			toks = append(toks, token{tNum, start, src[start:i]})
			continue
		case isNameStart(c):
			for i < len(src) && isNameChar(src[i]) {
				i++
			}
			toks = append(toks, token{tName, start, src[start:i]})
			continue
		}
		k := tEOF
		n := 1
		switch c {
		case '.':
			k = tDot
			if i+1 < len(src) && src[i+1] == '.' {
				k, n = tDotDot, 2
			}
		case '(':
			k = tLParen
		case ')':
			k = tRParen
		case '[':
			k = tLBrack
		case ']':
			k = tRBrack
		case ',':
			k = tComma
		case '=':
			k = tEq
		case '!':
			if i+1 < len(src) && src[i+1] == '=' {
				k, n = tNe, 2
			}
		case '<':
			k = tLt
			if i+1 < len(src) && src[i+1] == '=' {
				k, n = tLe, 2
			}
		case '>':
			k = tGt
			if i+1 < len(src) && src[i+1] == '=' {
				k, n = tGe, 2
			}
		case '+':
			k = tAdd
		case '-':
			k = tSub
		case '*':
			k = tMul
		case '/':
			k = tSlash
		case '|':
			k = tPipe
		}
		if k == tEOF {
			r, _ := utf8.DecodeRuneInString(src[i:])
			if c == '!' {
				return nil, i, "'!' must be followed by '=' (use not() for negation)"
			}
			return nil, i, fmt.Sprintf("unexpected character %q", r)
		}
		toks = append(toks, token{k, start, src[i : i+n]})
		i += n
	}
	toks = append(toks, token{tEOF, len(src), ""})
	return toks, 0, ""
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isNameChar(c byte) bool {
	return isNameStart(c) || isDigit(c) || c == '-' || c == '.' || c == ':'
}

// validName reports whether s is a field name: a letter or '_', then
// letters, digits, '_', '-' or '.' (the XML name rule XLSForm uses,
// restricted to ASCII).
func validName(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isNameStart(c) && !isDigit(c) && c != '-' && c != '.' {
			return false
		}
	}
	return true
}
