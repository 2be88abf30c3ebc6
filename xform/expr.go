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
			lastSaved := false
			if n, ok := strings.CutPrefix(name, "last-saved#"); ok {
				name, lastSaved = n, true
			}
			target := b.s.Field(name)
			if target == nil {
				b.fail(fmt.Errorf("xform: %s refers to ${%s}, which is not a row of the survey", ctxName(ctx), name))
				out.WriteString(src[i : i+j+1])
			} else if lastSaved {
				// The value in the last form saved on the device (pyxform: the __last-saved instance).
				b.lastSaved = true
				out.WriteString(" instance('__last-saved')" + b.path(target) + " ")
			} else {
				out.WriteString(" " + b.ref(ctx, target, filter) + " ")
			}
			i += j + 1
		case filter && strings.HasPrefix(src[i:], "label::") && (i == 0 || !nameByte(src[i-1])):
			// A choice filter on a translated label column (label::English): the item's
			// label is its itext (there is no such element in the item).
			j := i + len("label::")
			for j < len(src) && (nameByte(src[j]) || src[j] == '(' || src[j] == ')') && src[j] != ' ' {
				j++
			}
			if b.itext() {
				out.WriteString("jr:itext(itextId)")
			} else {
				out.WriteString("label")
			}
			i = j
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

// dialectFuncs are other dialects' functions (SurveyCTO's) the loader accepts in a
// calculation but no ODK client has: an expression using one is left out of the XForm
// (the question is then empty on the device, and the server keeps what is sent).
var dialectFuncs = []string{"duration", "device-info", "plug-in-metadata", "phone-call-log",
	"phone-call-duration", "sms-log", "username", "hash", "linebreak"}

// odkOnly reports whether src calls none of dialectFuncs (outside string literals).
func odkOnly(src string) bool {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\'' || c == '"' {
			j := strings.IndexByte(src[i+1:], c)
			if j < 0 {
				return true
			}
			i += j + 1
			continue
		}
		if i > 0 && nameByte(src[i-1]) {
			continue
		}
		for _, fn := range dialectFuncs {
			if strings.HasPrefix(src[i:], fn) && strings.HasPrefix(strings.TrimLeft(src[i+len(fn):], " "), "(") {
				return false
			}
		}
	}
	return true
}

func ctxName(f *form.Field) string {
	if f == nil {
		return "settings"
	}
	return f.Name
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

// ref is the path to target as written in an expression of ctx (nil: the form's).
func (b *builder) ref(ctx, target *form.Field, filter bool) string {
	if ctx == nil {
		return b.path(target)
	}
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
		return b.path(target)
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
