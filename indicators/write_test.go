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
	want := `{"survey":"mhs","generated_at":"2026-12-01T08:30:00Z","cells":[` +
		`{"indicator":"FIN1","dims":{"SEX":"F"},"estimate":42.5,"se":1.25,"ci_low":40.125,"ci_high":44.875,"n_unweighted":120,"n_weighted":15000.5,"flag":""},` +
		`{"indicator":"HH1","dims":{"SEX":"_T"},"estimate":null,"se":null,"ci_low":null,"ci_high":null,"n_unweighted":12,"n_weighted":null,"flag":"suppressed","reason":"primary"},` +
		`{"indicator":"LAB4","dims":{"SEX":"M"},"estimate":1234.5,"se":0,"ci_low":null,"ci_high":null,"n_unweighted":30,"n_weighted":4000,"flag":"low_reliability"}]}` + "\n"
	if b.String() != want {
		t.Errorf("JSON\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := handResult(t).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cells []struct {
			Dims map[string]string `json:"dims"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || doc.Cells[0].Dims == nil || len(doc.Cells[0].Dims) != 0 {
		t.Errorf("without by, dims must be {}: %s (%v)", b.String(), err)
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := handResult(t, "SEX").WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	want := "indicator,SEX,estimate,se,ci_low,ci_high,n_unweighted,n_weighted,flag\n" +
		"FIN1,F,42.5,1.25,40.125,44.875,120,15000.5,\n" +
		"HH1,_T,,,,,12,,suppressed\n" +
		"LAB4,M,1234.5,0,,,30,4000,low_reliability\n"
	if b.String() != want {
		t.Errorf("CSV\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	handResult(t).WriteCSV(&b)
	if !strings.HasPrefix(b.String(), "indicator,estimate,se,ci_low,ci_high,n_unweighted,n_weighted,flag\nFIN1,42.5,") {
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
