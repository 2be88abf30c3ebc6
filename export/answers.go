package export

import (
	"math"
	"strconv"
)

// answerColumns adds the columns of the answer fields of one level (a repeat, or "" for the
// household) in questionnaire order; sensitive fields only with personal data.
func (s *Schema) answerColumns(t *table, repeat string, pii bool) {
	for _, f := range s.Fields {
		if f.Repeat != repeat || (f.Sensitive && !pii) {
			continue
		}
		label := f.Label
		if label == "" {
			label = f.Name
		}
		p := part{field: f.Name, sensitive: f.Sensitive}
		c := column{name: f.Name, label: label, typ: f.Type, field: f.Name}
		switch f.Type {
		case "integer", "decimal":
			c.as = asNumeric
		case "date":
			c.as, c.conv = asString, convDate
		case "calculate":
			c.as = asAuto
		case "select_one":
			c.list = f.List
			if s.stataCodes(f.List).numeric {
				c.as = asNumeric
			} else {
				c.as, c.conv = asString, convEncode
			}
		case "select_multiple":
			p.kind = cellMulti
			c.list, c.as = f.List, asString
		case "geopoint":
			p.kind = cellGeo
		default: // text, and any type a later form language adds
			c.as = asString
		}
		switch p.kind {
		case cellGeo:
			for _, g := range [...]struct{ suffix, what string }{{"_lat", "latitude"}, {"_lon", "longitude"}, {"_accuracy", "accuracy, m"}} {
				t.nm.add(t, column{name: f.Name + g.suffix, label: label + " (" + g.what + ")", typ: "decimal",
					field: f.Name, as: asNumeric})
			}
		case cellMulti:
			t.nm.add(t, c)
			for _, ch := range s.Lists[f.List] {
				p.choices = append(p.choices, ch.Name)
				cl := ch.Label
				if cl == "" {
					cl = ch.Name
				}
				t.nm.add(t, column{name: f.Name + "_" + ch.Name, label: label + ": " + cl, typ: "binary",
					field: f.Name, choice: ch.Name, as: asNumeric, dummy: true})
			}
		default:
			t.nm.add(t, c)
		}
		t.index[f.Name] = len(t.parts)
		t.parts = append(t.parts, p)
	}
}

// listCodes is how a choice list's codes are held in Stata, whose value labels need whole
// numbers: a list whose names are all whole numbers (sex: 1, 2) keeps them; any other list
// (yn: yes, no) is numbered 1, 2, 3 ... in choice order, and labels.do encodes the text.
type listCodes struct {
	numeric bool
	values  []int // Stata value of each choice, in list order
}

func (s *Schema) stataCodes(list string) listCodes {
	choices := s.Lists[list]
	lc := listCodes{numeric: len(choices) > 0, values: make([]int, len(choices))}
	seen := map[int]bool{}
	for i, c := range choices {
		v, err := strconv.Atoi(c.Name)
		// Stata's value labels take integers up to 2,147,483,620; "01" and "1" would be one value.
		if err != nil || v < -math.MaxInt32 || v > 2147483620 || seen[v] || strconv.Itoa(v) != c.Name {
			lc.numeric = false
			break
		}
		seen[v] = true
		lc.values[i] = v
	}
	if !lc.numeric {
		for i := range lc.values {
			lc.values[i] = i + 1
		}
	}
	return lc
}
