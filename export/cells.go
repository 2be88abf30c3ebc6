package export

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fieldbase/form"
)

// decoder reads JSON objects of answers into one slot per answer field of a table. It keeps
// its buffers from row to row, reads only the fields a table has and skips the rest without
// copying them.
type decoder struct {
	br   bytes.Reader
	dec  *jsontext.Decoder
	name []byte
	doc  []byte // the document open, trimmed: InputOffset counts from its start
}

// Stored answers come from our own ingest, but an export must not fail on one odd row:
// duplicate names keep the last, invalid UTF-8 is passed through.
var decodeOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// open starts reading b. ok is false for nothing to read (empty, null); an error says b is
// not a JSON object.
func (d *decoder) open(b []byte) (ok bool, err error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return false, nil
	}
	d.doc = b
	d.br.Reset(b)
	if d.dec == nil {
		d.dec = jsontext.NewDecoder(&d.br, decodeOptions...)
	} else {
		d.dec.Reset(&d.br, decodeOptions...)
	}
	if d.dec.PeekKind() != '{' {
		return false, errors.New("not a JSON object")
	}
	return true, nil
}

// member reads the next member name of the object open (after open or a value), unquoted
// into d.name; false at the object's end (or on an error, which the next read returns).
func (d *decoder) member() bool {
	if d.dec.PeekKind() == '}' {
		return false
	}
	raw, err := d.dec.ReadValue() // the name, quoted
	if err != nil {
		return false
	}
	d.name = d.name[:0]
	d.name, err = jsontext.AppendUnquote(d.name, raw)
	return err == nil
}

// into reads the object at the decoder's position into vals (a value over what is there),
// the fields of index only.
func (d *decoder) into(index map[string]int, vals [][]byte) error {
	tok, err := d.dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != '{' {
		return errors.New("not a JSON object")
	}
	for d.member() {
		i, ok := index[string(d.name)]
		if !ok {
			if err := d.dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		v, err := d.dec.ReadValue()
		if err != nil {
			return err
		}
		vals[i] = append(vals[i][:0], v...)
	}
	_, err = d.dec.ReadToken()
	return err
}

// object reads a whole JSON object b into vals (null and empty are no answers).
func (d *decoder) object(index map[string]int, vals [][]byte, b []byte) error {
	if ok, err := d.open(b); !ok {
		return err
	}
	return d.into(index, vals)
}

// items calls fn for each value of the JSON array at the decoder's position, with its
// 0-based position; a value that is not an array is skipped. fn reads its value.
func (d *decoder) items(fn func(i int) error) error {
	if d.dec.PeekKind() != '[' {
		return d.dec.SkipValue()
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return err
	}
	for i := 0; d.dec.PeekKind() != ']'; i++ {
		if err := fn(i); err != nil {
			return err
		}
	}
	_, err := d.dec.ReadToken()
	return err
}

// clearSlots empties a row's answers. A slot may be a slice of a stored document (the
// scanner's), so it is dropped, never appended to.
func clearSlots(vals [][]byte) {
	clear(vals)
}

// cells appends the cells of one field's answer to r. ok is false when the answer has a
// shape the field's type does not expect; its text is then kept in the first cell so that
// nothing is lost.
func (p *part) cells(r *row, raw []byte) (ok bool) {
	switch p.kind {
	case cellMulti:
		var sel [][]byte
		sel, ok = r.multi(raw)
		if sel == nil {
			r.add(nil)
			for range p.choices {
				r.add(nil) // not answered: missing, not 0
			}
			return ok
		}
		r.tmp = r.tmp[:0]
		for i, s := range sel {
			if i > 0 {
				r.tmp = append(r.tmp, ' ')
			}
			r.tmp = append(r.tmp, s...)
		}
		r.add(r.tmp)
		for _, c := range p.choices {
			v := "0"
			for _, s := range sel {
				if string(s) == c {
					v = "1"
					break
				}
			}
			r.addString(v)
		}
		return ok
	case cellGeo:
		if lat, lon, acc, ok := plainGeo(raw); ok {
			r.scalar(lat)
			r.scalar(lon)
			r.scalar(acc)
			return true
		}
		lat, lon, acc, ok := geo(raw)
		r.addString(lat)
		r.addString(lon)
		r.addString(acc)
		return ok
	}
	r.scalar(raw)
	return true
}

// scalar adds an answer as one cell (see the function scalar), straight from its bytes where
// they are the cell: a number, a string without escapes.
func (r *row) scalar(raw []byte) {
	if n := len(raw); n > 0 && (edgeByte(raw[0]) || edgeByte(raw[n-1])) {
		raw = bytes.TrimSpace(raw) // else it has nothing to trim: a value as the scanner gives it
	}
	switch {
	case len(raw) == 0 || string(raw) == "null":
		r.add(nil)
	case raw[0] == '"':
		if len(raw) >= 2 && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
			r.add(raw[1 : len(raw)-1])
			return
		}
		r.addString(scalar(raw))
	case raw[0] == '{' || raw[0] == '[':
		r.addString(scalar(raw))
	default:
		r.add(raw)
	}
}

