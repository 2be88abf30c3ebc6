package export

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"runtime"
)

// level is a table written in the households' pass: where its rows go and the slots of its
// answers.
type level struct {
	t    *table
	w    rowWriter
	csv  *csvOut  // w when it writes CSV: rows go out as lines
	vals [][]byte // answer per part (empty = absent); a slice of own or of the scan's arena
	own  [][]byte
	pval [][]byte // the personal-data object's answers, laid over vals
	pii  [][]byte // a repeat's rows in the household's personal data (slices of Household.PII)
	none [][]byte // len(parts) empty slots
	out  row
}

func newLevel(t *table, w rowWriter) *level {
	l := &level{t: t, w: w, own: make([][]byte, len(t.parts)), pval: make([][]byte, len(t.parts)),
		none: make([][]byte, len(t.parts))}
	l.vals = l.own
	if c, ok := w.(*csvOut); ok {
		l.csv, l.out.csv = c, true
	}
	return l
}

// begin starts a row: a CSV row is built at the end of its writer's buffer.
func (l *level) begin() *row {
	l.out.reset()
	if l.csv != nil {
		l.out.line = l.csv.buf
	}
	return &l.out
}

// pass writes households.csv and the rows of every repeat from one read of the households.
// A household is read by the scanner (scan.go) when it can; else by the decoder, as before.
type pass struct {
	x     *writer
	hh    *level
	reps  map[string]*level // by repeat name
	sc    scanner
	slots [][]byte  // the answers of the household's repeat rows, as the scanner found them
	items []repItem // its repeat rows, in the order of the answers
	slow  bool      // tests: read every household with the decoder
	data  decoder   // the household's answers
	pd    decoder   // its personal data
	rowd  decoder   // one repeat row's personal data
	werr  error     // a repeat row's write error met while decoding
}

// repItem is one repeat row the scanner found: its answers are slots[at:at+len(parts)].
type repItem struct {
	r         *level
	at, line  int
	notObject bool
}

func (p *pass) household(h *Household) error {
	x, hh := p.x, p.hh
	pii := h.PII
	if !x.opt.Filter.PII {
		pii = nil // personal data is read only when the export includes it
	}
	if !p.slow && p.scan(h.Data, pii) {
		for _, it := range p.items {
			if err := p.scannedRow(h.Key, it); err != nil {
				return err
			}
		}
	} else if err := p.decode(h, pii); err != nil {
		return err
	}
	for i, v := range hh.pval {
		if len(v) > 0 {
			hh.vals[i] = v
		}
	}
	for _, a := range h.Replace {
		if i, ok := hh.t.index[a.Field]; ok && len(hh.vals[i]) > 0 {
			hh.vals[i] = a.Value
		}
	}
	o := hh.begin()
	for _, v := range [...]string{h.Key, h.UUID, h.FormID} {
		o.addString(v)
	}
	o.addInt(int64(h.Version))
	for _, v := range [...]string{h.Status, h.Enumerator, h.Team, h.DeviceID} {
		o.addString(v)
	}
	o.addTime(h.StartedAt)
	o.addTime(h.CompletedAt)
	o.addFloat(h.DurationS)
	o.addInt(h.Seq)
	o.addTime(h.Created)
	o.addTime(h.Updated)
	return x.emitLevel(hh, h.Key, 0)
}

// scan reads the household's personal data and answers with the scanner: the household's
// answers into hh.vals and hh.pval, its repeat rows into p.items. false: the scanner is not
// sure of them, nothing is written, and the decoder reads them instead.
func (p *pass) scan(data, pii []byte) bool {
	hh, sc := p.hh, &p.sc
	clearSlots(hh.vals)
	clearSlots(hh.pval)
	p.slots, p.items = p.slots[:0], p.items[:0]
	for _, r := range p.reps {
		r.pii = r.pii[:0]
	}
	if pii != nil && !sc.doc(pii, func(name []byte) bool {
		r, ok := p.member(name, hh.pval)
		if r == nil {
			return ok
		}
		r.pii = r.pii[:0] // a repeated name: the last counts
		return sc.array(2, func(int) bool {
			v, ok := sc.raw(2)
			r.pii = append(r.pii, v)
			return ok
		})
	}) {
		return false
	}
	return sc.doc(data, func(name []byte) bool {
		r, ok := p.member(name, hh.vals)
		if r == nil {
			return ok
		}
		return sc.array(2, func(i int) bool {
			it := repItem{r: r, at: len(p.slots), line: i + 1}
			p.slots = append(p.slots, r.none...)
			if sc.peek() != '{' {
				it.notObject = true
				p.items = append(p.items, it)
				return sc.value(2)
			}
			p.items = append(p.items, it)
			return p.scanRow(r, p.slots[it.at:it.at+len(r.none)])
		})
	})
}

