package indicators

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Unit is one decoded facts text (see Facts for the layout).
type Unit struct {
	Stratum string
	PSU     string
	Weight  float64 // NaN when the household has no usable weight
	Period  string
	Codes   []string // one per catalog dimension, "" where none
	Values  []Value  // the indicators whose population holds the unit
}

// Value is one indicator entry of a unit: R = Σ W·Y / Σ W·X.
type Value struct {
	Indicator string
	Y, X, W   float64
}

// Code returns the unit's code for a dimension id ("" if none).
func (u *Unit) Code(c *Catalog, dim string) string {
	if d := c.dimByID[dim]; d != nil && d.pos < len(u.Codes) {
		return u.Codes[d.pos]
	}
	return ""
}

// Value returns the entry of an indicator and whether the unit is in its
// population.
func (u *Unit) Value(id string) (Value, bool) {
	for _, v := range u.Values {
		if v.Indicator == id {
			return v, true
		}
	}
	return Value{}, false
}

// StaleError reports facts texts that were not written by this catalog (or
// not written at all): indicators computed from them would be wrong, so
// they must be rebuilt first.
type StaleError struct {
	Rows   int    // stale rows seen
	Sample string // the start of one of them
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("indicators: %d stored facts rows were not computed with the current catalog (e.g. %q); rebuild the facts", e.Rows, e.Sample)
}

// Decode reads one facts text written by this catalog. It is the slow,
// allocating reader for tests and tools; Compute scans facts in place.
func (c *Catalog) Decode(facts string) (*Unit, error) {
	r, ok := c.split(facts)
	if !ok {
		return nil, &StaleError{Rows: 1, Sample: sample(facts)}
	}
	u := &Unit{Stratum: unescape(r.stratum), PSU: unescape(r.psu), Period: unescape(r.period), Weight: math.NaN()}
	if r.weight != "" {
		w, err := strconv.ParseFloat(r.weight, 64)
		if err != nil {
			return nil, fmt.Errorf("indicators: facts weight %q: %w", r.weight, err)
		}
		u.Weight = w
	}
	for _, code := range strings.Split(r.codes, ",") {
		u.Codes = append(u.Codes, unescape(code))
	}
	for e := r.entries; e != ""; {
		item := e
		if j := strings.IndexByte(e, ';'); j >= 0 {
			item, e = e[:j], e[j+1:]
		} else {
			e = ""
		}
		id, y, x, w, ok := parseEntry(item, u.Weight)
		if !ok {
			return nil, fmt.Errorf("indicators: bad facts entry %q", item)
		}
		u.Values = append(u.Values, Value{Indicator: id, Y: y, X: x, W: w})
	}
	return u, nil
}

// rawFacts are the fields of a facts text, still escaped.
type rawFacts struct {
	stratum, psu, weight, period, codes, entries string
}

// split checks the prefix and cuts the fields without allocating. A
// byte loop beats strings.IndexByte on fields this short.
func (c *Catalog) split(s string) (r rawFacts, ok bool) {
	p := len(c.prefix)
	if len(s) <= p || s[p] != '|' || s[:p] != c.prefix {
		return r, false
	}
	var f [5]string
	start, k := p+1, 0
	for i := start; i < len(s); i++ {
		if s[i] == '|' {
			f[k] = s[start:i]
			start = i + 1
			if k++; k == len(f) {
				return rawFacts{f[0], f[1], f[2], f[3], f[4], s[start:]}, true
			}
		}
	}
	return r, false
}

// parseEntry reads "ID=y[,x[,w]]"; w defaults to the row's weight.
func parseEntry(item string, rowWeight float64) (id string, y, x, w float64, ok bool) {
	eq := strings.IndexByte(item, '=')
	if eq <= 0 {
		return "", 0, 0, 0, false
	}
	id, vals := item[:eq], item[eq+1:]
	x, w = 1, rowWeight
	var part string
	for k := 0; vals != "" || k == 0; k++ {
		part, vals, _ = strings.Cut(vals, ",")
		v, good := parseNum(part)
		if !good {
			return "", 0, 0, 0, false
		}
		switch k {
		case 0:
			y = v
		case 1:
			x = v
		case 2:
			w = v
		default:
			return "", 0, 0, 0, false
		}
	}
	return id, y, x, w, true
}

// parseNum is strconv.ParseFloat with a fast path for the 0s and 1s that
// most entries are.
func parseNum(s string) (float64, bool) {
	if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
		return float64(s[0] - '0'), true
	}
	// Plain integers below 2^53 are exact as float64: no need for ParseFloat.
	if len(s) > 0 && len(s) <= 15 {
		var n int64
		i := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			n = n*10 + int64(s[i]-'0')
		}
		if i == len(s) {
			return float64(n), true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// firstField is s up to its first comma.
func firstField(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return s[:i]
		}
	}
	return s
}

// afterComma is s after its first comma ("" if none).
func afterComma(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return s[i+1:]
		}
	}
	return ""
}

func unescape(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(v))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

func sample(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