// edgeByte: a first or last byte that bytes.TrimSpace might trim (ASCII space, or part of a
// multi-byte character, which may be a Unicode space).
func edgeByte(c byte) bool { return c >= 0x80 || asciiSpace[c] }

// scalar is an answer as one cell: numbers as written, text unquoted, null or absent empty,
// and anything else (an object or array where one value was expected) as compact JSON.
func scalar(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	if raw[0] == '"' {
		if len(raw) >= 2 && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
			return string(raw[1 : len(raw)-1])
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	if raw[0] == '{' || raw[0] == '[' {
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			return buf.String()
		}
	}
	return string(raw)
}

// multi reads a select_multiple answer: a JSON array of names (the form language) or a
// space-separated string (ODK's way). nil means not answered. The names are slices of raw
// (or of r's scratch) until the next call.
func (r *row) multi(raw []byte) (sel [][]byte, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	r.sel = r.sel[:0]
	switch raw[0] {
	case '[':
		if sel, ok := plainNames(raw, r.sel); ok {
			r.sel = sel
			return sel, true
		}
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return append(r.sel, []byte(scalar(raw))), false
		}
		for _, it := range items {
			r.sel = append(r.sel, []byte(scalar(it)))
		}
		if r.sel == nil {
			r.sel = [][]byte{} // answered, no choice: not nil
		}
		return r.sel, true
	case '"':
		if len(raw) >= 2 && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
			r.sel = appendFields(r.sel, raw[1:len(raw)-1])
			return r.sel, true
		}
		return appendFields(r.sel, []byte(scalar(raw))), true
	}
	return append(r.sel, []byte(scalar(raw))), false
}

// appendFields appends the space-separated words of b (as strings.Fields splits them).
func appendFields(sel [][]byte, b []byte) [][]byte {
	for len(b) > 0 {
		i := bytes.IndexFunc(b, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			break
		}
		b = b[i:]
		j := bytes.IndexFunc(b, unicode.IsSpace)
		if j < 0 {
			j = len(b)
		}
		sel = append(sel, b[:j:j])
		b = b[j:]
	}
	if sel == nil {
		sel = [][]byte{} // answered, no choice: not nil
	}
	return sel
}

