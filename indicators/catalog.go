package indicators

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync/atomic"

	"fieldbase/design"
	"fieldbase/estimate"
	"fieldbase/form"
)

// Unit levels of an indicator.
const (
	Person    = "person"    // one row of the person repeat (members)
	Household = "household" // one submission
)

// Catalog is a compiled indicator catalog, bound to one survey. It is
// immutable after Load and safe for concurrent use.
type Catalog struct {
	Survey     string // form_id the catalog is written for
	Title      string
	Hash       string // first 8 hex digits of the SHA-256 of the compacted catalog JSON
	Dimensions []*Dimension
	Indicators []*Indicator
	Areas      []Area // the target areas a report is organised by (presentation only)

	prefix       string // facts prefix: format version "." Hash
	personRepeat string
	sv           *form.Survey
	pooled       bool // LoadPooled: indicators may miss fields of this version
	stratum      *form.Expr
	psu          *form.Expr
	weight       *form.Expr
	period       *form.Expr // nil: no period
	responding   *form.Expr // nil: every household responds
	hhInds       []*Indicator
	personInds   []*Indicator
	byID         map[string]*Indicator
	dimByID      map[string]*Dimension
	// sizeHint remembers, per indicator, the entries of the last Compute,
	// then the household and the member rows, to size the next one's
	// columns (a guess: any value is correct, only speed depends on it).
	sizeHint []atomic.Int64
}

// Dimension is a breakdown (the `by` of a request).
type Dimension struct {
	ID    string
	Name  string
	Codes []string // in publication order
	// PersonOnly dimensions have no household expression: a household
	// indicator gets only their _T cell.
	PersonOnly bool
	// Labels name the codes for people (presentation only: not hashed);
	// Reference is the code a gap compares the others against by default.
	Labels    map[string]string
	Reference string

	pos       int        // position in the facts' code list
	person    *form.Expr // nil: a person takes its household's code
	household *form.Expr // nil: person-only
}

// Indicator is one catalog entry.
type Indicator struct {
	ID          string
	Name        string
	SDG         string
	Unit        string // Person or Household
	Kind        estimate.Kind
	Scale       float64 // estimates, se and intervals are multiplied by it
	UnitMeasure string  // SDMX UNIT_MEASURE code
	UnitName    string
	// Presentation only (not hashed): what the indicator measures, the
	// decimals it is shown with, and the target area it reports under.
	Definition string
	Decimals   int
	Area       string

	// Missing says why the version the catalog was compiled against cannot measure the
	// indicator ("mhs version 1 has no field g_earn"); "" when it can. See LoadPooled.
	Missing string

	index       int        // position in Catalog.Indicators
	key         uint64     // idKey(ID)
	population  *form.Expr // boolean
	numerator   *form.Expr // boolean for proportions and rates, a number otherwise
	denominator *form.Expr // nil: x = 1
	weight      *form.Expr // nil: the household weight; else its multiplier
}

// catalogFile is the JSON layout of schemas/indicators.json.
type catalogFile struct {
	Survey       string `json:"survey"`
	Title        string `json:"title"`
	About        string `json:"about"`
	Areas        []Area `json:"areas"`
	PersonRepeat string `json:"person_repeat"`
	Design       struct {
		Stratum    string `json:"stratum"`
		PSU        string `json:"psu"`
		Weight     string `json:"weight"`
		Period     string `json:"period"`
		Responding string `json:"responding"`
	} `json:"design"`
	Dimensions []struct {
		ID        string            `json:"id"`
		Name      string            `json:"name"`
		Codes     []string          `json:"codes"`
		Person    string            `json:"person"`
		Household string            `json:"household"`
		Labels    map[string]string `json:"labels"`
		Reference string            `json:"reference"`
	} `json:"dimensions"`
	Indicators []struct {
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		SDG         string   `json:"sdg"`
		Unit        string   `json:"unit"`
		Kind        string   `json:"kind"`
		Scale       *float64 `json:"scale"`
		UnitMeasure string   `json:"unit_measure"`
		UnitName    string   `json:"unit_name"`
		Population  string   `json:"population"`
		Numerator   string   `json:"numerator"`
		Denominator string   `json:"denominator"`
		Weight      string   `json:"weight"`
		Definition  string   `json:"definition"`
		Decimals    *int     `json:"decimals"`
		Area        string   `json:"area"`
	} `json:"indicators"`
}

