package export

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// level is a table written in the households' pass: where its rows go and the slots of its
// answers.
type level struct {
	t    *table
	w    rowWriter
	vals [][]byte // answer per part (empty = absent)
	pval [][]byte // the personal-data object's answers, laid over vals
	pii  [][]byte // a repeat's rows in the household's personal data (slices of Household.PII)
	row  []string
}

func newLevel(t *table, w rowWriter) *level {
	return &level{t: t, w: w, vals: make([][]byte, len(t.parts)), pval: make([][]byte, len(t.parts))}
}

// pass writes households.csv and the rows of every repeat from one read of the households.
type pass struct {
	x    *writer
	hh   *level
	reps map[string]*level // by repeat name
	data decoder           // the household's answers
	pd   decoder           // its personal data
	rowd decoder           // one repeat row's personal data
}

func (p *pass) household(h *Household) error {
	x, hh := p.x, p.hh
	pii := h.PII
	if !x.opt.Filter.PII {
		pii = nil // personal data is read only when the export includes it
	}
	clearSlots(hh.vals)
	clearSlots(hh.pval)
	for _, r := range p.reps {
		r.pii = r.pii[:0]
	}
	perr := p.personal(pii)
	derr := p.answers(h.Key, h.Data)
	if derr == nil {
		derr = perr
	}
	if derr != nil {
		x.problem(Problem{File: hh.t.file(), Key: h.Key, Message: "answers are not a JSON object: " + derr.Error()})
	}
	for i, v := range hh.pval {
		if len(v) > 0 {
			hh.vals[i] = append(hh.vals[i][:0], v...)
		}
	}
	for _, a := range h.Replace {
		if i, ok := hh.t.index[a.Field]; ok && len(hh.vals[i]) > 0 {
			hh.vals[i] = append(hh.vals[i][:0], a.Value...)
		}
	}
	hh.row = append(hh.row[:0], h.Key, h.UUID, h.FormID, strconv.Itoa(h.Version), h.Status, h.Enumerator, h.Team,
		h.DeviceID, isoTime(h.StartedAt), isoTime(h.CompletedAt), formatFloat(h.DurationS),
		strconv.FormatInt(h.Seq, 10), isoTime(h.Created), isoTime(h.Updated))
	return x.emitLevel(hh, h.Key, 0)
}

// personal reads the household's personal data: its own answers into hh.pval, and where
// each repeat row's are.
func (p *pass) personal(pii []byte) error {
	d := &p.pd
	return p.walk(d, pii, p.hh.pval, func(r *level) error {
		r.pii = r.pii[:0] // a repeated name: the last counts
		return d.items(func(int) error {
			v, err := d.dec.ReadValue()
			if err != nil {
				return err
			}
			end := int(d.dec.InputOffset())
			r.pii = append(r.pii, d.doc[end-len(v):end])
			return nil
		})
	})
}

// answers reads the household's answers into hh.vals and writes the row of each repeat
// item as it is met.
func (p *pass) answers(key string, data []byte) error {
	d := &p.data
	return p.walk(d, data, p.hh.vals, func(r *level) error {
		return d.items(func(i int) error { return p.repeatRow(r, key, i) })
	})
}

// walk reads one object of a household (its answers or its personal data): a household
// field's value into vals, each repeat met handed to repeat (the decoder at its list), any
// other member skipped.
func (p *pass) walk(d *decoder, doc []byte, vals [][]byte, repeat func(*level) error) error {
	if ok, err := d.open(doc); !ok {
		return err
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return err
	}
	for d.member() {
		if i, ok := p.hh.t.index[string(d.name)]; ok {
			v, err := d.dec.ReadValue()
			if err != nil {
				return err
			}
			vals[i] = append(vals[i][:0], v...)
			continue
		}
		r := p.reps[string(d.name)]
		if r == nil {
			if err := d.dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		if err := repeat(r); err != nil {
			return err
		}
	}
	_, err := d.dec.ReadToken()
	return err
}

var errNotObject = errors.New("not a JSON object")

// repeatRow reads item i of a repeat (the data decoder is at it) and writes its row.
func (p *pass) repeatRow(r *level, key string, i int) error {
	d := &p.data
	clearSlots(r.vals)
	var bad error
	if d.dec.PeekKind() == '{' {
		if err := d.into(r.t.index, r.vals); err != nil {
			return err // the household's answers are unreadable from here on
		}
	} else {
		if err := d.dec.SkipValue(); err != nil {
			return err
		}
		bad = errNotObject
	}
	if i < len(r.pii) {
		if err := p.rowd.object(r.t.index, r.vals, r.pii[i]); err != nil && bad == nil {
			bad = err
		}
	}
	line := i + 1
	if bad != nil {
		p.x.problem(Problem{File: r.t.file(), Key: key, Line: line, Message: "answers are not a JSON object: " + bad.Error()})
	}
	r.row = append(r.row[:0], key, strconv.Itoa(line))
	return p.x.emitLevel(r, key, line)
}

// households writes households.csv and, from the same read of the households, each repeat's
// file (spooled, then copied in after households.csv).
func (x *writer) households(hh *table, reps []*table) error {
	p := &pass{x: x, reps: map[string]*level{}}
	method := uint16(zip.Deflate)
	if x.opt.Format == FormatParquet {
		method = zip.Store
	}
	type out struct {
		t     *table
		sp    *spool
		close func() error // ends the table's file in the spool
	}
	outs := make([]*out, 0, len(reps))
	defer func() {
		for _, o := range outs {
			o.sp.close()
		}
	}()
	for _, t := range reps {
		sp, err := newSpool(x.opt.TempDir, method)
		if err != nil {
			return fmt.Errorf("export: %s: %w", t.file(), err)
		}
		o := &out{t: t, sp: sp}
		outs = append(outs, o)
		w, closeTable, err := x.tableWriter(sp, t)
		if err != nil {
			return fmt.Errorf("export: %s: %w", t.file(), err)
		}
		o.close = closeTable
		p.reps[t.repeat] = newLevel(t, w)
	}
	if err := x.tableFile(hh, func(cw rowWriter) error {
		p.hh = newLevel(hh, cw)
		return x.readAhead(p.household)
	}); err != nil {
		return err
	}
	for _, o := range outs {
		if err := o.close(); err != nil {
			return fmt.Errorf("export: %s: %w", o.t.file(), err)
		}
		if err := o.sp.copyTo(x.zw, &zip.FileHeader{Name: o.t.file(), Modified: x.now}); err != nil {
			return fmt.Errorf("export: %s: %w", o.t.file(), err)
		}
		x.m.Counts[o.t.file()] = o.t.rows
		x.progress(o.t, true)
		x.m.Files = append(x.m.Files, o.t.file())
	}
	return nil
}

// tableWriter starts one table's file on w (its header) and returns where its rows go and
// the function that ends the file.
func (x *writer) tableWriter(w io.Writer, t *table) (rowWriter, func() error, error) {
	if x.opt.Format == FormatParquet {
		pt, err := x.newParquetTable(w, t)
		if err != nil {
			return nil, nil, err
		}
		return pt, pt.close, nil
	}
	cw, end, err := x.csvWriter(w, t)
	return cw, end, err
}
