package xform

import (
	"fmt"
	"strings"

	"fieldbase/form"
)

// expr rewrites an XLSForm expression as XPath: ${name} becomes the node's path, relative
// ("../b_age") when both the row and the node are inside the same repeat, so that the
// reference means this row's value, absolute ("/data/a_date") otherwise, as pyxform does.
// In a choice filter (filter true) the context is the choice item, so a relative path is
// taken from current(). fieldwork-start(), fieldbase's own function, becomes the date of
// the survey's settings. Text inside string literals is left alone.
func (b *builder) expr(src string, ctx *form.Field, filter bool) string {
	var out strings.Builder
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(src[i+1:], c)
			if j < 0 {
				out.WriteString(src[i:])
				return out.String()
			}
			out.WriteString(src[i : i+j+2])
			i += j + 2
		case c == '$' && i+1 < len(src) && src[i+1] == '{':
			j := strings.IndexByte(src[i:], '}')
			if j < 0 {
				out.WriteString(src[i:])
				return out.String()
			}
			name := src[i+2 : i+j]
			target := b.s.Field(name)
			if target == nil {
				b.fail(fmt.Errorf("xform: %s refers to ${%s}, which is not a row of the survey", ctx.Name, name))
				out.WriteString(src[i : i+j+1])
			} else {
				out.WriteString(" " + ref(ctx, target, filter) + " ")
			}
			i += j + 1
		case strings.HasPrefix(src[i:], "fieldwork-start()") && (i == 0 || !nameByte(src[i-1])):
			out.WriteString("'" + b.s.Settings.FieldworkStart + "'")
			i += len("fieldwork-start()")
		default:
			out.WriteByte(c)
			i++
		}
	}
	return strings.TrimSpace(out.String())
}

func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func nameByte(c byte) bool {
	return c == '-' || c == '_' || c == ':' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// chain is f and its enclosing groups and repeats, outermost first.
func chain(f *form.Field) []*form.Field {
	var c []*form.Field
	for p := f; p != nil; p = p.Parent() {
		c = append(c, p)
	}
	for i, j := 0, len(c)-1; i < j; i, j = i+1, j-1 {
		c[i], c[j] = c[j], c[i]
	}
	return c
}

// ref is the path to target as written in an expression of ctx.
func ref(ctx, target *form.Field, filter bool) string {
	// Never "." for the row itself: inside a predicate "." is the node filtered.
	cc, tc := chain(ctx), chain(target)
	k := 0
	for k < len(cc)-1 && k < len(tc)-1 && cc[k] == tc[k] {
		k++
	}
	// Relative only when a repeat both are inside is the common ancestor or above it.
	shared := false
	for _, p := range tc[:k] {
		if p.Type == "repeat" && p != target {
			shared = true
		}
	}
	if !shared {
		return Path(target)
	}
	ups := len(cc) - k
	parts := make([]string, 0, ups+len(tc)-k)
	for range ups {
		parts = append(parts, "..")
	}
	for _, p := range tc[k:] {
		parts = append(parts, p.Name)
	}
	rel := strings.Join(parts, "/")
	if filter {
		return "current()/" + rel
	}
	return rel
}