// plainNames reads the common select_multiple answer quickly: an array of strings without
// escapes, appended to sel as slices of raw. ok is false for anything else (the caller
// decodes it in full).
func plainNames(raw []byte, sel [][]byte) (_ [][]byte, ok bool) {
	b := bytes.TrimSpace(raw[1:])
	if len(b) > 0 && b[0] == ']' {
		if sel == nil {
			sel = [][]byte{}
		}
		return sel, len(bytes.TrimSpace(b[1:])) == 0
	}
	for {
		if len(b) == 0 || b[0] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(b[1:], '"')
		if end < 0 {
			return nil, false
		}
		name := b[1 : 1+end]
		if bytes.IndexByte(name, '\\') >= 0 || !utf8.Valid(name) {
			return nil, false
		}
		sel = append(sel, name)
		b = bytes.TrimSpace(b[2+end:])
		switch {
		case len(b) == 0:
			return nil, false
		case b[0] == ',':
			b = bytes.TrimSpace(b[1:])
		case b[0] == ']':
			return sel, len(bytes.TrimSpace(b[1:])) == 0
		default:
			return nil, false
		}
	}
}

// plainGeo reads the common geopoint quickly: an object of numbers (or nulls) named lat,
// lon and accuracy exactly, each at most once. ok is false for anything else (geo reads it).
func plainGeo(raw []byte) (lat, lon, acc []byte, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, nil, nil, false
	}
	var s scanner
	s.reset(raw)
	ok = s.object(1, func(name []byte) bool {
		var at *[]byte
		switch string(name) {
		case "lat":
			at = &lat
		case "lon":
			at = &lon
		case "accuracy":
			at = &acc
		default:
			return false
		}
		if *at != nil {
			return false // twice
		}
		c := s.peek()
		if c != 'n' && c != '-' && (c < '0' || c > '9') {
			return false
		}
		v, ok := s.raw(1)
		*at = v
		return ok
	})
	s.ws()
	return lat, lon, acc, ok && s.i == len(s.b)
}

// geo reads a geopoint: {"lat":, "lon":, "accuracy":} (the form language) or ODK's
// "lat lon altitude accuracy" string.
func geo(raw json.RawMessage) (lat, lon, acc string, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", "", "", true
	}
	switch raw[0] {
	case '{':
		var g struct{ Lat, Lon, Accuracy json.RawMessage }
		if json.Unmarshal(raw, &g) == nil {
			return scalar(g.Lat), scalar(g.Lon), scalar(g.Accuracy), true
		}
	case '"':
		f := strings.Fields(scalar(raw))
		if len(f) >= 2 {
			lat, lon = f[0], f[1]
			if len(f) >= 4 {
				acc = f[3]
			}
			return lat, lon, acc, true
		}
	}
	return scalar(raw), "", "", false
}

// ISOTime turns a stored timestamp ("2006-01-02 15:04:05.000Z") into ISO 8601 in UTC,
// dropping a zero fraction; text it cannot read is kept as it is.
func ISOTime(s string) string {
	if s == "" {
		return ""
	}
	if b, ok := appendStoredTime(nil, s); ok {
		return string(b)
	}
	for _, layout := range [...]string{"2006-01-02 15:04:05.999Z07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format("2006-01-02T15:04:05.999Z07:00")
		}
	}
	return s
}

// appendStoredTime appends ISOTime(s) for the form the database stores,
// "2006-01-02 15:04:05.000Z", without time.Parse. ok is false for any other text (or a date
// that does not exist), which ISOTime then reads.
func appendStoredTime(dst []byte, s string) ([]byte, bool) {
	if len(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z' {
		return dst, false
	}
	var n [7]int // year, month, day, hour, minute, second, millisecond
	for k, f := range [...][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}, {20, 23}} {
		for i := f[0]; i < f[1]; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return dst, false
			}
			n[k] = n[k]*10 + int(c-'0')
		}
	}
	if n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > form.DaysIn(n[0], n[1]) || n[3] > 23 || n[4] > 59 || n[5] > 59 {
		return dst, false
	}
	dst = append(dst, s[:10]...)
	dst = append(dst, 'T')
	dst = append(dst, s[11:19]...)
	frac := strings.TrimRight(s[20:23], "0")
	if frac != "" {
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	return append(dst, 'Z'), true
}

func formatFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}
