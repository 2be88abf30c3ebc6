package indicators

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"fieldbase/estimate"
)

func fp(f float64) *float64 { return &f }

// handResult is a Result with a normal, a suppressed and a low-reliability
// cell without interval (0 degrees of freedom).
func handResult(t *testing.T, by ...string) *Result {
	_, c := mhs(t)
	dims := func(code string) []string {
		if len(by) == 0 {
			return []string{}
		}
		return []string{code}
	}
	return &Result{
		Survey: "mhs", By: by, Period: "2026", cat: c,
		GeneratedAt: time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC),
		Cells: []Cell{
			{Indicator: "FIN1", Dims: dims("F"), Cell: estimate.Cell{Estimate: fp(42.5), SE: fp(1.25),
				CILow: fp(40.125), CIHigh: fp(44.875), NUnweighted: 120, NWeighted: 15000.5, DF: 30}},
			{Indicator: "HH1", Dims: dims("_T"), Cell: estimate.Cell{NUnweighted: 12, NWeighted: 1300,
				Flag: estimate.FlagSuppressed}},
			{Indicator: "LAB4", Dims: dims("M"), Cell: estimate.Cell{Estimate: fp(1234.5), SE: fp(0),
				NUnweighted: 30, NWeighted: 4000, Flag: estimate.FlagLowReliability}},
		},
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := handResult(t, "SEX").WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	want := `{"survey":"mhs","generated_at":"2026-12-01T08:30:00Z","precision":"full",` +
		`"dimensions":[{"id":"SEX","name":"Sex (of the person; of the household head for household indicators)","codes":["M","F"],"labels":{"F":"Female","M":"Male","_T":"Total"}}],"cells":[` +
		`{"indicator":"FIN1","name":"Adults with an account at a financial institution or mobile money","sdg":"8.10.2","unit":"%","decimals":1,"dims":{"SEX":"F"},"labels":{"SEX":"Female"},"estimate":42.5,"se":1.25,"ci_low":40.125,"ci_high":44.875,"n_unweighted":120,"n_weighted":15000.5,"flag":""},` +
		`{"indicator":"HH1","name":"Households with a member living abroad","sdg":"","unit":"%","decimals":1,"dims":{"SEX":"_T"},"labels":{"SEX":"Total"},"estimate":null,"se":null,"ci_low":null,"ci_high":null,"n_unweighted":12,"n_weighted":null,"flag":"suppressed","reason":"primary"},` +
		`{"indicator":"LAB4","name":"Non-fatal occupational injuries per 100,000 employed","sdg":"8.8.1","unit":"per 100,000 employed","decimals":0,"dims":{"SEX":"M"},"labels":{"SEX":"Male"},"estimate":1234.5,"se":0,"ci_low":null,"ci_high":null,"n_unweighted":30,"n_weighted":4000,"flag":"low_reliability"}]}` + "\n"
	if b.String() != want {
		t.Errorf("JSON\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := handResult(t, "SEX").WriteJSONPrecision(&b, Display); err != nil {
		t.Fatal(err)
	}
	// FIN1 one decimal (se two), LAB4 none (se one): 40.125 -> 40.1, 1234.5 -> 1235 (halves away from zero).
	for _, part := range []string{`"precision":"display"`, `"estimate":42.5,"se":1.25,"ci_low":40.1,"ci_high":44.9,"n_unweighted":120,"n_weighted":15001`,
		`"estimate":1235,"se":0,"ci_low":null`} {
		if !strings.Contains(b.String(), part) {
			t.Errorf("display JSON lacks %s:\n%s", part, b.String())
		}
	}
	b.Reset()
	if err := handResult(t).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cells []struct {
			Dims   map[string]string `json:"dims"`
			Labels map[string]string `json:"labels"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || doc.Cells[0].Dims == nil || len(doc.Cells[0].Dims) != 0 || len(doc.Cells[0].Labels) != 0 {
		t.Errorf("without by, dims must be {}: %s (%v)", b.String(), err)
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := handResult(t, "SEX").WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	want := "indicator,name,sdg,unit,SEX,SEX_label,estimate,se,ci_low,ci_high,n_unweighted,n_weighted,flag\n" +
		"FIN1,Adults with an account at a financial institution or mobile money,8.10.2,%,F,Female,42.5,1.25,40.125,44.875,120,15000.5,\n" +
		"HH1,Households with a member living abroad,,%,_T,Total,,,,,12,,suppressed\n" +
		"LAB4,\"Non-fatal occupational injuries per 100,000 employed\",8.8.1,\"per 100,000 employed\",M,Male,1234.5,0,,,30,4000,low_reliability\n"
	if b.String() != want {
		t.Errorf("CSV\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	handResult(t, "SEX").WriteCSVPrecision(&b, Display)
	want = "indicator,name,sdg,unit,SEX,SEX_label,estimate,se,ci_low,ci_high,n_unweighted,n_weighted,flag\n" +
		"FIN1,Adults with an account at a financial institution or mobile money,8.10.2,%,F,Female,42.5,1.25,40.1,44.9,120,15001,\n" +
		"HH1,Households with a member living abroad,,%,_T,Total,,,,,12,,suppressed\n" +
		"LAB4,\"Non-fatal occupational injuries per 100,000 employed\",8.8.1,\"per 100,000 employed\",M,Male,1235,0.0,,,30,4000,low_reliability\n"
	if b.String() != want {
		t.Errorf("display CSV\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	handResult(t).WriteCSV(&b)
	if !strings.HasPrefix(b.String(), "indicator,name,sdg,unit,estimate,se,ci_low,ci_high,n_unweighted,n_weighted,flag\nFIN1,Adults") {
		t.Errorf("CSV without by:\n%s", b.String())
	}
}

func TestWriteSDMX(t *testing.T) {
	var b bytes.Buffer
	if err := handResult(t, "SEX").WriteSDMX(&b, SDMXOptions{RefArea: "NPL"}); err != nil {
		t.Fatal(err)
	}
	want := "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REPORTING_TYPE,SERIES,REF_AREA,SEX,AGE,URBANISATION,DISABILITY_STATUS,MIGRATORY_STATUS,HH_MIG_STATUS,REGION,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,CONF_STATUS,SE,CI_LOWER,CI_UPPER,N_UNWTD\n" +
		"dataflow,NSO:DF_MIGSDG(1.0),I,A,N,FIN1,NPL,F,_T,_T,_T,_T,_T,_T,2026,42.5,PT,A,F,1.25,40.125,44.875,120\n" +
		"dataflow,NSO:DF_MIGSDG(1.0),I,A,N,HH1,NPL,_T,_T,_T,_T,_T,_T,_T,2026,,PT,A,C,,,,12\n" +
		"dataflow,NSO:DF_MIGSDG(1.0),I,A,N,LAB4,NPL,M,_T,_T,_T,_T,_T,_T,2026,1234.5,PER_100000_EMP,U,F,0,,,30\n"
	if b.String() != want {
		t.Errorf("SDMX\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	r := handResult(t, "REGION", "DISABILITY_STATUS")
	for i := range r.Cells {
		r.Cells[i].Dims = []string{"R2", "PD"}
	}
	if err := r.WriteSDMX(&b, SDMXOptions{Dataflow: "CBS:DF_MIG(2.1)", RefArea: "NPL", TimePeriod: "2027"}); err != nil {
		t.Fatal(err)
	}
	line := bytes.Split(b.Bytes(), []byte("\n"))[1]
	if string(line) != "dataflow,CBS:DF_MIG(2.1),I,A,N,FIN1,NPL,_T,_T,_T,PD,_T,_T,R2,2027,42.5,PT,A,F,1.25,40.125,44.875,120" {
		t.Errorf("SDMX two dims row %s", line)
	}
}

func TestWriteSDMXUnknownDimension(t *testing.T) {
	r := handResult(t, "SEX")
	r.By = []string{"COLOUR"}
	if err := r.WriteSDMX(&bytes.Buffer{}, SDMXOptions{}); err == nil || !strings.Contains(err.Error(), "COLOUR") {
		t.Errorf("error %v, want one naming COLOUR", err)
	}
}
