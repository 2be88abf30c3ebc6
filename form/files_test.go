package form

import (
	"strings"
	"testing"
)

const filesForm = `{
 "settings": {"form_id": "ext", "version": 1},
 "survey": [
  {"type": "select_one region", "name": "region", "label": "Region", "image": "map.png"},
  {"type": "select_one_from_file villages.csv", "name": "village", "label": "Village", "choice_filter": "region = ${region}"},
  {"type": "select_multiple_from_file crops.xml", "name": "crops", "label": "Crops"},
  {"type": "calculate", "name": "price", "calculation": "pulldata('prices', 'price', 'crop', 'rice')"},
  {"type": "text", "name": "shop", "label": "Shop", "appearance": "search('shops')"}
 ],
 "choices": [
  {"list_name": "region", "name": "r1", "label": "R1"},
  {"list_name": "region", "name": "r2", "label": "R2", "image": "r2.png"}
 ]}`

var villagesCSV = []byte("\xef\xbb\xbfname,label,region\nv1,Village one,r1\nv2,Village two,r2\n")
var cropsXML = []byte(`<root><item><name>rice</name><label>Rice</label></item><item><name>maize</name><label>Maize</label></item></root>`)

// TestNamedFiles: every file the form names, data files (which the form needs) before
// the media of labels, each with the row that names it.
func TestNamedFiles(t *testing.T) {
	s, err := Load([]byte(filesForm))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range s.NamedFiles() {
		got = append(got, f.Name+" "+f.Why)
		if f.Name == "villages.csv" && (f.Row != 2 || !f.Data) {
			t.Errorf("villages.csv: %+v", f)
		}
		if f.Name == "map.png" && f.Data {
			t.Errorf("a label's image is not a data file: %+v", f)
		}
	}
	want := "crops.xml select_multiple_from_file,prices.csv pulldata,shops.csv search,villages.csv select_one_from_file,map.png media,r2.png media"
	if strings.Join(got, ",") != want {
		t.Errorf("named files:\n got %s\nwant %s", strings.Join(got, ","), want)
	}
}

// TestSelectFromFileValidation: with its files attached, an answer to a select_one_from_file
// or select_multiple_from_file must be a name in the file (and pass the choice filter on the
// file's columns); without them any code is taken (the device's choices).
func TestSelectFromFileValidation(t *testing.T) {
	withFiles, err := LoadFiles([]byte(filesForm), map[string][]byte{"villages.csv": villagesCSV, "crops.xml": cropsXML})
	if err != nil {
		t.Fatal(err)
	}
	base := func() *Envelope {
		e := testEnvelope()
		e.Survey, e.Version = "ext", 1
		e.Data = map[string]any{"region": "r1", "village": "v1", "crops": "rice maize", "shop": "x"}
		return e
	}
	runRuleCases(t, withFiles, base, []ruleCase{
		{name: "in the files", mutate: func(*Envelope, map[string]any) {}},
		{name: "not in the CSV", mutate: func(_ *Envelope, d map[string]any) { d["village"] = "v9" }, errors: []string{"village choice"}},
		{name: "filtered out by a CSV column", mutate: func(_ *Envelope, d map[string]any) { d["village"] = "v2" }, errors: []string{"village choice"}},
		{name: "not in the XML", mutate: func(_ *Envelope, d map[string]any) { d["crops"] = "rice wheat" }, errors: []string{"crops choice"}},
	})
	res := withFiles.Validate(func() *Envelope { e := base(); e.Data["village"] = "v9"; return e }(), day("2026-10-20"))
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, `"v9" is not an answer option`) {
		t.Errorf("message: %v", res.Errors)
	}
	without, err := Load([]byte(filesForm))
	if err != nil {
		t.Fatal(err)
	}
	e := base()
	e.Data["village"], e.Data["crops"] = "v9", "wheat"
	if res := without.Validate(e, day("2026-10-20")); len(res.Errors) != 0 {
		t.Errorf("without the files any code is the device's: %v", res.Errors)
	}
}

// TestAttachedFileProblems: a CSV without a name column or an XML that is no item list is
// refused, naming the row and the file.
func TestAttachedFileProblems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{"no name column", map[string][]byte{"villages.csv": []byte("code,label\nv1,V\n")}, "attached file villages.csv has no name column"},
		{"not XML", map[string][]byte{"crops.xml": []byte("rice,maize")}, "attached file crops.xml is not XML"},
	} {
		_, err := LoadFiles([]byte(filesForm), tc.files)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "survey row") {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
