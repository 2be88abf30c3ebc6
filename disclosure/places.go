package disclosure

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"io"
)

// Places hides where people live and work in households' answers (one JSON object each) for
// a reader who may not see recorded GPS: in the rows of every repeat, nested repeats
// included, a GPS answer (an object with "lat" and "lon") becomes the PSU's displaced point,
// and the answers named in Shapes (routes and boundaries) are left out at every level. The
// household-level GPS answers are the caller's: they are known by name and replaced whole.
//
// It is the export's way (a million households in one pass): everything else is copied as it
// was stored, byte for byte and in its order, with no map of the answers made and written
// again, which took several times what the export spends on a household. The record API and
// the console, a record at a time, do the same on the decoded answers (hooks/design.go); a
// test holds the two to the same results.
//
// A Places keeps its buffers from one household to the next: one per goroutine.
type Places struct {
	InRepeats bool            // the survey has GPS answers in repeats
	Shapes    map[string]bool // its geotrace and geoshape answers, at any level

	br, pbr  bytes.Reader
	dec, pdc *jsontext.Decoder
	out      []byte
	rawName  []byte // the member's name as written, quoted (the decoder's own is valid only until its next read)
	name     []byte
	point    []byte
	changed  bool
}

// Stored answers come from our own ingest; duplicate names are each rewritten, invalid UTF-8
// is passed through (as the export's decoder does).
var placesOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// Hide returns data with the places hidden, point (a JSON object) in place of each repeat's
// GPS answer; with no point (nil or null) those answers are left out too. When nothing
// needed to change, out is data itself and changed is false. Otherwise out is valid until
// the next call. An error says data is not a JSON object: nothing of it can be shown then.
func (p *Places) Hide(data, point []byte) (out []byte, changed bool, err error) {
	doc := bytes.TrimSpace(data)
	if len(doc) == 0 || bytes.Equal(doc, []byte("null")) || (!p.InRepeats && len(p.Shapes) == 0) {
		return data, false, nil
	}
	p.point = bytes.TrimSpace(point)
	if bytes.Equal(p.point, []byte("null")) {
		p.point = nil
	}
	p.br.Reset(doc)
	if p.dec == nil {
		p.dec = jsontext.NewDecoder(&p.br, placesOptions...)
	} else {
		p.dec.Reset(&p.br, placesOptions...)
	}
	if p.dec.PeekKind() != '{' {
		return nil, false, errors.New("disclosure: answers are not a JSON object")
	}
	p.out, p.changed = p.out[:0], false
	if err := p.object(false); err != nil {
		return nil, false, fmt.Errorf("disclosure: answers: %w", err)
	}
	if _, err := p.dec.ReadToken(); err != io.EOF {
		return nil, false, errors.New("disclosure: answers: more than one JSON value")
	}
	if !p.changed {
		return data, false, nil
	}
	return p.out, true, nil
}

// object copies the object at the decoder's position: the household's answers (inRow false)
// or a repeat's row.
func (p *Places) object(inRow bool) error {
	if _, err := p.dec.ReadToken(); err != nil { // '{'
		return err
	}
	p.out = append(p.out, '{')
	first := true
	for p.dec.PeekKind() != '}' {
		raw, err := p.dec.ReadValue()
		if err != nil {
			return err
		}
		p.rawName = append(p.rawName[:0], raw...)
		if p.name, err = jsontext.AppendUnquote(p.name[:0], raw); err != nil {
			return err
		}
		if p.Shapes[string(p.name)] {
			p.changed = true
			if err := p.dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		switch p.dec.PeekKind() {
		case '[':
			p.member(&first)
			if err := p.array(); err != nil {
				return err
			}
		case '{':
			v, err := p.dec.ReadValue()
			if err != nil {
				return err
			}
			if inRow && p.InRepeats && p.isPoint(v) {
				p.changed = true
				if p.point == nil {
					continue
				}
				v = p.point
			}
			p.member(&first)
			p.out = append(p.out, v...)
		default:
			v, err := p.dec.ReadValue()
			if err != nil {
				return err
			}
			p.member(&first)
			p.out = append(p.out, v...)
		}
	}
	if _, err := p.dec.ReadToken(); err != nil { // '}'
		return err
	}
	p.out = append(p.out, '}')
	return nil
}

// member writes the name just read, after a comma unless it is the object's first.
func (p *Places) member(first *bool) {
	if !*first {
		p.out = append(p.out, ',')
	}
	*first = false
	p.out = append(p.out, p.rawName...)
	p.out = append(p.out, ':')
}

// array copies an array: its objects are a repeat's rows, anything else is copied as it is.
func (p *Places) array() error {
	if _, err := p.dec.ReadToken(); err != nil { // '['
		return err
	}
	p.out = append(p.out, '[')
	for i := 0; p.dec.PeekKind() != ']'; i++ {
		if i > 0 {
			p.out = append(p.out, ',')
		}
		if p.dec.PeekKind() == '{' {
			if err := p.object(true); err != nil {
				return err
			}
			continue
		}
		v, err := p.dec.ReadValue()
		if err != nil {
			return err
		}
		p.out = append(p.out, v...)
	}
	if _, err := p.dec.ReadToken(); err != nil { // ']'
		return err
	}
	p.out = append(p.out, ']')
	return nil
}

// isPoint says whether the object v has members "lat" and "lon": a GPS answer.
func (p *Places) isPoint(v []byte) bool {
	p.pbr.Reset(v)
	if p.pdc == nil {
		p.pdc = jsontext.NewDecoder(&p.pbr, placesOptions...)
	} else {
		p.pdc.Reset(&p.pbr, placesOptions...)
	}
	if _, err := p.pdc.ReadToken(); err != nil {
		return false
	}
	lat, lon := false, false
	for p.pdc.PeekKind() != '}' {
		raw, err := p.pdc.ReadValue()
		if err != nil {
			return false
		}
		if p.name, err = jsontext.AppendUnquote(p.name[:0], raw); err != nil {
			return false
		}
		switch string(p.name) {
		case "lat":
			lat = true
		case "lon":
			lon = true
		}
		if err := p.pdc.SkipValue(); err != nil {
			return false
		}
	}
	return lat && lon
}
