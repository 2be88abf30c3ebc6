package xform

import (
	"strings"
	"unicode/utf8"
)

// scan reads an instance in the plain form that ODK Collect, Enketo and ODK's engine write
// (elements, attributes, text, the five predefined entities, an <?xml?> declaration) into
// the tree decode would build from it, in a fifth of encoding/xml's time (a sixth of an
// OpenRosa submission's CPU went to its tokenizer). It accepts only what it is sure
// encoding/xml accepts and reads the same way under Parse's rules; anything else (a
// comment, CDATA, a DOCTYPE, a character reference, a carriage return, a name that is not
// ASCII, a control character, an element past the limits, anything not well-formed) makes
// it give up (ok false) and Parse reads the document with encoding/xml, which decides and
// says what is wrong. So no hostile document is read here, and errors are decode's.
// FuzzScanIsDecode holds the two to the same tree whenever scan accepts.
//
// Names and texts are substrings of one copy of data (one allocation for all of them).
func scan(data []byte) (root *node, formID, version string, ok bool) {
	s := string(data)
	p := 0
	if strings.HasPrefix(s, "<?xml") {
		if p, ok = xmlDecl(s); !ok {
			return nil, "", "", false
		}
	}
	var stack []*node
	var slab []node // nodes are taken from here, 64 at a time
	// The children of the open elements, in order: an element's are pending[starts[i]:]
	// while it is open, and get a slice of kidSlab of their number when it closes (one
	// allocation for many elements' children, not a growing slice each).
	var pending []*node
	var starts []int
	var kidSlab []*node
	elements := 0
	for p < len(s) {
		if len(stack) == 0 {
			// Outside the root: white space only (XML's; encoding/xml decides the rest).
			if c := s[p]; c == ' ' || c == '\t' || c == '\n' {
				p++
				continue
			}
		}
		if s[p] != '<' {
			if len(stack) == 0 {
				return nil, "", "", false // text outside the root
			}
			// Text after a child: its parent has children, so decode keeps none of it; it
			// must still be text encoding/xml reads.
			end, _, ok := chars(s, p)
			if !ok {
				return nil, "", "", false
			}
			p = end
			continue
		}
		p++
		if p >= len(s) {
			return nil, "", "", false
		}
		if s[p] == '/' {
			// </name ws* >
			p++
			prefix, local, q := qname(s, p)
			if q == p || len(stack) == 0 {
				return nil, "", "", false
			}
			p = skipSpace(s, q)
			if p >= len(s) || s[p] != '>' {
				return nil, "", "", false
			}
			p++
			n := stack[len(stack)-1]
			if n.name != local || n.prefix != prefix {
				return nil, "", "", false
			}
			if from := starts[len(starts)-1]; len(pending) > from {
				k := len(pending) - from
				if cap(kidSlab)-len(kidSlab) < k {
					kidSlab = make([]*node, 0, max(256, k))
				}
				at := len(kidSlab)
				kidSlab = append(kidSlab, pending[from:]...)
				n.kids = kidSlab[at : at+k : at+k]
				pending = pending[:from]
			}
			stack, starts = stack[:len(stack)-1], starts[:len(starts)-1]
			continue
		}
		// <name (ws+ name="value")* ws* (> | />)
		if root != nil && len(stack) == 0 {
			return nil, "", "", false // a second root
		}
		elements++
		if elements > MaxElements || len(stack) >= MaxDepth {
			return nil, "", "", false
		}
		prefix, local, q := qname(s, p)
		if q == p {
			return nil, "", "", false // <? <! or not a name
		}
		p = q
		if len(slab) == 0 {
			slab = make([]node, 64)
		}
		n := &slab[0]
		slab = slab[1:]
		n.name, n.prefix = local, prefix
		empty := false
		for {
			q := skipSpace(s, p)
			if q >= len(s) {
				return nil, "", "", false
			}
			if s[q] == '>' {
				p = q + 1
				break
			}
			if s[q] == '/' {
				if q+1 >= len(s) || s[q+1] != '>' {
					return nil, "", "", false
				}
				p, empty = q+2, true
				break
			}
			if q == p {
				return nil, "", "", false // no white space before the attribute
			}
			aprefix, alocal, r := qname(s, q)
			if r == q || r+1 >= len(s) || s[r] != '=' || (s[r+1] != '"' && s[r+1] != '\'') {
				return nil, "", "", false
			}
			quote := s[r+1]
			start := r + 2
			end := start
			for end < len(s) && s[end] != quote {
				c := s[end]
				if c == '<' || c == '&' || c == '\r' || (c < 0x20 && c != '\t' && c != '\n') {
					return nil, "", "", false
				}
				if c >= utf8.RuneSelf {
					r, size := utf8.DecodeRuneInString(s[end:])
					if !charOK(r, size) {
						return nil, "", "", false
					}
					end += size
					continue
				}
				end++
			}
			if end >= len(s) {
				return nil, "", "", false
			}
			value := s[start:end]
			switch {
			case aprefix == "jr" && alocal == "template":
				n.template = true
			case aprefix == "" && len(stack) == 0 && alocal == "id":
				formID = value // the last one, as decode's map of them
			case aprefix == "" && len(stack) == 0 && alocal == "version":
				version = value
			}
			p = end + 1
		}
		if len(stack) == 0 {
			root = n
		} else {
			pending = append(pending, n)
		}
		if empty {
			continue
		}
		stack, starts = append(stack, n), append(starts, len(pending))
		// The text up to the next tag: a leaf's text if that tag closes n.
		end, text, ok := chars(s, p)
		if !ok {
			return nil, "", "", false
		}
		if strings.HasPrefix(s[end:], "</") {
			n.text = strings.TrimSpace(text)
		}
		p = end
	}
	if root == nil || len(stack) != 0 {
		return nil, "", "", false
	}
	return root, formID, version, true
}

