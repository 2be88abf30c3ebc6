package indicators

import (
	"encoding/json"
	"io"
)

// CatalogDoc is the catalog as an analyst reads it: what each indicator
// measures and how its figures read, the dimensions with their code labels,
// and the target areas (GET /api/indicators/catalog).
type CatalogDoc struct {
	Survey     string            `json:"survey"`
	Title      string            `json:"title"`
	Areas      []Area            `json:"areas"`
	Dimensions []DimensionDoc    `json:"dimensions"`
	Indicators []IndicatorDoc    `json:"indicators"`
	Codes      map[string]string `json:"flags"` // the cell flags and what they mean
}

// DimensionDoc is one dimension of CatalogDoc.
type DimensionDoc struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Codes      []string          `json:"codes"`
	Labels     map[string]string `json:"labels"`
	Reference  string            `json:"reference"`
	PersonOnly bool              `json:"person_only"`
}

// IndicatorDoc is one indicator of CatalogDoc.
type IndicatorDoc struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	SDG         string `json:"sdg"`
	Level       string `json:"level"` // person or household
	Kind        string `json:"kind"`
	Unit        string `json:"unit"`
	GapUnit     string `json:"gap_unit"`
	UnitMeasure string `json:"unit_measure"`
	Decimals    int    `json:"decimals"`
	Definition  string `json:"definition"`
	Area        string `json:"area"`
	// Missing says why the version asked for cannot measure the indicator (GET
	// /api/indicators/catalog?version=1); absent when it can.
	Missing string `json:"missing,omitempty"`
}

// FlagNotes say what each cell flag means, for people.
var FlagNotes = map[string]string{
	"suppressed":      "Fewer than 25 sampled units (or needed to protect such a cell): not published, to protect the people interviewed and because the figure would be meaningless.",
	"low_reliability": "25 to 49 sampled units: published, but read it with care (wide interval).",
}

// Doc describes the catalog.
func (c *Catalog) Doc() CatalogDoc {
	doc := CatalogDoc{Survey: c.Survey, Title: c.Title, Areas: c.Areas, Codes: FlagNotes}
	if doc.Areas == nil {
		doc.Areas = []Area{}
	}
	for _, d := range c.Dimensions {
		dd := DimensionDoc{ID: d.ID, Name: d.Name, Codes: d.Codes, Reference: d.Reference, PersonOnly: d.PersonOnly,
			Labels: map[string]string{total: d.Label(total)}}
		for _, code := range d.Codes {
			dd.Labels[code] = d.Label(code)
		}
		doc.Dimensions = append(doc.Dimensions, dd)
	}
	for _, in := range c.Indicators {
		doc.Indicators = append(doc.Indicators, IndicatorDoc{ID: in.ID, Name: in.Name, SDG: in.SDG, Level: in.Unit,
			Kind: in.Kind.String(), Unit: in.Measure(), GapUnit: in.GapMeasure(), UnitMeasure: in.UnitMeasure,
			Decimals: in.Decimals, Definition: in.Definition, Area: in.Area, Missing: in.Missing})
	}
	return doc
}

// WriteCatalogJSON writes Doc as JSON.
func (c *Catalog) WriteCatalogJSON(w io.Writer) error {
	return json.NewEncoder(w).Encode(c.Doc())
}