// member reads one member of a household's document at the scanner: a household field's
// value into vals, anything else skipped, but for a repeat's list, returned with the
// scanner at it for the caller to read.
func (p *pass) member(name []byte, vals [][]byte) (*level, bool) {
	sc := &p.sc
	if i, ok := p.hh.t.index[string(name)]; ok {
		v, ok := sc.raw(1)
		vals[i] = v
		return nil, ok
	}
	if r := p.reps[string(name)]; r != nil && sc.peek() == '[' {
		return r, true
	}
	return nil, sc.value(1) // not a repeat, or a repeat that is not a list: no rows
}

// scanRow reads the repeat row object at the scanner into vals (its table's fields only).
func (p *pass) scanRow(r *level, vals [][]byte) bool {
	sc := &p.sc
	return sc.object(3, func(name []byte) bool {
		if j, ok := r.t.index[string(name)]; ok {
			v, ok := sc.raw(3)
			vals[j] = v
			return ok
		}
		return sc.value(3)
	})
}

// scannedRow writes a repeat row the scanner found, its personal data laid over it.
func (p *pass) scannedRow(key string, it repItem) error {
	r := it.r
	r.vals = p.slots[it.at : it.at+len(r.none)]
	var bad error
	if it.notObject {
		bad = errNotObject
	}
	if i := it.line - 1; i < len(r.pii) {
		switch b := r.pii[i]; {
		case string(b) == "null":
		case b[0] != '{':
			if bad == nil {
				bad = errNotObject
			}
		default:
			p.sc.reset(b)
			if !p.scanRow(r, r.vals) && bad == nil {
				bad = errNotObject // cannot happen: the scan of the personal data read it
			}
		}
	}
	return p.emitRow(r, key, it.line, bad)
}

// emitRow writes one repeat row, noting bad (its answers are not an object).
func (p *pass) emitRow(r *level, key string, line int, bad error) error {
	if bad != nil {
		p.x.problem(Problem{File: r.t.file(), Key: key, Line: line, Message: "answers are not a JSON object: " + bad.Error()})
	}
	o := r.begin()
	o.addString(key)
	o.addInt(int64(line))
	return p.x.emitLevel(r, key, line)
}

// decode reads the household with the decoder (what the scanner is not sure of) and
// writes its repeat rows as it meets them; a document it cannot read is a problem of the
// household's row, still written.
func (p *pass) decode(h *Household, pii []byte) error {
	hh := p.hh
	hh.vals = hh.own
	clearSlots(hh.vals)
	clearSlots(hh.pval)
	for _, r := range p.reps {
		r.pii = r.pii[:0]
	}
	perr := p.personal(pii)
	p.werr = nil
	derr := p.answers(h.Key, h.Data)
	if p.werr != nil {
		return p.werr // a repeat row could not be written
	}
	if derr == nil {
		derr = perr
	}
	if derr != nil {
		p.x.problem(Problem{File: hh.t.file(), Key: h.Key, Message: "answers are not a JSON object: " + derr.Error()})
	}
	return nil
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
	r.vals = r.own
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
	if err := p.emitRow(r, key, i+1, bad); err != nil {
		p.werr = err
		return err
	}
	return nil
}

// households writes households.csv and, from the same read of the households, each repeat's
// file (spooled, then copied in after households.csv).
func (x *writer) households(hh *table, reps []*table) error {
	p := &pass{x: x, reps: map[string]*level{}, slow: x.opt.decodeOnly}
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
	if x.opt.Format != FormatParquet && runtime.GOMAXPROCS(0) >= 2 {
		x.pipe = newPipe()
		defer func() {
			x.pipe.close() // before the spools close (deferred earlier, run later)
			x.pipe = nil
		}()
	}
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
