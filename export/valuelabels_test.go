package export_test

import (
	"strings"
	"testing"

	"fieldbase/export"
)

// TestValueLabelsOfCodedColumns: mig_status (a calculate), the review status and the audit
// trail's coded columns get value labels in codebook.csv and in labels.do, like the
// text-coded select_one columns.
func TestValueLabelsOfCodedColumns(t *testing.T) {
	sv := mhsSurvey(t)
	src, _ := synthSource(t, sv, 5)
	b, _ := write(t, sv, src, export.Options{})
	u := readZip(t, b)
	_, cb := u.csv(t, "codebook.csv")
	got := map[string]string{} // file/variable/code -> label|stata value
	for _, r := range cb {
		if r["type"] == "choice" {
			got[r["file"]+"/"+r["variable"]+"/"+r["value"]] = r["value_label"] + "|" + r["stata_value"]
		}
	}
	for key, want := range map[string]string{
		"members.csv/mig_status/NB_NM":   "Native-born non-migrant|1",
		"members.csv/mig_status/FB_NCIT": "Foreign-born non-citizen|4",
		"households.csv/status/approved": "Approved: in indicators and exports|4",
		"reviews.csv/action/reject":      "Reject|2",
		"reviews.csv/to/rejected":        "Rejected (see the reviewer's note)|5",
		"reviews.csv/role/supervisor":    "Supervisor|2",
	} {
		if got[key] != want {
			t.Errorf("codebook %s: %q, want %q", key, got[key], want)
		}
	}
	do := string(u.raw["labels.do"])
	for _, want := range []string{
		"fb_encode mig_status fb_mig_status\n",
		`label define fb_mig_status 1 "NB_NM" 2 "NB_RET" 3 "FB_CIT" 4 "FB_NCIT", replace`,
		`2 "Native-born return migrant" ///`,
		"fb_encode status fb_status\n",
	} {
		if !strings.Contains(do, want) {
			t.Errorf("labels.do lacks %q", want)
		}
	}
}
