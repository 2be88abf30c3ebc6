package export

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// csvOut writes CSV rows exactly as encoding/csv does with UseCRLF (the same quoting, the
// same bytes) into its buffer, handed to its sink when full. The households' pass builds
// each row in place at the buffer's end (level.begin), cell by cell from the stored JSON
// bytes, with no string per cell and no copy of the line.
type csvOut struct {
	buf  []byte
	sink sink
}

func newCSVOut(s sink) *csvOut { return &csvOut{buf: make([]byte, 0, csvBufSize+8<<10), sink: s} }

// Write writes one row of cells.
func (c *csvOut) Write(rec []string) error {
	for i, f := range rec {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = appendCSVField(c.buf, f)
	}
	return c.end(c.buf)
}

// end ends the row that buf (c.buf and the row after it) holds.
func (c *csvOut) end(buf []byte) error {
	c.buf = append(buf, '\r', '\n')
	if len(c.buf) < csvBufSize {
		return nil
	}
	var err error
	c.buf, err = c.sink.write(c.buf)
	return err
}

// flush writes what is buffered and waits until it is written.
func (c *csvOut) flush() error {
	if len(c.buf) > 0 {
		var err error
		if c.buf, err = c.sink.write(c.buf); err != nil {
			return err
		}
	}
	return c.sink.flush()
}

// appendCSVField appends one cell as encoding/csv's Writer writes it (Comma ',', UseCRLF):
// quoted when it holds a quote, a comma or a line end, starts with a space, or is `\.`;
// inside quotes a quote is doubled, a lone \r dropped and \n written as \r\n.
func appendCSVField[T string | []byte](dst []byte, f T) []byte {
	if !csvNeedsQuotes(f) {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(f); i++ {
		switch c := f[i]; c {
		case '"':
			dst = append(dst, '"', '"')
		case '\r':
		case '\n':
			dst = append(dst, '\r', '\n')
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

func csvNeedsQuotes[T string | []byte](f T) bool {
	if len(f) == 0 {
		return false
	}
	if len(f) == 2 && f[0] == '\\' && f[1] == '.' {
		return true
	}
	for i := 0; i < len(f); i++ {
		if c := f[i]; c < 128 && csvSpecial[c] {
			return true
		}
	}
	if c := f[0]; c < utf8.RuneSelf {
		return asciiSpace[c]
	}
	var r rune
	switch v := any(f).(type) {
	case string:
		r, _ = utf8.DecodeRuneInString(v)
	case []byte:
		r, _ = utf8.DecodeRune(v)
	}
	return unicode.IsSpace(r)
}

var csvSpecial = [128]bool{'"': true, ',': true, '\r': true, '\n': true}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// row is one row's cells on their way out: quoted CSV text in line (a CSV file), or one
// string per cell (a Parquet table, which types them).
type row struct {
	csv   bool
	line  []byte
	cells []string
	n     int // cells so far
	tmp   []byte
	sel   [][]byte // a select_multiple answer's names
}

func (r *row) reset() {
	r.line, r.cells, r.n = r.line[:0], r.cells[:0], 0
}

func (r *row) sep() {
	if r.n > 0 {
		r.line = append(r.line, ',')
	}
	r.n++
}

// add appends a cell.
func (r *row) add(b []byte) {
	if !r.csv {
		r.cells = append(r.cells, string(b))
		return
	}
	r.sep()
	r.line = appendCSVField(r.line, b)
}

func (r *row) addString(s string) {
	if !r.csv {
		r.cells = append(r.cells, s)
		return
	}
	r.sep()
	r.line = appendCSVField(r.line, s)
}

func (r *row) addInt(v int64) {
	if !r.csv {
		r.cells = append(r.cells, strconv.FormatInt(v, 10))
		return
	}
	r.sep()
	r.line = strconv.AppendInt(r.line, v, 10) // digits and a minus: never quoted
}

// addTime adds a stored timestamp as ISOTime writes it.
func (r *row) addTime(s string) {
	if !r.csv {
		r.cells = append(r.cells, ISOTime(s))
		return
	}
	r.sep()
	if line, ok := appendStoredTime(r.line, s); ok {
		r.line = line // digits, dashes, colons, T, a dot and Z: never quoted
		return
	}
	r.line = appendCSVField(r.line, ISOTime(s))
}

func (r *row) addFloat(f *float64) {
	if !r.csv {
		r.cells = append(r.cells, formatFloat(f))
		return
	}
	r.sep()
	if f != nil {
		r.line = strconv.AppendFloat(r.line, *f, 'f', -1, 64) // digits, a dot, a minus; NaN, +Inf
	}
}
