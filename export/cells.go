package export

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"strconv"
	"strings"
	"time"
)

// decoder reads a row's answers into one slot per answer field of its table. It keeps its
// buffers from row to row, reads only the fields the table has and skips the rest (a
// household's repeats, which are most of its JSON) without copying them.
type decoder struct {
	br   bytes.Reader
	dec  *jsontext.Decoder
	name []byte
	vals [][]byte // raw JSON answer per part of the table; empty = absent
}

// Stored answers come from our own ingest, but an export must not fail on one odd row:
// duplicate names keep the last, invalid UTF-8 is passed through.
var decodeOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// load replaces the slots with the answers of the data and pii objects (pii last). It returns
// an error for a value that is not a JSON object (null and empty mean no answers); what was
// read before the error is kept.
func (d *decoder) load(t *table, data, pii []byte) error {
	if cap(d.vals) < len(t.parts) {
		d.vals = make([][]byte, len(t.parts))
	}
	d.vals = d.vals[:len(t.parts)]
	for i := range d.vals {
		d.vals[i] = d.vals[i][:0]
	}
	err := d.object(t.index, data)
	if e := d.object(t.index, pii); err == nil {
		err = e
	}
	return err
}

func (d *decoder) object(index map[string]int, b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil
	}
	d.br.Reset(b)
	if d.dec == nil {
		d.dec = jsontext.NewDecoder(&d.br, decodeOptions...)
	} else {
		d.dec.Reset(&d.br, decodeOptions...)
	}
	tok, err := d.dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != '{' {
		return errors.New("not a JSON object")
	}
	for d.dec.PeekKind() != '}' {
		raw, err := d.dec.ReadValue() // the member name, quoted
		if err != nil {
			return err
		}
		d.name = d.name[:0]
		if d.name, err = jsontext.AppendUnquote(d.name, raw); err != nil {
			return err
		}
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
		d.vals[i] = append(d.vals[i][:0], v...)
	}
	_, err = d.dec.ReadToken()
	return err
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
