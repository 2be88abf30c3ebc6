package hooks_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

type gapDoc struct {
	By   string `json:"by"`
	Gaps []struct {
		Indicator string `json:"indicator"`
		Unit      string `json:"unit"`
		A, B      struct {
			Code        string   `json:"code"`
			Label       string   `json:"label"`
			Estimate    *float64 `json:"estimate"`
			NUnweighted int      `json:"n_unweighted"`
			Flag        string   `json:"flag"`
		}
		Estimate    *float64 `json:"estimate"`
		SE          *float64 `json:"se"`
		CILow       *float64 `json:"ci_low"`
		CIHigh      *float64 `json:"ci_high"`
		Significant *bool    `json:"significant"`
		DF          int      `json:"df"`
		Flag        string   `json:"flag"`
	} `json:"gaps"`
}

// TestGapsRoute: the gaps route answers the difference of the cells the indicators route
// publishes, with labels, in JSON and CSV, names lower-case dimensions and codes right, and
// refuses bad requests by name.
func TestGapsRoute(t *testing.T) {
	s := newServer(t)
	approvedHouseholds(t, s, 400, 0)

	code, h, body := s.get(t, "/api/indicators/gaps?survey=mhs&by=sex&a=f&b=m", "analyst")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("gaps: %d %.300s", code, body)
	}
	var doc gapDoc
	if err := json.Unmarshal(body, &doc); err != nil || doc.By != "SEX" || len(doc.Gaps) == 0 {
		t.Fatalf("gaps %v %.300s", err, body)
	}
	// The cells of the indicators route, by SEX.
	_, _, cbody := indicatorsGet(t, s, "analyst", "survey=mhs&by=SEX")
	var cells struct {
		Cells []indicatorCell `json:"cells"`
	}
	json.Unmarshal(cbody, &cells)
	est := map[string]*float64{}
	flag := map[string]string{}
	for _, c := range cells.Cells {
		est[c.Indicator+"|"+c.Dims["SEX"]] = c.Estimate
		flag[c.Indicator+"|"+c.Dims["SEX"]] = *c.Flag
	}
	published, suppressed, dfZero := 0, 0, 0
	for _, g := range doc.Gaps {
		ea, eb := est[g.Indicator+"|F"], est[g.Indicator+"|M"]
		if g.A.Code != "F" || g.B.Code != "M" || g.A.Label != "Female" || g.B.Label != "Male" {
			t.Errorf("%s: codes %+v %+v", g.Indicator, g.A, g.B)
		}
		if flag[g.Indicator+"|F"] == "suppressed" || flag[g.Indicator+"|M"] == "suppressed" {
			suppressed++
			if g.Flag != "suppressed" || g.Estimate != nil || g.SE != nil || g.Significant != nil {
				t.Errorf("%s: a suppressed cell must suppress the gap: %+v", g.Indicator, g)
			}
			continue
		}
		published++
		if g.Estimate == nil || ea == nil || eb == nil || math.Abs(*g.Estimate-(*ea-*eb)) > 1e-9 {
			t.Errorf("%s: gap %v, cells %v − %v", g.Indicator, g.Estimate, ea, eb)
			continue
		}
		if g.DF == 0 { // a design with one PSU per stratum: no t quantile, no interval
			if g.SE == nil || g.CILow != nil || g.Significant != nil {
				t.Errorf("%s: df 0 and an interval %+v", g.Indicator, g)
			}
			dfZero++
			continue
		}
		if g.SE == nil || *g.SE < 0 || g.CILow == nil || g.Significant == nil ||
			*g.Significant != (*g.CILow > 0 || *g.CIHigh < 0) {
			t.Errorf("%s: interval %+v", g.Indicator, g)
		}
		if g.A.Estimate == nil || *g.A.Estimate != *ea {
			t.Errorf("%s: cell a %v, published %v", g.Indicator, g.A.Estimate, *ea)
		}
	}
	if published == 0 || suppressed == 0 || dfZero == published {
		t.Errorf("published %d (%d without interval), suppressed %d gaps: the fixture should have all kinds", published, dfZero, suppressed)
	}
	for _, g := range doc.Gaps {
		if g.Indicator == "FIN1" && g.Unit != "percentage points" {
			t.Errorf("FIN1 gap unit %q", g.Unit)
		}
	}

	// Default pairs: every code against the reference; CSV with labels and a file name of its own.
	code, h, body = s.get(t, "/api/indicators/gaps?survey=mhs&by=MIGRATORY_STATUS&indicator=FIN1&format=csv", "supA")
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if code != 200 || err != nil || len(recs) != 4 || recs[0][0] != "indicator" || recs[1][5] != "NB_RET" || recs[1][7] != "NB_NM" ||
		recs[1][8] != "Native-born non-migrant" {
		t.Fatalf("gaps csv: %d %v %q", code, err, recs)
	}
	if cd := h.Get("Content-Disposition"); cd != `attachment; filename="mhs-gaps-by-MIGRATORY_STATUS.csv"` {
		t.Errorf("gaps csv file name %q", cd)
	}

	for _, tc := range []struct {
		who, query string
		code       int
		says       string
	}{
		{"", "survey=mhs&by=SEX", 401, ""},
		{"enumA1", "survey=mhs&by=SEX", 403, ""},
		{"analyst", "survey=mhs", 400, "one dimension"},
		{"analyst", "survey=mhs&by=SEX,AGE", 400, "one dimension"},
		{"analyst", "survey=mhs&by=SEX&a=F&b=X", 400, `is not a code of SEX`},
		{"analyst", "survey=mhs&by=SEX&a=F", 400, "both codes"},
		{"analyst", "survey=mhs&by=SEX&format=sdmx", 400, "sdmx"},
		{"analyst", "survey=mhs&by=SEX&precision=exact", 400, "exact"},
	} {
		code, _, body := s.get(t, "/api/indicators/gaps?"+tc.query, tc.who)
		if code != tc.code || !strings.Contains(string(body), tc.says) {
			t.Errorf("%s as %q: %d %.200s; want %d saying %q", tc.query, tc.who, code, body, tc.code, tc.says)
		}
	}
}

