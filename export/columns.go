package export

import "strconv"

// How a column is read by Stata's import delimited (labels.do forces the type so that a
// column of codes does not change type with the data of one export).
type importAs uint8

const (
	asAuto    importAs = iota // let Stata guess (calculates: number or text)
	asString                  // text, ids, dates, text-coded choices
	asNumeric                 // numbers, whole-number choice codes, 0/1 dummies, coordinates
)

// After import, labels.do turns some text columns into Stata values.
type convert uint8

const (
	convNone   convert = iota
	convDate           // YYYY-MM-DD to a %td date
	convTime           // ISO 8601 timestamp to a %tc datetime (UTC)
	convEncode         // text choice code to its numeric code (see codebook stata_value)
)

// column is one CSV column.
type column struct {
	name   string // CSV header
	stata  string // Stata variable name (name, made valid and unique)
	label  string
	typ    string // codebook type
	field  string // answer field it comes from, "" for record columns
	list   string // choice list whose value label applies (select_one, select_multiple)
	choice string // the choice of a 0/1 column
	as     importAs
	conv   convert
	dummy  bool // a 0/1 column of a select_multiple choice
}

// cellKind says how a field's answer becomes cells.
type cellKind uint8

const (
	cellScalar cellKind = iota // one cell: the value as is
	cellMulti                  // select_multiple: names, then one 0/1 cell per choice
	cellGeo                    // geopoint: lat, lon, accuracy
)

// part is one answer field of a table and the cells it makes.
type part struct {
	field     string
	sensitive bool
	kind      cellKind
	choices   []string // select_multiple: the 0/1 columns, in list order
}

// table is one CSV file: record columns, then the answer columns of its fields.
type table struct {
	name   string // households, members, emigrants, reviews (the file is name + ".csv")
	repeat string // for a repeat's table
	cols   []column
	nrec   int // leading record columns
	parts  []part
	index  map[string]int // answer field -> its part
	rows   int64
	nm     *namer
	ext    string // ".csv" (when empty) or ".parquet"
}

func (t *table) file() string {
	if t.ext != "" {
		return t.name + t.ext
	}
	return t.name + ".csv"
}

func (t *table) header() []string {
	h := make([]string, len(t.cols))
	for i, c := range t.cols {
		h[i] = c.name
	}
	return h
}

// namer hands out CSV names and Stata names that are unique within one table.
type namer struct {
	csv, stata map[string]bool
}

func newNamer() *namer { return &namer{csv: map[string]bool{}, stata: map[string]bool{}} }

func (n *namer) add(t *table, c column) {
	c.name = uniqueName(c.name, n.csv)
	c.stata = stataName(c.name, n.stata)
	t.cols = append(t.cols, c)
}

// uniqueName returns name, or name_2, name_3 ... when taken (a field named like a record column).
func uniqueName(name string, used map[string]bool) string {
	out := name
	for i := 2; used[out]; i++ {
		out = name + "_" + strconv.Itoa(i)
	}
	used[out] = true
	return out
}

var householdRecord = []column{
	{name: "key", label: "Submission key (join key of every file)", typ: "id", as: asString},
	{name: "uuid", label: "Interview id given by the device", typ: "id", as: asString},
	{name: "form_id", label: "Survey", typ: "text", as: asString},
	{name: "version", label: "Survey version", typ: "integer", as: asNumeric},
	{name: "status", label: "Review status", typ: "text", as: asString},
	{name: "enumerator", label: "Enumerator (user id)", typ: "id", as: asString},
	{name: "team", label: "Team (team id)", typ: "id", as: asString},
	{name: "device_id", label: "Device", typ: "text", as: asString},
	{name: "started_at", label: "Interview started (UTC)", typ: "datetime", as: asString, conv: convTime},
	{name: "completed_at", label: "Interview completed (UTC)", typ: "datetime", as: asString, conv: convTime},
	{name: "duration_s", label: "Interview duration (seconds)", typ: "decimal", as: asNumeric},
	{name: "seq", label: "Change number of the last status change (export cursor)", typ: "integer", as: asNumeric},
	{name: "created", label: "Received by the server (UTC)", typ: "datetime", as: asString, conv: convTime},
	{name: "updated", label: "Last updated on the server (UTC)", typ: "datetime", as: asString, conv: convTime},
}

var repeatRecord = []column{
	{name: "key", label: "Submission key (joins households.csv)", typ: "id", as: asString},
	{name: "line", label: "Line number in the repeat", typ: "integer", as: asNumeric},
}

// reviewColumns are the audit trail's columns; actor_name only with personal data, as the
// other files identify staff by record id.
func reviewColumns(pii bool) []column {
	cols := []column{
		{name: "key", label: "Submission key (joins households.csv)", typ: "id", as: asString},
		{name: "review_id", label: "Audit record id", typ: "id", as: asString},
		{name: "created", label: "When (UTC)", typ: "datetime", as: asString, conv: convTime},
		{name: "actor", label: "Who (user id)", typ: "id", as: asString},
	}
	if pii {
		cols = append(cols, column{name: "actor_name", label: "Who (name)", typ: "text", as: asString})
	}
	return append(cols,
		column{name: "role", label: "Role of who acted", typ: "text", as: asString},
		column{name: "from", label: "Status before", typ: "text", as: asString},
		column{name: "to", label: "Status after", typ: "text", as: asString},
		column{name: "action", label: "Action", typ: "text", as: asString},
		column{name: "note", label: "Reviewer's note", typ: "text", as: asString},
		column{name: "duplicate_of", label: "Kept submission (for a duplicate)", typ: "id", as: asString},
	)
}

var withdrawnColumns = []column{
	{name: "key", label: "Submission key of a household to drop from earlier exports", typ: "id", as: asString},
	{name: "seq", label: "Change number of the change that withdrew it", typ: "integer", as: asNumeric},
}

// layout builds the tables of an export: households, one per repeat, reviews.
func layout(s *Schema, pii bool) (hh *table, reps []*table, rev *table) {
	hh = newTable("households", "", householdRecord)
	s.answerColumns(hh, "", pii)
	taken := map[string]bool{"households": true, "reviews": true, "withdrawn": true, "codebook": true}
	for _, r := range s.Repeats {
		name := r
		if taken[name] || !safeFileName(name) {
			name = "repeat_" + strconv.Itoa(len(reps)+1)
		}
		taken[name] = true
		t := newTable(name, r, repeatRecord)
		s.answerColumns(t, r, pii)
		reps = append(reps, t)
	}
	rev = newTable("reviews", "", reviewColumns(pii))
	s.labelCoded(append([]*table{hh, rev}, reps...)...)
	return hh, reps, rev
}

func newTable(name, repeat string, record []column) *table {
	t := &table{name: name, repeat: repeat, index: map[string]int{}}
	t.nm = newNamer()
	for _, c := range record {
		t.nm.add(t, c)
	}
	t.nrec = len(t.cols)
	return t
}

// safeFileName keeps a repeat's file name to plain characters inside the ZIP.
func safeFileName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
