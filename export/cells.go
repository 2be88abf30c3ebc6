package export

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// answers holds one row's answers, keyed by field name, as raw JSON; it is reused row after
// row so that decoding does not allocate a new map each time.
type answers map[string]json.RawMessage

// load replaces the answers with those of the data and pii objects. It returns an error for
// a value that is not a JSON object (null and empty are no answers).
func (a answers) load(data, pii []byte) error {
	clear(a)
	var err error
	for _, b := range [2][]byte{data, pii} {
		b = bytes.TrimSpace(b)
		if len(b) == 0 || bytes.Equal(b, []byte("null")) {
			continue
		}
		if e := json.Unmarshal(b, (*map[string]json.RawMessage)(&a)); e != nil && err == nil {
			err = e
		}
	}
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
