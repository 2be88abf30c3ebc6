package form

import "sync"

// Survey is a loaded, compiled survey definition. It is immutable after
// Load and safe for concurrent use (Validate and Expr.Eval keep their
// state on the stack of the caller).
type Survey struct {
	FormID   string
	Version  int
	Title    string
	Settings Settings

	rows    []*Field // every survey row, in order (groups, notes, repeats too)
	fields  []*Field // answer fields (questions and calculates), in order
	byName  map[string]*Field
	lists   map[string]*choiceList
	repeats []*Field
	checks  []*Check

	hhSlots int      // number of household-level answer slots
	plan    []*Field // household-level fields and repeats in evaluation order

	pool sync.Pool // *vstate, reused by Validate
}

// Settings is the settings sheet.
type Settings struct {
	FormID          string `json:"form_id"`
	Version         int    `json:"version"`
	Title           string `json:"title"`
	DefaultLanguage string `json:"default_language"`
	FieldworkStart  string `json:"fieldwork_start"` // YYYY-MM-DD, "" if not set
	Country         string `json:"country"`         // ISO 3166-1 alpha-3, "" if not set
}

// Field is one named row of the survey sheet: a question, a calculate, a
// note, a group or a repeat.
type Field struct {
	Name      string
	Label     string
	Type      string // integer, decimal, text, date, geopoint, select_one, select_multiple, calculate, note, group, repeat
	List      string // choice list of a select_one/select_multiple
	Repeat    string // name of the enclosing repeat, "" at household level
	Group     string // name of the innermost enclosing group, ""
	Required  bool
	Sensitive bool
	Row       int // 1-based row in the survey sheet

	Relevant          string
	Constraint        string
	ConstraintMessage string
	Calculation       string
	RepeatCount       string
	ChoiceFilter      string

	kind   fieldKind
	ord    int    // index in Survey.rows (document order)
	slot   int    // index of the answer in its household or row slots
	repeat *Field // enclosing repeat
	parent *Field // innermost enclosing group or repeat

	// For repeats.
	repIdx  int
	sub     []*Field // answer fields of the repeat, in order
	plan    []*Field // answer fields in evaluation order
	nslots  int
	hasCalc bool // a calculate inside: rows are copied into Result.Data

	relevant   []*Expr // own relevance and enclosing groups' (all must hold)
	constraint *Expr
	calc       *Expr
	count      *Expr
	filter     *Expr
	list       *choiceList
}

type fieldKind uint8

const (
	kInteger fieldKind = iota
	kDecimal
	kText
	kDate
	kGeopoint
	kSelectOne
	kSelectMultiple
	kCalculate
	kNote
	kGroup
	kRepeat
)

// hasAnswer reports whether the field holds a value in the answers.
func (f *Field) hasAnswer() bool { return f.kind <= kCalculate }

// Choice is one row of the choices sheet.
type Choice struct {
	Name  string
	Label string
	Extra map[string]string // other columns, usable in choice_filter
}

type choiceList struct {
	name    string
	choices []Choice
	index   map[string]int
}

// has reports whether name is a choice of the list. Short lists (yes/no,
// sex) are scanned: faster than hashing the string.
func (l *choiceList) has(name string) bool {
	if len(l.choices) <= 8 {
		for i := range l.choices {
			if l.choices[i].Name == name {
				return true
			}
		}
		return false
	}
	_, ok := l.index[name]
	return ok
}

// Check is a form-level rule of the checks sheet.
type Check struct {
	Name       string
	Expression string
	Message    string
	Severity   string // error or warning
	Scope      string // "form" (the household, also when left empty), or a repeat name
	Field      string // field the problem is reported on, or ""

	expr  *Expr
	rep   *Field
	field *Field
	row   int // 1-based row in the checks sheet
}

// Fields returns the answer fields (questions and calculates, not notes,
// groups or repeats) in questionnaire order. Do not modify the slice.
func (s *Survey) Fields() []*Field { return s.fields }

// Field returns the question, calculate, note, group or repeat with this
// name, or nil.
func (s *Survey) Field(name string) *Field { return s.byName[name] }

// Choices returns the choices of a list in order, or nil for an unknown
// list. Do not modify the slice.
func (s *Survey) Choices(list string) []Choice {
	if l := s.lists[list]; l != nil {
		return l.choices
	}
	return nil
}

// Repeats returns the names of the repeats in questionnaire order.
func (s *Survey) Repeats() []string {
	names := make([]string, len(s.repeats))
	for i, r := range s.repeats {
		names[i] = r.Name
	}
	return names
}

// Checks returns the form-level checks in order. Do not modify the slice.
func (s *Survey) Checks() []*Check { return s.checks }

// title is how messages name a field: its label, or its name without one.
func (f *Field) title() string {
	if f.Label != "" {
		return f.Label
	}
	return f.Name
}
