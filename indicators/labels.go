package indicators

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Area is a target area of the roundtable behind the catalog (rights and
// exploitation, recruitment costs, …): the migration profile's chapters.
type Area struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	About string `json:"about"`
}

// Presentation keys of the catalog JSON: they change how cells read, not
// what the facts hold, so they are left out of Catalog.Hash (editing a label
// must not make every stored facts row stale).
var (
	presentationTop       = []string{"title", "about", "areas"}
	presentationDimension = []string{"name", "labels", "reference"}
	presentationIndicator = []string{"name", "sdg", "unit_name", "definition", "decimals", "area"}
)

// computational is the catalog JSON without its presentation keys, in
// encoding/json's canonical form (sorted keys, no spaces): what Hash covers.
func computational(raw []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	drop := func(v any, keys []string) {
		if o, ok := v.(map[string]any); ok {
			for _, k := range keys {
				delete(o, k)
			}
		}
	}
	drop(m, presentationTop)
	for _, key := range []string{"dimensions", "indicators"} {
		keys := presentationDimension
		if key == "indicators" {
			keys = presentationIndicator
		}
		if list, ok := m[key].([]any); ok {
			for _, v := range list {
				drop(v, keys)
			}
		}
	}
	return json.Marshal(m)
}

// checkAreas refuses an indicator whose area is not one of the catalog's
// areas (a typo would drop it from the report's chapters).
func (c *Catalog) checkAreas() error {
	ids := map[string]bool{}
	for _, a := range c.Areas {
		if a.ID == "" || ids[a.ID] {
			return &LoadError{Column: "areas", Err: fmt.Errorf("area id %q is empty or repeated", a.ID)}
		}
		ids[a.ID] = true
	}
	for _, in := range c.Indicators {
		if in.Area != "" && !ids[in.Area] {
			return &LoadError{Where: "indicator " + in.ID, Column: "area", Err: fmt.Errorf("%q is not one of the catalog's areas", in.Area)}
		}
	}
	return nil
}

// defaultDecimals is how many decimals an indicator is shown with when the
// catalog does not say: one for percentages, two for means and ratios, none
// for rates per 100,000.
func defaultDecimals(kind string) int {
	switch kind {
	case "mean":
		return 2
	case "rate":
		return 0
	}
	return 1
}

// Code labels of every dimension: the total and "not applicable" (SDMX's
// _T and _Z).
const (
	LabelTotal         = "Total"
	LabelNotApplicable = "Not applicable"
)

// Label is the name of a code of this dimension for people: the catalog's
// label, "Total" for _T, "Not applicable" for _Z, else the code itself.
func (d *Dimension) Label(code string) string {
	if l, ok := d.Labels[code]; ok && l != "" {
		return l
	}
	switch code {
	case total:
		return LabelTotal
	case "_Z":
		return LabelNotApplicable
	}
	return code
}

// Code returns the dimension's code that equals code ignoring case, and
// false when there is none.
func (d *Dimension) Code(code string) (string, bool) {
	if strings.EqualFold(code, total) {
		return total, true
	}
	for _, c := range d.Codes {
		if strings.EqualFold(c, code) {
			return c, true
		}
	}
	return "", false
}

// Measure is how the indicator's figures read: its unit name, or "%" for a
// percentage. GapMeasure is the unit of a difference of two of its figures
// ("percentage points" for a percentage).
func (in *Indicator) Measure() string    { return in.unitLabel(false) }
func (in *Indicator) GapMeasure() string { return in.unitLabel(true) }

func (in *Indicator) unitLabel(gap bool) string {
	if in.UnitName != "" {
		return in.UnitName
	}
	if in.UnitMeasure == "PT" {
		if gap {
			return "percentage points"
		}
		return "%"
	}
	return ""
}

// Normalize maps the indicator and dimension ids of a request to the
// catalog's spelling, ignoring case (by=sex is SEX, indicator=fin1 FIN1);
// ids the catalog does not know are left as they are, for Compute to
// refuse by name.
func (c *Catalog) Normalize(req Request) Request {
	out := Request{Indicators: make([]string, len(req.Indicators)), By: make([]string, len(req.By))}
	for i, id := range req.Indicators {
		out.Indicators[i] = c.foldIndicator(id)
	}
	for i, id := range req.By {
		out.By[i] = c.foldDimension(id)
	}
	if len(req.Indicators) == 0 {
		out.Indicators = nil
	}
	if len(req.By) == 0 {
		out.By = nil
	}
	return out
}

func (c *Catalog) foldIndicator(id string) string {
	for _, in := range c.Indicators {
		if strings.EqualFold(in.ID, id) {
			return in.ID
		}
	}
	return id
}

func (c *Catalog) foldDimension(id string) string {
	for _, d := range c.Dimensions {
		if strings.EqualFold(d.ID, id) {
			return d.ID
		}
	}
	return id
}
