// Package design reads a survey's sampling design and household identity from its settings:
// which fields are the PSU, the stratum, the weight, the dwelling number, the GPS point, the
// head's name, the consent, the person roster and its line, sex, age and relationship, the
// emigrants repeat, and which round of the survey a version belongs to (docs/design.md).
//
// Storage's typed columns, household dedup, the review screens, the indicator catalogs'
// defaults and the exports read these roles, never field names of one survey: a second
// survey declares its own and gets the same pipeline; a survey that declares none (a simple
// checklist) is stored, validated, deduplicated by id and content, reviewed and exported, and
// has no design-based indicators.
//
// The package is plain Go (no PocketBase) and never panics on input.
package design

import (
	"fmt"
	"regexp"
	"strings"

	"fieldbase/dedup"
	"fieldbase/form"
)

// Design is the roles a survey version declares. Each names the answer key of a field ("" when
// the survey does not declare the role); household roles are keys of the household's answers,
// roster and emigrant roles keys of a row of their repeat.
type Design struct {
	PSU, Dwelling, Stratum, Region, Urban, Weight, Date, GPS, HeadName, Consent string

	Roster                                                 string // the person repeat
	RosterLine, RosterRel, RosterSex, RosterAge, RosterMig string

	Emigrants                                                                   string // the repeat of former members abroad
	EmigrantSex, EmigrantAge, EmigrantCountry, EmigrantYearLeft, EmigrantReason string

	// Round names the round of the survey this version is fielded in ("2026", "R2"); RoundYear
	// is its year (TIME_PERIOD): the round_year setting, else the round when it is a year,
	// else the year of fieldwork_start, else "".
	Round, RoundYear string
}

// A role is one setting: its name in the settings sheet, where the field must be, and the
// Design member it fills.
type role struct {
	setting string
	level   level
	types   []string // allowed field types ("" any)
	get     func(*Design) *string
}

type level int

const (
	household level = iota
	roster
	emigrants
	repeat // the setting names a repeat
)

// roles in the order they are documented (docs/design.md).
var roles = []role{
	{"psu", household, []string{"integer"}, func(d *Design) *string { return &d.PSU }},
	{"dwelling", household, []string{"integer"}, func(d *Design) *string { return &d.Dwelling }},
	{"stratum", household, nil, func(d *Design) *string { return &d.Stratum }},
	{"region", household, nil, func(d *Design) *string { return &d.Region }},
	{"urban", household, nil, func(d *Design) *string { return &d.Urban }},
	{"weight", household, []string{"decimal", "integer", "calculate", "hidden"}, func(d *Design) *string { return &d.Weight }},
	{"interview_date", household, []string{"date", "today", "calculate"}, func(d *Design) *string { return &d.Date }},
	{"gps", household, []string{"geopoint", "start-geopoint"}, func(d *Design) *string { return &d.GPS }},
	{"head_name", household, []string{"text", "calculate"}, func(d *Design) *string { return &d.HeadName }},
	{"consent", household, nil, func(d *Design) *string { return &d.Consent }},
	{"roster", repeat, nil, func(d *Design) *string { return &d.Roster }},
	{"roster_line", roster, nil, func(d *Design) *string { return &d.RosterLine }},
	{"roster_relationship", roster, nil, func(d *Design) *string { return &d.RosterRel }},
	{"roster_sex", roster, nil, func(d *Design) *string { return &d.RosterSex }},
	{"roster_age", roster, []string{"integer", "decimal", "calculate"}, func(d *Design) *string { return &d.RosterAge }},
	{"roster_migrant_status", roster, nil, func(d *Design) *string { return &d.RosterMig }},
	{"emigrants", repeat, nil, func(d *Design) *string { return &d.Emigrants }},
	{"emigrant_sex", emigrants, nil, func(d *Design) *string { return &d.EmigrantSex }},
	{"emigrant_age", emigrants, []string{"integer", "decimal", "calculate"}, func(d *Design) *string { return &d.EmigrantAge }},
	{"emigrant_country", emigrants, nil, func(d *Design) *string { return &d.EmigrantCountry }},
	{"emigrant_year_left", emigrants, []string{"integer", "decimal", "calculate"}, func(d *Design) *string { return &d.EmigrantYearLeft }},
	{"emigrant_reason", emigrants, nil, func(d *Design) *string { return &d.EmigrantReason }},
}

// Settings are the names of the settings this package reads, in documentation order.
func Settings() []string {
	out := make([]string, 0, len(roles)+2)
	for _, r := range roles {
		out = append(out, r.setting)
	}
	return append(out, "round", "round_year")
}

var yearPattern = regexp.MustCompile(`^[12][0-9]{3}$`)