// TestIndicatorsReadable: lower-case names, labels and names in every cell, display
// precision in CSV (full on request), distinct file names per format, and the catalog.
func TestIndicatorsReadable(t *testing.T) {
	s := newServer(t)
	approvedHouseholds(t, s, 60, 0)
	code, h, body := indicatorsGet(t, s, "analyst", "survey=mhs&by=sex,migratory_status&indicator=fin1")
	if code != 200 {
		t.Fatalf("lower-case names: %d %.300s", code, body)
	}
	var doc struct {
		Cells []struct {
			Indicator string            `json:"indicator"`
			Name      string            `json:"name"`
			SDG       string            `json:"sdg"`
			Unit      string            `json:"unit"`
			Dims      map[string]string `json:"dims"`
			Labels    map[string]string `json:"labels"`
		} `json:"cells"`
	}
	json.Unmarshal(body, &doc)
	if len(doc.Cells) == 0 {
		t.Fatalf("no cells: %.300s", body)
	}
	for _, c := range doc.Cells {
		if c.Indicator != "FIN1" || c.SDG != "8.10.2" || c.Unit != "%" || !strings.Contains(c.Name, "account") ||
			c.Labels["SEX"] == "" || c.Labels["MIGRATORY_STATUS"] == "" || c.Labels["SEX"] == c.Dims["SEX"] {
			t.Errorf("cell %+v", c)
		}
	}
	if cd := h.Get("Content-Disposition"); cd != `inline; filename="mhs-indicators-by-SEX-MIGRATORY_STATUS.json"` {
		t.Errorf("json file name %q", cd)
	}
	names := map[string]bool{}
	for _, f := range []string{"csv", "sdmx", "json&download=1"} {
		_, h, _ := indicatorsGet(t, s, "analyst", "survey=mhs&by=SEX&format="+f)
		names[h.Get("Content-Disposition")] = true
	}
	if !names[`attachment; filename="mhs-indicators-by-SEX.csv"`] || !names[`attachment; filename="mhs-indicators-by-SEX.sdmx.csv"`] ||
		!names[`attachment; filename="mhs-indicators-by-SEX.json"`] {
		t.Errorf("file names %v", names)
	}
	// CSV: FIN1 has one decimal by default, full precision on request.
	_, _, body = indicatorsGet(t, s, "analyst", "survey=mhs&indicator=FIN1&format=csv")
	recs, _ := csv.NewReader(bytes.NewReader(body)).ReadAll()
	_, _, body = indicatorsGet(t, s, "analyst", "survey=mhs&indicator=FIN1&format=csv&precision=full")
	full, _ := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if len(recs) != 2 || len(full) != 2 {
		t.Fatalf("csv %q %q", recs, full)
	}
	if e := recs[1][4]; strings.Index(e, ".") != len(e)-2 || len(full[1][4]) <= len(e) {
		t.Errorf("display estimate %q, full %q", e, full[1][4])
	}

	code, _, body = s.get(t, "/api/indicators/catalog?survey=mhs", "analyst")
	var cat struct {
		Areas      []struct{ ID, Name string } `json:"areas"`
		Indicators []struct {
			ID, Definition, Area, Unit string
			Decimals                   int
		} `json:"indicators"`
		Dimensions []struct {
			ID     string
			Labels map[string]string
		} `json:"dimensions"`
	}
	if err := json.Unmarshal(body, &cat); code != 200 || err != nil || len(cat.Indicators) != 21 || len(cat.Areas) < 11 {
		t.Fatalf("catalog: %d %v %.300s", code, err, body)
	}
	for _, in := range cat.Indicators {
		if in.Definition == "" || in.Area == "" {
			t.Errorf("indicator %s has no definition or area", in.ID)
		}
	}
	for _, d := range cat.Dimensions {
		if d.ID == "MIGRATORY_STATUS" && d.Labels["FB_NCIT"] != "Foreign-born non-citizen" {
			t.Errorf("labels %v", d.Labels)
		}
	}
	if code, _, _ := s.get(t, "/api/indicators/catalog?survey=mhs", "enumA1"); code != 403 {
		t.Errorf("catalog as an enumerator: %d", code)
	}
}
