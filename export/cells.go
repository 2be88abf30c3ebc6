package export

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

func clearSlots(vals [][]byte) {
	for i := range vals {
		vals[i] = vals[i][:0]
	}
}

// cells appends the cells of one field's answer to row. ok is false when the answer has a
// shape the field's type does not expect; its text is then kept in the first cell so that
// nothing is lost.
func (p *part) cells(row []string, raw json.RawMessage) ([]string, bool) {
	switch p.kind {
	case cellMulti:
		sel, ok := multi(raw)
		if sel == nil {
			row = append(row, "")
			for range p.choices {
				row = append(row, "") // not answered: missing, not 0
			}
			return row, ok
		}
		row = append(row, strings.Join(sel, " "))
		for _, c := range p.choices {
			v := "0"
			for _, s := range sel {
				if s == c {
					v = "1"
					break
				}
			}
			row = append(row, v)
		}
		return row, ok
	case cellGeo:
		lat, lon, acc, ok := geo(raw)
		return append(row, lat, lon, acc), ok
	}
	return append(row, scalar(raw)), true
}

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
// space-separated string (ODK's way). nil means not answered.
func multi(raw json.RawMessage) (sel []string, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, true
	}
	switch raw[0] {
	case '[':
		if sel, ok := plainNames(raw); ok {
			return sel, true
		}
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return []string{scalar(raw)}, false
		}
		sel = make([]string, 0, len(items))
		for _, it := range items {
			sel = append(sel, scalar(it))
		}
		return sel, true
	case '"':
		return strings.Fields(scalar(raw)), true
	}
	return []string{scalar(raw)}, false
}

// plainNames reads the common select_multiple answer quickly: an array of strings without
// escapes. ok is false for anything else (the caller decodes it in full).
func plainNames(raw []byte) (sel []string, ok bool) {
	b := bytes.TrimSpace(raw[1:])
	if len(b) > 0 && b[0] == ']' {
		return []string{}, len(bytes.TrimSpace(b[1:])) == 0
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
		sel = append(sel, string(name))
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

// isoTime turns a stored timestamp ("2006-01-02 15:04:05.000Z") into ISO 8601 in UTC,
// dropping a zero fraction; text it cannot read is kept as it is.
func isoTime(s string) string {
	if s == "" {
		return ""
	}
	for _, layout := range [...]string{"2006-01-02 15:04:05.999Z07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format("2006-01-02T15:04:05.999Z07:00")
		}
	}
	return s
}

func formatFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}