// chars reads text from p up to the next '<' (or the end): its end and its characters,
// the five predefined entities replaced. ok is false for anything scan leaves to
// encoding/xml (another reference, "]]>", a carriage return, a character XML forbids).
func chars(s string, p int) (end int, text string, ok bool) {
	start := p
	var b []byte // only when an entity is replaced
	for p < len(s) {
		c := s[p]
		switch {
		case c == '<':
			if b != nil {
				return p, string(append(b, s[start:p]...)), true
			}
			return p, s[start:p], true
		case c == '&':
			r, n := entity(s[p:])
			if n == 0 {
				return 0, "", false
			}
			b = append(append(b, s[start:p]...), r)
			p += n
			start = p
			continue
		case c == '>':
			if p >= 2 && s[p-1] == ']' && s[p-2] == ']' && p-2 >= start {
				return 0, "", false
			}
		case c == '\r' || (c < 0x20 && c != '\t' && c != '\n'):
			return 0, "", false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[p:])
			if !charOK(r, size) {
				return 0, "", false
			}
			p += size
			continue
		}
		p++
	}
	if b != nil {
		return p, string(append(b, s[start:p]...)), true
	}
	return p, s[start:p], true
}

// entity is the character of one of XML's five predefined entities at the start of s, and
// the entity's length (0: not one of them).
func entity(s string) (byte, int) {
	for _, e := range [...]struct {
		ref string
		c   byte
	}{{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}} {
		if strings.HasPrefix(s, e.ref) {
			return e.c, len(e.ref)
		}
	}
	return 0, 0
}

// charOK: a rune of valid UTF-8 in XML's character range (above ASCII).
func charOK(r rune, size int) bool {
	if r == utf8.RuneError && size == 1 {
		return false
	}
	return r >= 0x80 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// qname reads an ASCII name at p, with one prefix at most: [A-Za-z_][A-Za-z0-9_.-]* and
// optionally ':' and another such part, which encoding/xml reads as the same prefix and
// local name. q == p when there is none (or it is not of that form).
func qname(s string, p int) (prefix, local string, q int) {
	e := ncname(s, p)
	if e == p {
		return "", "", p
	}
	if e < len(s) && s[e] == ':' {
		e2 := ncname(s, e+1)
		if e2 == e+1 || (e2 < len(s) && (s[e2] == ':' || s[e2] >= utf8.RuneSelf)) {
			return "", "", p
		}
		return s[p:e], s[e+1 : e2], e2
	}
	if e < len(s) && s[e] >= utf8.RuneSelf {
		return "", "", p // a name going on beyond ASCII: encoding/xml's to read
	}
	return "", s[p:e], e
}

func ncname(s string, p int) int {
	if p >= len(s) || !(isLetter(s[p]) || s[p] == '_') {
		return p
	}
	e := p + 1
	for e < len(s) && (isLetter(s[e]) || s[e] == '_' || s[e] == '-' || s[e] == '.' || '0' <= s[e] && s[e] <= '9') {
		e++
	}
	return e
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func skipSpace(s string, p int) int {
	for p < len(s) && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n') {
		p++
	}
	return p
}

// xmlDecl reads an XML declaration at the start of s: version "1.0", encoding UTF-8 and
// standalone, each once at most, with nothing around the '='. It returns where the
// declaration ends.
func xmlDecl(s string) (int, bool) {
	p := len("<?xml")
	var seen [3]bool // version, encoding, standalone
	for {
		q := skipSpace(s, p)
		if strings.HasPrefix(s[q:], "?>") {
			return q + 2, true
		}
		if q == p {
			return 0, false
		}
		_, name, r := qname(s, q)
		if r == q || r+1 >= len(s) || s[r] != '=' || (s[r+1] != '"' && s[r+1] != '\'') {
			return 0, false
		}
		end := strings.IndexByte(s[r+2:], s[r+1])
		if end < 0 {
			return 0, false
		}
		v := s[r+2 : r+2+end]
		k := -1
		switch {
		case name == "version" && v == "1.0":
			k = 0
		case name == "encoding" && strings.EqualFold(v, "utf-8"):
			k = 1
		case name == "standalone" && (v == "yes" || v == "no"):
			k = 2
		}
		if k < 0 || seen[k] {
			return 0, false
		}
		seen[k] = true
		p = r + 3 + end
	}
}