// Read is the design sv declares. Problems says, one sentence each, which settings name no
// usable field (an unknown field, a field of the wrong level or type); such a role is left
// out of the design, so a stored survey always reads. Installing a survey refuses it when
// there are problems (Check).
func Read(sv *form.Survey) (*Design, []string) {
	d := &Design{}
	if sv == nil {
		return d, nil
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	extra := sv.Settings.Extra
	// Repeats first: the roster and emigrant roles are looked up inside them.
	for _, pass := range []bool{true, false} {
		for _, r := range roles {
			if (r.level == repeat) != pass {
				continue
			}
			name := strings.TrimSpace(extra[r.setting])
			if name == "" {
				continue
			}
			name = strings.TrimSuffix(strings.TrimPrefix(name, "${"), "}")
			f := sv.Field(name)
			if f == nil {
				bad("setting %s: survey %s has no field %q", r.setting, sv.FormID, name)
				continue
			}
			want, where := "", "at household level (outside any repeat)"
			switch r.level {
			case roster:
				want, where = d.Roster, "in the roster repeat"
			case emigrants:
				want, where = d.Emigrants, "in the emigrants repeat"
			}
			if r.level == roster && d.Roster == "" || r.level == emigrants && d.Emigrants == "" {
				bad("setting %s: needs the setting %s (the repeat %q is in)", r.setting, map[level]string{roster: "roster", emigrants: "emigrants"}[r.level], name)
				continue
			}
			if r.level == repeat {
				if f.Type != "repeat" || f.Repeat != "" {
					bad("setting %s: %q is not a repeat at household level", r.setting, name)
					continue
				}
				*r.get(d) = f.Key
				continue
			}
			if f.Repeat != want {
				bad("setting %s: field %q is not %s", r.setting, name, where)
				continue
			}
			if !typeOK(f.Type, r.types) {
				bad("setting %s: field %q is of type %s, not %s", r.setting, name, f.Type, strings.Join(r.types, " or "))
				continue
			}
			*r.get(d) = f.Key
		}
	}
	if d.Dwelling != "" && d.PSU == "" {
		bad("setting dwelling: needs the setting psu (the household key is the PSU and the dwelling)")
		d.Dwelling = ""
	}
	d.Round = strings.TrimSpace(extra["round"])
	d.RoundYear = strings.TrimSpace(extra["round_year"])
	switch {
	case d.RoundYear != "":
		if !yearPattern.MatchString(d.RoundYear) {
			bad("setting round_year: %q is not a year (four digits)", d.RoundYear)
			d.RoundYear = ""
		}
	case yearPattern.MatchString(d.Round):
		d.RoundYear = d.Round
	case len(sv.Settings.FieldworkStart) >= 4 && yearPattern.MatchString(sv.Settings.FieldworkStart[:4]):
		d.RoundYear = sv.Settings.FieldworkStart[:4]
	}
	if d.Round == "" && d.RoundYear != "" {
		d.Round = d.RoundYear
	}
	return d, problems
}

// Check is the problems of Read as one error, nil when the design is usable.
func Check(sv *form.Survey) error {
	if _, p := Read(sv); len(p) > 0 {
		return fmt.Errorf("survey design: %s", strings.Join(p, "; "))
	}
	return nil
}

func typeOK(t string, allowed []string) bool {
	if len(allowed) == 0 {
		return true
	}
	base, _, _ := strings.Cut(t, " ")
	for _, a := range allowed {
		if base == a {
			return true
		}
	}
	return false
}

// Dedup is what household dedup reads.
func (d *Design) Dedup() dedup.Roles {
	return dedup.Roles{PSU: d.PSU, Dwelling: d.Dwelling, GPS: d.GPS, HeadName: d.HeadName,
		Roster: d.Roster, RosterSex: d.RosterSex, RosterAge: d.RosterAge}
}

// Sampled reports whether the survey declares a sample design an estimate can use: a PSU and
// a weight (the stratum may be absent: one stratum).
func (d *Design) Sampled() bool { return d.PSU != "" && d.Weight != "" }

// Missing says, in a sentence, why design-based indicators cannot be computed ("" when they
// can).
func (d *Design) Missing(formID string) string {
	var no []string
	if d.PSU == "" {
		no = append(no, "psu")
	}
	if d.Weight == "" {
		no = append(no, "weight")
	}
	if len(no) == 0 {
		return ""
	}
	return fmt.Sprintf("survey %s declares no %s in its settings: no design-based estimate", formID, strings.Join(no, " and no "))
}

// Line is the line number of roster row i (0-based) of a household: the roster_line answer
// when it is a number, else i+1.
func (d *Design) Line(row map[string]any, i int) int {
	if v, ok := row[d.RosterLine].(float64); ok && d.RosterLine != "" {
		return int(v)
	}
	return i + 1
}

// Rows are the rows of a repeat in an answers object ("" or absent: none).
func Rows(data map[string]any, repeat string) []any {
	if repeat == "" {
		return nil
	}
	rows, _ := data[repeat].([]any)
	return rows
}
