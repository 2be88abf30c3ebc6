package export

// scanner is the export's fast reader of stored answers: it checks the JSON as it moves
// through it and hands out the raw bytes of the values a table needs, with no copy and no
// general decoder. It only accepts what it is sure jsontext (the decoder with the export's
// options) reads the same way: plain member names, standard escapes, no lone surrogate, a
// bounded depth. Anything else makes it give up (ok false), and the household is read again
// by the decoder, which then says what is wrong exactly as before. Stored answers come from
// our own ingest, so that is rare.
type scanner struct {
	b []byte
	i int
}

const maxScanDepth = 100

func (s *scanner) reset(b []byte) { s.b, s.i = b, 0 }

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek is the byte at the scanner, 0 at the end.
func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// plainByte: a byte a string holds as itself (not a quote, a backslash or a control byte).
// Bytes from 0x80 are UTF-8, or invalid UTF-8 the export passes through
// (jsontext.AllowInvalidUTF8).
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// nameByte: a byte a plain member name holds (printable ASCII but a quote or a backslash).
var nameByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str moves past the string at the scanner (at its opening quote). plain is true when the
// string holds no escape, so its bytes are its text.
func (s *scanner) str() (plain, ok bool) {
	b, i := s.b, s.i+1
	plain = true
	for {
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		if i >= len(b) {
			return false, false
		}
		switch b[i] {
		case '"':
			s.i = i + 1
			return plain, true
		case '\\':
			plain = false
			if i+1 >= len(b) {
				return false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return false, false
				}
				v, ok := hex4(b[i+2 : i+6])
				if !ok || v >= 0xD800 && v < 0xE000 {
					return false, false // a surrogate: left to the decoder's rules
				}
				i += 6
			default:
				return false, false
			}
		default:
			return false, false // a control byte
		}
	}
}

func hex4(b []byte) (rune, bool) {
	var v rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// num moves past a number (RFC 8259 grammar).
func (s *scanner) num() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return false
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		if j := digits(b, i+1); j > i+1 {
			i = j
		} else {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return false
		}
		i = j
	}
	s.i = i
	return true
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func (s *scanner) lit(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// value moves past one value, checking it; depth is that of the value's container.
func (s *scanner) value(depth int) bool {
	switch s.peek() {
	case '"':
		_, ok := s.str()
		return ok
	case '{':
		return s.object(depth+1, func([]byte) bool { return s.value(depth + 1) })
	case '[':
		return s.array(depth+1, func(int) bool { return s.value(depth + 1) })
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	}
	return s.num()
}

// raw moves past one value and returns its bytes.
func (s *scanner) raw(depth int) ([]byte, bool) {
	start := s.i
	if !s.value(depth) {
		return nil, false
	}
	return s.b[start:s.i], true
}

// object reads the object at the scanner: fn gets each member's name (a plain name: its
// bytes between the quotes) with the scanner at its value, and must move past the value.
func (s *scanner) object(depth int, fn func(name []byte) bool) bool {
	more, ok := s.open(depth, '{', '}')
	for ok && more {
		if s.peek() != '"' {
			return false
		}
		start, end := s.i+1, s.i+1
		for end < len(s.b) && nameByte[s.b[end]] {
			end++
		}
		if end == len(s.b) || s.b[end] != '"' {
			return false // an escaped or non-ASCII name: left to the decoder, whose rules they are
		}
		name := s.b[start:end]
		s.i = end + 1
		s.ws()
		if s.peek() != ':' {
			return false
		}
		s.i++
		s.ws()
		if !fn(name) {
			return false
		}
		more, ok = s.next('}')
	}
	return ok
}

// array reads the array at the scanner: fn gets each item's position with the scanner at
// it, and must move past it.
func (s *scanner) array(depth int, fn func(i int) bool) bool {
	more, ok := s.open(depth, '[', ']')
	for n := 0; ok && more; n++ {
		if !fn(n) {
			return false
		}
		more, ok = s.next(']')
	}
	return ok
}

// open moves past the opening byte of a container and, if it is empty, its closing one;
// more is true when an item follows.
func (s *scanner) open(depth int, open, close byte) (more, ok bool) {
	if depth > maxScanDepth || s.peek() != open {
		return false, false
	}
	s.i++
	s.ws()
	if s.peek() == close {
		s.i++
		return false, true
	}
	return true, true
}

// next moves past what follows an item: a comma (more is true) or the closing byte.
func (s *scanner) next(close byte) (more, ok bool) {
	s.ws()
	switch s.peek() {
	case ',':
		s.i++
		s.ws()
		return true, true
	case close:
		s.i++
		return false, true
	}
	return false, false
}

// doc reads a whole stored document, an object, with fn as in object. ok is false when the
// scanner is not sure of it (the decoder reads it instead); an empty or null document is no
// answers.
func (s *scanner) doc(b []byte, fn func(name []byte) bool) bool {
	s.reset(b)
	s.ws()
	if s.i == len(s.b) {
		return true
	}
	if s.peek() == 'n' {
		if !s.lit("null") {
			return false
		}
	} else if !s.object(1, fn) {
		return false
	}
	s.ws()
	return s.i == len(s.b)
}
