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
	// Warnings are what the loader noticed but accepted (pyxform's
	// warnings, functions whose value the server keeps from the device).
	Warnings []string

	rows     []*Field // every survey row, in order (groups, notes, repeats too)
	fields   []*Field // answer fields (questions and calculates), in order
	byName   map[string]*Field
	lists    map[string]*choiceList
	extLists map[string]*choiceList // the external_choices sheet
	byPath   map[string]*Field
	hhKeys   map[string]*Field // keys of the household's answers
	dups     map[string]bool   // names used by more than one row: ${name} is ambiguous
	sheets   bool              // loaded from a spreadsheet (pyxform's rules)
	repeats  []*Field
	checks   []*Check

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
	// VersionText is the version as written (any text in an XLSForm);
	// Version is its value when it is a whole number, else 0.
	VersionText string `json:"-"`
	// Extra holds the other settings as written (instance_name,
	// submission_url, public_key, style, allow_choice_duplicates ...),
	// kept for the clients.
	Extra map[string]string `json:"-"`
}

// Field is one named row of the survey sheet: a question, a calculate, a
// note, a group or a repeat.
type Field struct {
	Name  string
	Label string
	// Type is one of integer, decimal, range, text, barcode, date, time,
	// dateTime, geopoint, geotrace, geoshape, select_one, select_multiple,
	// rank, image, audio, video, file, acknowledge, calculate, hidden,
	// note, group, repeat, xml-external, csv-external, or a metadata type
	// (start, end, today, deviceid, username, phonenumber, simserial,
	// subscriberid, email, audit, start-geopoint, background-audio ...).
	Type      string
	List      string // choice list of a select_one/select_multiple
	Repeat    string // name of the enclosing repeat, "" at household level
	Group     string // name of the innermost enclosing group, ""
	Required  bool
	Sensitive bool
	Row       int // row in the survey sheet (the spreadsheet's row number for an XLSForm)

	// Path is the field's place in the form: enclosing groups and repeats
	// and its name, joined by '/' ("household/members/age"). Key is the
	// key of its answer in the answers object of its level (the household,
	// or a row of its repeat): its name, or when another field of the same
	// level has the same name (in another group), its path from that level.
	Path string
	Key  string
	// External names where the choices come from when they are not in the
	// choices sheet: a file attached to the survey (select_one_from_file
	// households.csv) or the external_choices sheet.
	External string
	// Device says the value is one only the device can know (metadata,
	// media, now(), once(), random(), uuid(), pulldata(), other dialects'
	// functions): it is kept from the submission, never recomputed.
	Device bool
	// RequiredIf is required written as an expression (required is then
	// false): the answer is required where it holds.
	RequiredIf string
	// Labels are the translations of the label by language, as in the
	// column label::Language (code); Label is the default language's (or
	// the first) one.
	Labels map[string]string
	// Columns keeps every other column of the row as written (hint,
	// guidance_hint, appearance, default, trigger, parameters,
	// required_message, read_only, media, translations, bind::*, ...),
	// for clients that render the form.
	Columns map[string]string
	// OrOther: a select with "or_other": the choice "other" is added and a
	// text field NAME_other asks for it.
	OrOther bool

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

	depth    int               // number of enclosing repeats
	keys     map[string]*Field // repeats: keys of a row's answers
	children []*Field          // repeats: the repeats directly inside
	reqIf    *Expr

	// For repeats.
	repIdx  int
	sub     []*Field // answer fields of the repeat, in order
	plan    []*Field // answer fields in evaluation order
	nslots  int
	hasCalc bool // a calculate inside: rows are copied into Result.Data
	// hasCanon: an answer inside may come in an ODK format (canonical.go).
	hasCanon bool
	canon    bool // answers may come in an ODK format: stored canonical

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
	kTime
	kDateTime
	kGeotrace
	kGeoshape
	kRank
	kMedia
	kAcknowledge
	kDevice // metadata and hidden: a value the device sets
	kCalculate
	kNote
	kGroup
	kRepeat
	kInstance // xml-external, csv-external: data for expressions, no answer
)

// hasAnswer reports whether the field holds a value in the answers.
func (f *Field) hasAnswer() bool { return f.kind <= kCalculate }

// question reports whether the enumerator answers the field.
func (f *Field) question() bool { return f.kind < kDevice }

// isSelect reports whether the answer is chosen from a list.
func (f *Field) isSelect() bool {
	return f.kind == kSelectOne || f.kind == kSelectMultiple || f.kind == kRank
}

// Choice is one row of the choices sheet.
type Choice struct {
	Name   string
	Label  string
	Labels map[string]string // translations by language (label::Language (code))
	Extra  map[string]string // other columns as written, usable in choice_filter
}

type choiceList struct {
	dup     bool // a name is used by more than one row
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
