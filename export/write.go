package export

import (
	"archive/zip"
	"compress/flate"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Filter says which households an export holds; it is written to the manifest and the audit.
type Filter struct {
	Survey string   `json:"survey"`
	Status []string `json:"status"`
	Since  *int64   `json:"since"`           // only households with seq > Since; nil = all
	Teams  []string `json:"teams,omitempty"` // only these teams (a supervisor's export)
	PII    bool     `json:"pii"`             // sensitive fields included
}

// Options of an export.
type Options struct {
	Filter Filter
	Cursor int64 // the change number the export is complete up to: the next Since
	BOM    bool  // UTF-8 byte order mark at the start of each CSV, for Excel
	// Format is FormatCSV (the default: CSV files and Stata's labels.do) or FormatParquet
	// (typed Parquet files, the codebook's labels in each file's metadata).
	Format string
	Now    time.Time // generated_at; zero means time.Now()
	// TempDir is where the repeats' files wait while the households are read (the
	// system's temporary directory when empty); they are unlinked at once.
	TempDir string
	// Progress, when set, is called every few thousand rows and when a file is done.
	Progress func(file string, rows int64, done bool)

	decodeOnly bool // tests: every household read by the decoder, none by the scanner
}

// Manifest is manifest.json: what the export holds and where the next one starts.
type Manifest struct {
	Survey       string           `json:"survey"`
	Version      int              `json:"version"`
	Title        string           `json:"title"`
	GeneratedAt  string           `json:"generated_at"`
	Cursor       int64            `json:"cursor"`
	Filter       Filter           `json:"filter"`
	Files        []string         `json:"files"`
	Counts       map[string]int64 `json:"counts"` // data rows per CSV file
	Withheld     []string         `json:"withheld"`
	BOM          bool             `json:"bom"`
	ProblemCount int              `json:"problem_count"`
	Problems     []Problem        `json:"problems,omitempty"` // the first maxProblems
}

// Problem is an answer the export could not read as its type says; the row is still written.
type Problem struct {
	File    string `json:"file"`
	Key     string `json:"key"`
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

const (
	maxProblems   = 100
	progressEvery = 5000
)

// Write streams the export of src to w as a ZIP. The returned manifest holds the counts so
// far even when Write fails (for the audit record of an interrupted export).
func Write(w io.Writer, s *Schema, src Source, opt Options) (*Manifest, error) {
	if s == nil || src == nil {
		return nil, errors.New("export: no survey or no source")
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	hh, reps, rev := layout(s, opt.Filter.PII)
	parquet := opt.Format == FormatParquet
	if opt.Format != "" && opt.Format != FormatCSV && !parquet {
		return nil, fmt.Errorf("export: unknown format %q (csv or parquet)", opt.Format)
	}
	if parquet {
		for _, t := range append(append([]*table{hh}, reps...), rev) {
			t.ext = ".parquet"
		}
	}
	m := &Manifest{Survey: s.FormID, Version: s.Version, Title: s.Title, Cursor: opt.Cursor, Filter: opt.Filter,
		GeneratedAt: now.Format(time.RFC3339), Counts: map[string]int64{}, BOM: opt.BOM, Withheld: []string{}}
	if !opt.Filter.PII {
		m.Withheld = append(m.Withheld, s.Withheld()...)
	}
	x := &writer{source: src, zw: zip.NewWriter(w), opt: opt, now: now, m: m, s: s}
	// Deflate at its fastest level: these CSVs shrink about 5.5x instead of 7x, in less
	// than half the time of the default level.
	x.zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	err := x.all(s, hh, reps, rev)
	if err != nil {
		return m, err
	}
	return m, x.zw.Close()
}

type writer struct {
	s      *Schema
	source Source
	zw     *zip.Writer
	opt    Options
	now    time.Time
	m      *Manifest
	row    []string
	pipe   *pipe // during the households' pass: their files are compressed in a goroutine
}

// rowWriter takes the cells of one row of a table's columns (a CSV writer, a Parquet table).
type rowWriter interface{ Write(row []string) error }

// tableFile writes one table in the export's format.
func (x *writer) tableFile(t *table, fill func(rowWriter) error) error {
	if x.opt.Format == FormatParquet {
		return x.parquetFile(t, fill)
	}
	return x.csvFile(t, fill)
}

func (x *writer) all(s *Schema, hh *table, reps []*table, rev *table) error {
	ahead, err := x.startReviews(rev)
	if err != nil {
		return err
	}
	defer ahead.close()
	if err := x.households(hh, reps); err != nil {
		return err
	}
	if ahead != nil {
		err = ahead.finish()
	} else {
		err = x.tableFile(rev, func(cw rowWriter) error {
			return x.source.Reviews(func(r *Review) error { return x.review(cw, rev, r) })
		})
	}
	if err != nil {
		return err
	}
	tables := append(append([]*table{hh}, reps...), rev)
	if x.opt.Filter.Since != nil {
		wd := newTable("withdrawn", "", withdrawnColumns)
		wd.ext = hh.ext
		if err := x.tableFile(wd, func(cw rowWriter) error {
			return x.source.Withdrawn(func(w *Withdrawn) error {
				x.row = append(x.row[:0], w.Key, strconv.FormatInt(w.Seq, 10))
				return x.emit(cw, wd)
			})
		}); err != nil {
			return err
		}
		tables = append(tables, wd)
	}
	if err := x.file("codebook.csv", func(w io.Writer) error { return writeCodebook(w, s, tables, x.opt.BOM) }); err != nil {
		return err
	}
	if x.opt.Format != FormatParquet { // Stata reads the CSV files, not Parquet
		if err := x.file("labels.do", func(w io.Writer) error { return writeDoFile(w, s, tables, x.m) }); err != nil {
			return err
		}
	}
	x.m.Files = append(x.m.Files, "manifest.json")
	return x.file("manifest.json", func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(x.m)
	})
}

func (x *writer) file(name string, fn func(io.Writer) error) error {
	return x.entry(name, zip.Deflate, fn)
}

// entry is one file of the ZIP; Parquet files are stored, being compressed inside.
func (x *writer) entry(name string, method uint16, fn func(io.Writer) error) error {
	w, err := x.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: x.now})
	if err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
	if err := fn(w); err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
	if name != "manifest.json" {
		x.m.Files = append(x.m.Files, name)
	}
	return nil
}