// factsVersion is the layout version of the facts text; bump it when the
// encoding changes so that old facts read as stale.
const factsVersion = "1"

// LoadError says what is wrong with a catalog: Where names the part
// ("indicator MIG1", "dimension AGE", "design"), Column the JSON key.
type LoadError struct {
	Where  string
	Column string
	Err    error
}

func (e *LoadError) Error() string {
	msg := "indicators: catalog"
	if e.Where != "" {
		msg += ": " + e.Where
	}
	if e.Column != "" {
		msg += ", column " + e.Column
	}
	return msg + ": " + e.Err.Error()
}

func (e *LoadError) Unwrap() error { return e.Err }

var idPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Load parses a catalog and compiles every expression against sv. It
// refuses unknown JSON keys, unknown fields in expressions, expressions
// that do not compile, and inconsistent entries, naming the indicator or
// dimension and the column.
func Load(catalogJSON []byte, sv *form.Survey) (*Catalog, error) {
	return load(catalogJSON, sv, false)
}

func load(catalogJSON []byte, sv *form.Survey, pooled bool) (*Catalog, error) {
	if sv == nil {
		return nil, &LoadError{Err: fmt.Errorf("no survey to compile against")}
	}
	var f catalogFile
	dec := json.NewDecoder(bytes.NewReader(catalogJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, &LoadError{Err: fmt.Errorf("bad JSON: %w", err)}
	}
	hashed, err := computational(catalogJSON)
	if err != nil {
		return nil, &LoadError{Err: fmt.Errorf("bad JSON: %w", err)}
	}
	sum := sha256.Sum256(hashed)
	c := &Catalog{
		Survey: f.Survey, Title: f.Title, Hash: hex.EncodeToString(sum[:4]), Areas: f.Areas,
		personRepeat: f.PersonRepeat, sv: sv, pooled: pooled,
		byID: map[string]*Indicator{}, dimByID: map[string]*Dimension{},
	}
	c.prefix = factsVersion + "." + c.Hash
	if f.Survey != sv.FormID {
		return nil, &LoadError{Column: "survey", Err: fmt.Errorf("the catalog is for survey %q, not %q", f.Survey, sv.FormID)}
	}
	// What the catalog leaves out, the survey's design settings give (docs/design.md).
	d, _ := design.Read(sv)
	if strings.TrimSpace(f.PersonRepeat) == "" {
		if d.Roster == "" {
			return nil, &LoadError{Column: "person_repeat", Err: fmt.Errorf("the catalog names no person repeat and survey %s declares no roster setting", sv.FormID)}
		}
		f.PersonRepeat = d.Roster
		c.personRepeat = d.Roster
	}
	if rep := sv.Field(f.PersonRepeat); rep == nil || rep.Type != "repeat" {
		return nil, &LoadError{Column: "person_repeat", Err: fmt.Errorf("%q is not a repeat of survey %s", f.PersonRepeat, sv.FormID)}
	}
	if err := c.loadDesign(&f, d); err != nil {
		return nil, err
	}
	if err := c.loadDimensions(&f); err != nil {
		return nil, err
	}
	if err := c.loadIndicators(&f); err != nil {
		return nil, err
	}
	if err := c.checkAreas(); err != nil {
		return nil, err
	}
	c.sizeHint = make([]atomic.Int64, len(c.Indicators)+2)
	return c, nil
}

// compile compiles src at household level (scope "") or in the person
// repeat; an empty src is an error when required, else nil.
func (c *Catalog) compile(where, column, src, scope string, required bool) (*form.Expr, error) {
	if strings.TrimSpace(src) == "" {
		if required {
			return nil, &LoadError{Where: where, Column: column, Err: fmt.Errorf("an expression is required")}
		}
		return nil, nil
	}
	src, err := expandSettings(c.sv, src)
	if err != nil {
		return nil, &LoadError{Where: where, Column: column, Err: err}
	}
	e, err := c.sv.Compile(src, scope)
	if err != nil {
		return nil, &LoadError{Where: where, Column: column, Err: err}
	}
	return e, nil
}

// loadDesign compiles the catalog's design expressions; one the catalog leaves out is read
// from the survey's design settings: ${stratum} (one stratum when the survey declares none),
// ${psu}, ${weight}, the round's year as the period (else the interview date's year), and
// ${consent} = 'yes' as the responding households.
func (c *Catalog) loadDesign(f *catalogFile, sd *design.Design) error {
	var err error
	d := f.Design
	ref := func(key string) string {
		if key == "" {
			return ""
		}
		return "${" + key + "}"
	}
	if d.Stratum == "" {
		d.Stratum = ref(sd.Stratum)
		if d.Stratum == "" && sd.PSU != "" {
			d.Stratum = "'1'"
		}
	}
	if d.PSU == "" {
		d.PSU = ref(sd.PSU)
	}
	if d.Weight == "" {
		d.Weight = ref(sd.Weight)
	}
	if d.Period == "" {
		switch {
		case sd.RoundYear != "":
			d.Period = "'" + sd.RoundYear + "'"
		case sd.Date != "":
			d.Period = "format-date(" + ref(sd.Date) + ", '%Y')"
		}
	}
	if d.Responding == "" && sd.Consent != "" {
		d.Responding = ref(sd.Consent) + " = 'yes'"
	}
	if d.PSU == "" || d.Weight == "" {
		return &LoadError{Where: "design", Err: fmt.Errorf("the catalog gives no psu or weight expression and %s", sd.Missing(c.sv.FormID))}
	}
	if c.stratum, err = c.compile("design", "stratum", d.Stratum, "", true); err != nil {
		return err
	}
	if c.psu, err = c.compile("design", "psu", d.PSU, "", true); err != nil {
		return err
	}
	if c.weight, err = c.compile("design", "weight", d.Weight, "", true); err != nil {
		return err
	}
	if c.period, err = c.compile("design", "period", d.Period, "", false); err != nil {
		return err
	}
	c.responding, err = c.compile("design", "responding", d.Responding, "", false)
	return err
}

func (c *Catalog) loadDimensions(f *catalogFile) error {
	for i, fd := range f.Dimensions {
		where := fmt.Sprintf("dimension %d", i+1)
		if fd.ID != "" {
			where = "dimension " + fd.ID
		}
		if !idPattern.MatchString(fd.ID) {
			return &LoadError{Where: where, Column: "id", Err: fmt.Errorf("%q is not an id (a letter, then letters, digits or _)", fd.ID)}
		}
		if c.dimByID[fd.ID] != nil {
			return &LoadError{Where: where, Column: "id", Err: fmt.Errorf("dimension %s is listed twice", fd.ID)}
		}
		if len(fd.Codes) == 0 {
			return &LoadError{Where: where, Column: "codes", Err: fmt.Errorf("at least one code is needed")}
		}
		seen := map[string]bool{}
		for _, code := range fd.Codes {
			if code == "" || code == total || seen[code] {
				return &LoadError{Where: where, Column: "codes", Err: fmt.Errorf("code %q is empty, %s (the total) or repeated", code, total)}
			}
			seen[code] = true
		}
		d := &Dimension{ID: fd.ID, Name: fd.Name, Codes: fd.Codes, pos: i, Labels: fd.Labels, Reference: fd.Reference}
		if d.Reference != "" && !seen[d.Reference] {
			return &LoadError{Where: where, Column: "reference", Err: fmt.Errorf("%q is not one of the codes", d.Reference)}
		}
		var err error
		if d.person, err = c.compile(where, "person", fd.Person, c.personRepeat, false); err != nil {
			return err
		}
		if d.household, err = c.compile(where, "household", fd.Household, "", false); err != nil {
			return err
		}
		if d.person == nil && d.household == nil {
			return &LoadError{Where: where, Column: "person", Err: fmt.Errorf("a person or a household expression is required")}
		}
		d.PersonOnly = d.household == nil
		c.Dimensions = append(c.Dimensions, d)
		c.dimByID[d.ID] = d
	}
	return nil
}

func (c *Catalog) loadIndicators(f *catalogFile) error {
	if len(f.Indicators) == 0 {
		return &LoadError{Column: "indicators", Err: fmt.Errorf("the catalog lists no indicator")}
	}
	for i, fi := range f.Indicators {
		where := fmt.Sprintf("indicator %d", i+1)
		if fi.ID != "" {
			where = "indicator " + fi.ID
		}
		if !idPattern.MatchString(fi.ID) {
			return &LoadError{Where: where, Column: "id", Err: fmt.Errorf("%q is not an id (a letter, then letters, digits or _)", fi.ID)}
		}
		if c.byID[fi.ID] != nil {
			return &LoadError{Where: where, Column: "id", Err: fmt.Errorf("indicator %s is listed twice", fi.ID)}
		}
		in := &Indicator{ID: fi.ID, Name: fi.Name, SDG: fi.SDG, Unit: fi.Unit,
			UnitMeasure: fi.UnitMeasure, UnitName: fi.UnitName, index: i, key: idKey(fi.ID),
			Definition: fi.Definition, Area: fi.Area, Decimals: defaultDecimals(fi.Kind)}
		if fi.Decimals != nil {
			if *fi.Decimals < 0 || *fi.Decimals > 6 {
				return &LoadError{Where: where, Column: "decimals", Err: fmt.Errorf("%d is not 0 to 6", *fi.Decimals)}
			}
			in.Decimals = *fi.Decimals
		}
		var scope string
		switch fi.Unit {
		case Household:
		case Person:
			scope = c.personRepeat
		default:
			return &LoadError{Where: where, Column: "unit", Err: fmt.Errorf("%q is not %q or %q", fi.Unit, Person, Household)}
		}
		k, err := estimate.ParseKind(fi.Kind)
		if err != nil {
			return &LoadError{Where: where, Column: "kind", Err: fmt.Errorf("%q is not proportion, mean, ratio or rate", fi.Kind)}
		}
		in.Kind = k
		if fi.Scale == nil || !(*fi.Scale > 0) || math.IsInf(*fi.Scale, 0) {
			return &LoadError{Where: where, Column: "scale", Err: fmt.Errorf("a positive scale is required (100 for percentages, 1 for a plain mean)")}
		}
		in.Scale = *fi.Scale
		if c.pooled {
			in.Missing = missing(c.sv, fi.Population, fi.Numerator, fi.Denominator, fi.Weight)
		}
		// An indicator this version cannot measure has no expressions and no facts entries.
		if in.Missing == "" {
			if in.population, err = c.compile(where, "population", fi.Population, scope, true); err != nil {
				return err
			}
			if in.numerator, err = c.compile(where, "numerator", fi.Numerator, scope, true); err != nil {
				return err
			}
			if in.denominator, err = c.compile(where, "denominator", fi.Denominator, scope, false); err != nil {
				return err
			}
			if in.weight, err = c.compile(where, "weight", fi.Weight, scope, false); err != nil {
				return err
			}
		}
		// x = 1 is what makes a proportion, a mean or a rate; a ratio needs its x.
		if (k == estimate.Ratio) != (strings.TrimSpace(fi.Denominator) != "") {
			return &LoadError{Where: where, Column: "denominator", Err: fmt.Errorf("a denominator is required for kind ratio and only for it (kind %s)", fi.Kind)}
		}
		c.Indicators = append(c.Indicators, in)
		c.byID[in.ID] = in
		if in.Unit == Household {
			c.hhInds = append(c.hhInds, in)
		} else {
			c.personInds = append(c.personInds, in)
		}
	}
	return nil
}

// Indicator returns the indicator with this id, or nil.
func (c *Catalog) Indicator(id string) *Indicator { return c.byID[id] }

// Dimension returns the dimension with this id, or nil.
func (c *Catalog) Dimension(id string) *Dimension { return c.dimByID[id] }

// FactsPrefix is how every facts text of this catalog starts ("1.<hash>"):
// a stored text without it is stale (written under another catalog or
// facts layout) and must be rebuilt.
func (c *Catalog) FactsPrefix() string { return c.prefix }

// FormSurvey is the survey the catalog was compiled against.
func (c *Catalog) FormSurvey() *form.Survey { return c.sv }
