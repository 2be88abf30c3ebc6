package export

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Export formats (Options.Format).
const (
	FormatCSV     = "csv"
	FormatParquet = "parquet"
)

// parquetRowGroup bounds the rows a Parquet writer buffers before it writes them out: the
// export's memory stays that of a few thousand rows, whatever the survey's size.
const parquetRowGroup = 8192

// Metadata keys of each Parquet file (the file footer's key-value metadata).
const (
	ParquetCodebookKey = "fieldbase.codebook" // JSON: the file's columns, labels and value labels
	ParquetSurveyKey   = "fieldbase.survey"   // form_id and version, e.g. "mhs v1"
)

// ParquetColumn is one column in the codebook metadata of a Parquet file.
type ParquetColumn struct {
	Name    string          `json:"name"`
	Label   string          `json:"label"`
	Type    string          `json:"type"` // the codebook type (integer, select_one, datetime …)
	Field   string          `json:"field,omitempty"`
	List    string          `json:"list,omitempty"`
	Choice  string          `json:"choice,omitempty"` // the choice of a 0/1 column
	Choices []ParquetChoice `json:"choices,omitempty"`
}

// ParquetChoice is one value label of a choice column.
type ParquetChoice struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// parquetKind is how a column's cells are typed in Parquet.
type parquetKind uint8

const (
	pqString parquetKind = iota
	pqInt64
	pqDouble
	pqTimestamp // ISO 8601 UTC, as ISOTime writes it
	pqDate      // YYYY-MM-DD
)

func parquetKindOf(c column) parquetKind {
	switch {
	case c.conv == convTime:
		return pqTimestamp
	case c.conv == convDate:
		return pqDate
	case c.as != asNumeric:
		return pqString
	case c.typ == "integer" || c.typ == "binary" || c.typ == "select_one":
		return pqInt64 // whole numbers: counts, 0/1 dummies, numeric choice codes
	}
	return pqDouble
}

func (k parquetKind) node() parquet.Node {
	switch k {
	case pqInt64:
		return parquet.Int(64)
	case pqDouble:
		return parquet.Leaf(parquet.DoubleType)
	case pqTimestamp:
		return parquet.TimestampAdjusted(parquet.Millisecond, true)
	case pqDate:
		return parquet.Date()
	}
	return parquet.String()
}

// orderedGroup is a Parquet group whose fields keep the table's column order (parquet.Group
// sorts them by name).
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func (g *orderedGroup) Fields() []parquet.Field { return g.fields }

type namedField struct {
	parquet.Node
	name string
}

func (f *namedField) Name() string                           { return f.name }
func (f *namedField) Value(base reflect.Value) reflect.Value { return reflect.Value{} }

// parquetTable writes one table as a Parquet file: every column optional (an empty cell is
// null), typed by parquetKindOf.
type parquetTable struct {
	x     *writer
	t     *table
	w     *parquet.Writer
	kinds []parquetKind
	rows  []parquet.Row
	buf   []parquet.Value // backing store of rows
}

func (x *writer) newParquetTable(out io.Writer, t *table) (*parquetTable, error) {
	g := &orderedGroup{Group: parquet.Group{}}
	p := &parquetTable{x: x, t: t}
	meta := make([]ParquetColumn, len(t.cols))
	for i, c := range t.cols {
		k := parquetKindOf(c)
		p.kinds = append(p.kinds, k)
		n := parquet.Optional(k.node())
		g.Group[c.name] = n
		g.fields = append(g.fields, &namedField{Node: n, name: c.name})
		meta[i] = ParquetColumn{Name: c.name, Label: c.label, Type: c.typ, Field: c.field, List: c.list, Choice: c.choice}
		if c.list != "" && !c.dummy {
			for _, ch := range x.s.Lists[c.list] {
				meta[i].Choices = append(meta[i].Choices, ParquetChoice{Value: ch.Name, Label: ch.Label})
			}
		}
	}
	codebook, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	cfg, err := parquet.NewWriterConfig(
		parquet.NewSchema(t.name, g),
		parquet.Compression(&parquet.Zstd),
		parquet.MaxRowsPerRowGroup(parquetRowGroup),
		parquet.KeyValueMetadata(ParquetCodebookKey, string(codebook)),
		parquet.KeyValueMetadata(ParquetSurveyKey, fmt.Sprintf("%s v%d", x.s.FormID, x.s.Version)),
		parquet.CreatedBy("fieldbase", "", ""),
	)
	if err != nil {
		return nil, fmt.Errorf("parquet schema of %s: %w", t.name, err)
	}
	p.w = parquet.NewWriter(out, cfg)
	return p, nil
}

// Write takes one row of cells (the CSV writer's input) and types them.
func (p *parquetTable) Write(cells []string) error {
	if len(cells) != len(p.kinds) {
		return fmt.Errorf("parquet %s: a row of %d cells for %d columns", p.t.name, len(cells), len(p.kinds))
	}
	start := len(p.buf)
	for i, cell := range cells {
		v, ok := p.value(p.kinds[i], cell)
		if !ok {
			p.x.problem(Problem{File: p.t.file(), Key: cells[0], Field: p.t.cols[i].name,
				Message: fmt.Sprintf("%q is not a value of the column's type; written as null", cell)})
		}
		p.buf = append(p.buf, v.Level(0, defLevel(v), i))
	}
	p.rows = append(p.rows, parquet.Row(p.buf[start:len(p.buf):len(p.buf)]))
	if len(p.rows) >= 512 {
		return p.flush()
	}
	return nil
}

func defLevel(v parquet.Value) int {
	if v.IsNull() {
		return 0
	}
	return 1
}

func (p *parquetTable) value(k parquetKind, cell string) (parquet.Value, bool) {
	if cell == "" {
		return parquet.NullValue(), true
	}
	switch k {
	case pqInt64:
		n, err := strconv.ParseInt(cell, 10, 64)
		if err != nil {
			return parquet.NullValue(), false
		}
		return parquet.Int64Value(n), true
	case pqDouble:
		f, err := strconv.ParseFloat(cell, 64)
		if err != nil {
			return parquet.NullValue(), false
		}
		return parquet.DoubleValue(f), true
	case pqTimestamp:
		t, err := time.Parse(time.RFC3339Nano, cell)
		if err != nil {
			return parquet.NullValue(), false
		}
		return parquet.Int64Value(t.UnixMilli()), true
	case pqDate:
		t, err := time.Parse(time.DateOnly, cell)
		if err != nil {
			return parquet.NullValue(), false
		}
		return parquet.Int32Value(int32(t.Unix() / 86400)), true
	}
	return parquet.ByteArrayValue([]byte(cell)), true
}

func (p *parquetTable) flush() error {
	if len(p.rows) == 0 {
		return nil
	}
	if _, err := p.w.WriteRows(p.rows); err != nil {
		return fmt.Errorf("parquet %s: %w", p.t.name, err)
	}
	p.rows, p.buf = p.rows[:0], p.buf[:0]
	return nil
}

func (p *parquetTable) close() error {
	if err := p.flush(); err != nil {
		return err
	}
	return p.w.Close()
}

// parquetFile writes one table as a Parquet file of the ZIP (stored: Parquet compresses
// its pages itself).
func (x *writer) parquetFile(t *table, fill func(rowWriter) error) error {
	return x.entry(t.file(), zip.Store, func(w io.Writer) error {
		p, err := x.newParquetTable(w, t)
		if err != nil {
			return err
		}
		err = fill(p)
		if err == nil {
			err = p.close()
		}
		x.m.Counts[t.file()] = t.rows
		x.progress(t, true)
		return err
	})
}