// csvFile writes one table: BOM (if asked), header, then the rows fill gives it.
func (x *writer) csvFile(t *table, fill func(rowWriter) error) error {
	return x.file(t.file(), func(w io.Writer) error { return x.csvTo(w, t, fill) })
}

func (x *writer) csvTo(w io.Writer, t *table, fill func(rowWriter) error) error {
	cw, end, err := x.csvWriter(w, t)
	if err == nil {
		if err = fill(cw); err == nil {
			err = end()
		}
	}
	x.m.Counts[t.file()] = t.rows
	x.progress(t, true)
	return err
}

// csvWriter starts a CSV file of t on w (BOM if asked, header) and returns its writer and
// the function that flushes it.
func (x *writer) csvWriter(w io.Writer, t *table) (*csvOut, func() error, error) {
	var s sink = syncSink{w}
	if x.pipe != nil {
		s = x.pipe.sink(w)
	}
	cw := newCSVOut(s) // RFC 4180, as encoding/csv with UseCRLF
	if x.opt.BOM {
		cw.buf = append(cw.buf, "\uFEFF"...)
	}
	if err := cw.Write(t.header()); err != nil {
		return nil, nil, err
	}
	return cw, cw.flush, nil
}

// emit writes a row and counts it.
func (x *writer) emit(cw rowWriter, t *table) error {
	if err := cw.Write(x.row); err != nil {
		return err
	}
	x.count(t)
	return nil
}

func (x *writer) count(t *table) {
	t.rows++
	if t.rows%progressEvery == 0 {
		x.progress(t, false)
	}
}

func (x *writer) progress(t *table, done bool) {
	if x.opt.Progress != nil {
		x.opt.Progress(t.file(), t.rows, done)
	}
}

func (x *writer) review(cw rowWriter, t *table, r *Review) error {
	x.row = x.reviewCells(x.row[:0], r)
	return x.emit(cw, t)
}

// reviewCells appends the cells of an audit record to row.
func (x *writer) reviewCells(row []string, r *Review) []string {
	row = append(row, r.Key, r.ID, ISOTime(r.Created), r.Actor)
	if x.opt.Filter.PII {
		row = append(row, r.ActorName)
	}
	return append(row, r.Role, r.From, r.To, r.Action, r.Note, r.DuplicateOf)
}

// emitLevel appends the answer cells of a row of the households' pass to its record cells
// (l.out) and writes it.
func (x *writer) emitLevel(l *level, key string, line int) error {
	t := l.t
	for i := range t.parts {
		p := &t.parts[i]
		if p.sensitive && !x.opt.Filter.PII {
			continue // never laid out without PII; checked again here on purpose
		}
		if !p.cells(&l.out, l.vals[i]) {
			x.problem(Problem{File: t.file(), Key: key, Line: line, Field: p.field, Message: "the answer does not have the shape of its type; kept as text in the first column"})
		}
	}
	var err error
	if l.csv != nil {
		err = l.csv.end(l.out.line)
	} else {
		err = l.w.Write(l.out.cells)
	}
	if err != nil {
		return err
	}
	x.count(t)
	return nil
}

func (x *writer) problem(p Problem) {
	x.m.ProblemCount++
	if len(x.m.Problems) < maxProblems {
		x.m.Problems = append(x.m.Problems, p)
	}
}
