package indicators

import (
	"math"
	"strconv"
	"unicode/utf8"

	"fieldbase/estimate"
	"fieldbase/form"
)

// Facts text (one line, ASCII separators), the same layout for a household
// and for a member:
//
//	1.<hash>|<stratum>|<psu>|<weight>|<period>|<code>,<code>,...|<ID>=<y>[,<x>[,<w>]];...
//
//   - "1" is the layout version and <hash> Catalog.Hash: together
//     Catalog.FactsPrefix, so facts of another catalog read as stale;
//   - stratum, PSU and weight of the household (a member repeats them, so
//     that the person design needs no join);
//   - period: the interview year (TIME_PERIOD);
//   - one code per catalog dimension, in catalog order, "" where the
//     dimension does not apply (a person-only dimension on a household row)
//     or has no value; a member carries its household's codes for the
//     dimensions without a person expression;
//   - one entry per indicator of the row's unit whose population holds the
//     unit, in catalog order: y, then x when it is not 1, then the weight
//     when it is not the row's weight (DIS1: a_weight × adults).
//
// Numbers are written in the shortest form that reads back exactly. Text
// fields have '%', '|', ',', ';', '=' and control characters escaped as
// %XX. A household without a response (design.responding false) has a
// household row with no entries: it is in the design, in no population.

// Facts evaluates the catalog for one household's answers (calculates
// filled) and returns its household facts and one facts text per row of the
// person repeat, in row order. It matches ingest.FactsFunc. sv may be any
// version of the catalog's survey (expressions read answers by name); for
// another survey it returns no facts.
func (c *Catalog) Facts(sv *form.Survey, data map[string]any) (household string, members []string) {
	if sv != nil && sv.FormID != c.Survey {
		return "", nil
	}
	var w factsWriter
	w.buf = make([]byte, 0, 256)
	a := form.NewAnswers(data) // the rows of the person repeat looked up once

	stratum := c.stratum.EvalIn(a, 0).String()
	psu := c.psu.EvalIn(a, 0).String()
	weight, wok := c.weight.EvalIn(a, 0).Float()
	wok = wok && weight > 0 && !math.IsInf(weight, 0)
	var period string
	if c.period != nil {
		period = c.period.EvalIn(a, 0).String()
	}
	responding := c.responding == nil || c.responding.EvalIn(a, 0).Bool()
	// Indicator entries need a usable weight; without one the household
	// stays in the design (its PSU) but in no population.
	withEntries := responding && wok

	hhCodes := make([]string, len(c.Dimensions))
	for i, d := range c.Dimensions {
		if d.household != nil {
			hhCodes[i] = d.household.EvalIn(a, 0).String()
		}
	}

	w.header(c.prefix, stratum, psu, weight, wok, period)
	for i, code := range hhCodes {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.text(code)
	}
	w.buf = append(w.buf, '|')
	if withEntries {
		for _, in := range c.hhInds {
			w.entry(in, a, 0, weight)
		}
	}
	household = string(w.buf)

	n := rowCount(data[c.personRepeat])
	if n == 0 {
		return household, nil
	}
	members = make([]string, n)
	for row := 0; row < n; row++ {
		w.buf = w.buf[:0]
		w.header(c.prefix, stratum, psu, weight, wok, period)
		for i, d := range c.Dimensions {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if d.person != nil {
				w.text(d.person.EvalIn(a, row).String())
			} else {
				w.text(hhCodes[i])
			}
		}
		w.buf = append(w.buf, '|')
		if withEntries {
			for _, in := range c.personInds {
				w.entry(in, a, row, weight)
			}
		}
		members[row] = string(w.buf)
	}
	return household, members
}

// rowCount is the number of rows of a repeat as stored in answers.
func rowCount(v any) int {
	switch rows := v.(type) {
	case []any:
		return len(rows)
	case []map[string]any:
		return len(rows)
	}
	return 0
}

type factsWriter struct {
	buf     []byte
	entries int // entries written in the current row
}

func (w *factsWriter) header(prefix, stratum, psu string, weight float64, wok bool, period string) {
	w.entries = 0
	w.buf = append(w.buf, prefix...)
	w.buf = append(w.buf, '|')
	w.text(stratum)
	w.buf = append(w.buf, '|')
	w.text(psu)
	w.buf = append(w.buf, '|')
	if wok {
		w.buf = appendNum(w.buf, weight)
	}
	w.buf = append(w.buf, '|')
	w.text(period)
	w.buf = append(w.buf, '|')
}

// entry appends the indicator's y[,x[,w]] when the unit is in its
// population. A unit whose y, x or weight is not a finite number (an
// answer missing from an approved but invalid submission) is left out of
// the population rather than counted as 0.
func (w *factsWriter) entry(in *Indicator, a *form.Answers, row int, weight float64) {
	if in.population == nil || !in.population.EvalIn(a, row).Bool() {
		return
	}
	yv := in.numerator.EvalIn(a, row)
	var y float64
	switch {
	case in.boolean():
		if yv.Bool() {
			y = 1
		}
	default:
		var ok bool
		if y, ok = yv.Float(); !ok || math.IsInf(y, 0) {
			return
		}
	}
	x := 1.0
	if in.denominator != nil {
		var ok bool
		if x, ok = in.denominator.EvalIn(a, row).Float(); !ok || math.IsInf(x, 0) {
			return
		}
	}
	uw := weight
	if in.weight != nil {
		m, ok := in.weight.EvalIn(a, row).Float()
		if !ok || m < 0 || math.IsInf(m, 0) {
			return
		}
		uw = weight * m
	}
	if w.entries > 0 {
		w.buf = append(w.buf, ';')
	}
	w.entries++
	w.buf = append(w.buf, in.ID...)
	w.buf = append(w.buf, '=')
	w.buf = appendNum(w.buf, y)
	if x != 1 || uw != weight {
		w.buf = append(w.buf, ',')
		w.buf = appendNum(w.buf, x)
	}
	if uw != weight {
		w.buf = append(w.buf, ',')
		w.buf = appendNum(w.buf, uw)
	}
}

// boolean reports whether the numerator is a condition (y is 0 or 1).
func (in *Indicator) boolean() bool {
	return in.Kind == estimate.Proportion || in.Kind == estimate.Rate
}

// appendNum writes f so that strconv.ParseFloat reads it back exactly:
// integers plainly, others in the shortest 'g' form.
func appendNum(b []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// maxText bounds each text field of the facts (stratum, PSU, period, a
// code): valid answers are a few characters, and a hostile or broken one
// (a 3 MB stratum) must not make the stored facts exceed their column (at
// most 20,000 characters).
const maxText = 64

// text appends s with the separators escaped, cut to maxText bytes.
func (w *factsWriter) text(s string) {
	if len(s) > maxText {
		cut := maxText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	for i := 0; i < len(s); i++ {
		if special(s[i]) {
			w.buf = appendEscaped(w.buf, s)
			return
		}
	}
	w.buf = append(w.buf, s...)
}

func special(b byte) bool {
	switch b {
	case '%', '|', ',', ';', '=':
		return true
	}
	return b < 0x20 || b == 0x7f
}

const hexDigits = "0123456789ABCDEF"

func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if special(s[i]) {
			b = append(b, '%', hexDigits[s[i]>>4], hexDigits[s[i]&15])
		} else {
			b = append(b, s[i])
		}
	}
	return b
}
