package indicators

import (
	"strings"
	"testing"
)

// TestPresentationKeys: labels, definitions, decimals and areas do not change the catalog's
// hash (stored facts stay current when a label is edited); a bad area, decimals or reference
// is refused by name; names read case-insensitively.
func TestPresentationKeys(t *testing.T) {
	sv, c := mhsV2(t) // strict Load: the newest version measures every indicator
	relabelled, err := Load(edit(t, func(m map[string]any) {
		in := indicator(m, "FIN1")
		in["name"], in["definition"], in["decimals"] = "Accounts", "Other words.", 3
		m["dimensions"].([]any)[0].(map[string]any)["labels"] = map[string]any{"M": "Men", "F": "Women"}
	}), sv)
	if err != nil {
		t.Fatal(err)
	}
	if relabelled.Hash != c.Hash || relabelled.Indicator("FIN1").Decimals != 3 || relabelled.Dimension("SEX").Label("F") != "Women" {
		t.Errorf("hash %s (was %s), decimals %d, label %q", relabelled.Hash, c.Hash,
			relabelled.Indicator("FIN1").Decimals, relabelled.Dimension("SEX").Label("F"))
	}
	for _, tc := range []struct {
		fn   func(map[string]any)
		says string
	}{
		{func(m map[string]any) { indicator(m, "FIN1")["area"] = "finance" }, `indicator FIN1, column area: "finance"`},
		{func(m map[string]any) { indicator(m, "FIN1")["decimals"] = 9 }, "indicator FIN1, column decimals"},
		{func(m map[string]any) { m["dimensions"].([]any)[0].(map[string]any)["reference"] = "X" }, "dimension SEX, column reference"},
	} {
		if _, err := Load(edit(t, tc.fn), sv); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("error %v, want one saying %q", err, tc.says)
		}
	}
	req := c.Normalize(Request{Indicators: []string{"fin1", "NOPE"}, By: []string{"sex", "Migratory_Status"}})
	if strings.Join(req.Indicators, ",") != "FIN1,NOPE" || strings.Join(req.By, ",") != "SEX,MIGRATORY_STATUS" {
		t.Errorf("normalized %+v", req)
	}
	if l := c.Dimension("MIGRATORY_STATUS").Label("FB_NCIT"); l != "Foreign-born non-citizen" {
		t.Errorf("label %q", l)
	}
	if c.Indicator("FIN1").GapMeasure() != "percentage points" || c.Indicator("MIG1").Measure() != "months of earnings" {
		t.Error("units")
	}
}
