package hooks_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"strings"
	"testing"

	"fieldbase/hooks"
	"fieldbase/openrosa"
)

// installVillages installs mhs_villages (mhs with a_village, a select_one_from_file
// villages.csv filtered by region) with its file.
func installVillages(t *testing.T, s *server) []byte {
	t.Helper()
	def, err := os.ReadFile("testdata/mhs_villages.json")
	if err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile("testdata/villages.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hooks.InstallSurveyFiles(s.App, def, map[string][]byte{"villages.csv": csv, "logo.png": []byte("\x89PNG logo")}); err != nil {
		t.Fatalf("install with the village list: %v", err)
	}
	return csv
}

// TestSurveyFileRequired: a form naming a data file that is not attached is refused at
// install, naming the file, its row and why the form needs it; a CSV without a name column
// is refused too.
func TestSurveyFileRequired(t *testing.T) {
	s := newServer(t)
	def, _ := os.ReadFile("testdata/mhs_villages.json")
	_, err := hooks.InstallSurvey(s.App, def)
	if err == nil || !strings.Contains(err.Error(), "villages.csv (survey row 5, select_one_from_file)") || !strings.Contains(err.Error(), "--attach") {
		t.Errorf("install without the file: %v", err)
	}
	_, err = hooks.InstallSurveyFiles(s.App, def, map[string][]byte{"villages.csv": []byte("code,label\nx,X\n")})
	if err == nil || !strings.Contains(err.Error(), "villages.csv has no name column") {
		t.Errorf("a CSV without a name column: %v", err)
	}
	if n, _ := s.App.CountRecords("surveys", nil); n != 2 { // mhs v1 and v2 only
		t.Errorf("%d surveys after refused installs", n)
	}
}

// TestSurveyFileValidation: pushed answers to a select_one_from_file are checked against the
// attached file (and its choice filter on the file's region column).
func TestSurveyFileValidation(t *testing.T) {
	s := newServer(t)
	installVillages(t, s)
	hhs := households(t, 3, 77)
	var items []any
	for i, hh := range hhs {
		hh["survey"] = "mhs_villages"
		region := data(hh)["a_region"].(string)
		data(hh)["a_village"] = []string{region + "v2", "R9v1", "R1v1"}[i]
		if i == 2 && region == "R1" {
			data(hh)["a_village"] = "R2v1"
		}
		items = append(items, hh)
	}
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(items...))
	if code != 200 {
		t.Fatalf("push: %d %v", code, body)
	}
	rs := results(t, body)
	if rs[0]["status"] == "invalid" {
		t.Errorf("a village of the household's region: %v", rs[0])
	}
	for i, what := range []string{"", "a village not in the file", "a village of another region"} {
		if i == 0 {
			continue
		}
		errs, _ := rs[i]["errors"].([]any)
		if rs[i]["status"] != "invalid" || len(errs) != 1 || errs[0].(map[string]any)["path"] != "a_village" || errs[0].(map[string]any)["rule"] != "choice" {
			t.Errorf("%s: %v", what, rs[i])
		}
	}
}

// TestSurveyFilesManifest: a form with attachments has a manifestUrl in the form list; the
// manifest lists each file with its md5 and an absolute download URL that serves the bytes;
// a form without attachments has none; the XForm declares the CSV as ODK's external
// instance.
func TestSurveyFilesManifest(t *testing.T) {
	s := newServer(t)
	csv := installVillages(t, s)
	base := s.URL + "/openrosa/key/" + appToken(t, s, fx.enumA1)
	a := orRequest(t, "GET", base+"/formList", nil, "", nil)
	var fl formList
	if err := xml.Unmarshal(a.body, &fl); err != nil {
		t.Fatal(err)
	}
	var manifestURL, downloadURL string
	for _, f := range fl.Forms {
		switch f.FormID {
		case "mhs_villages":
			manifestURL, downloadURL = f.ManifestURL, f.DownloadURL
		case "mhs":
			if f.ManifestURL != "" {
				t.Errorf("mhs has no attachments but a manifestUrl %s", f.ManifestURL)
			}
		}
	}
	if manifestURL != base+"/forms/mhs_villages/1/manifest" {
		t.Fatalf("manifestUrl %q in %s", manifestURL, a.body)
	}
	m := orRequest(t, "GET", manifestURL, nil, "", nil)
	var man struct {
		Files []struct {
			Filename    string `xml:"filename"`
			Hash        string `xml:"hash"`
			DownloadURL string `xml:"downloadUrl"`
		} `xml:"mediaFile"`
	}
	if err := xml.Unmarshal(m.body, &man); err != nil || m.status != 200 || !bytes.Contains(m.body, []byte(`xmlns="http://openrosa.org/xforms/xformsManifest"`)) {
		t.Fatalf("manifest: %d %v %s", m.status, err, m.body)
	}
	if len(man.Files) != 2 || man.Files[1].Filename != "villages.csv" || man.Files[1].Hash != openrosa.MD5(csv) ||
		man.Files[1].DownloadURL != base+"/forms/mhs_villages/1/files/villages.csv" {
		t.Fatalf("manifest entries: %+v", man.Files)
	}
	d := orRequest(t, "GET", man.Files[1].DownloadURL, nil, "", nil)
	if d.status != 200 || !bytes.Equal(d.body, csv) || d.header.Get("Content-Type") != "text/csv" {
		t.Errorf("download: %d %s %q", d.status, d.header.Get("Content-Type"), d.body[:min(len(d.body), 40)])
	}
	if nf := orRequest(t, "GET", base+"/forms/mhs_villages/1/files/other.csv", nil, "", nil); nf.status != 404 {
		t.Errorf("a file the form does not have: %d", nf.status)
	}
	if e := orRequest(t, "GET", base+"/forms/mhs/2/manifest", nil, "", nil); e.status != 200 || bytes.Contains(e.body, []byte("<mediaFile>")) {
		t.Errorf("manifest of a form without attachments: %d %s", e.status, e.body)
	}
	// Only enumerators' devices fetch them.
	bad := strings.Replace(man.Files[1].DownloadURL, "/key/", "/key/x", 1)
	if r := orRequest(t, "GET", bad, nil, "", nil); r.status != 403 {
		t.Errorf("a bad token downloads a survey file: %d", r.status)
	}
	x := orRequest(t, "GET", downloadURL, nil, "", nil)
	if !bytes.Contains(x.body, []byte(`<instance id="villages" src="jr://file-csv/villages.csv"/>`)) {
		t.Errorf("the XForm does not declare the CSV instance")
	}
	// PocketBase's record API: enumerators and supervisors read survey files, analysts not.
	for who, want := range map[string]float64{"enumB1": 2, "supA": 2, "analyst": 0} {
		if _, out := s.do("GET", "/api/collections/survey_files/records", who, nil); out["totalItems"] != want {
			t.Errorf("%s lists %v survey files, want %v", who, out["totalItems"], want)
		}
	}
}

// TestSurveyFilesSyncAPI: a JSON device lists and downloads its survey version's files.
func TestSurveyFilesSyncAPI(t *testing.T) {
	s := newServer(t)
	csv := installVillages(t, s)
	code, out := s.do("GET", "/api/sync/surveys/mhs_villages/1/files", "enumA1", nil)
	files, _ := out["files"].([]any)
	if code != 200 || len(files) != 2 {
		t.Fatalf("list: %d %v", code, out)
	}
	v := files[1].(map[string]any)
	if v["name"] != "villages.csv" || v["md5"] != strings.TrimPrefix(openrosa.MD5(csv), "md5:") {
		t.Errorf("entry: %v", v)
	}
	c, hdr, body := s.get(t, v["url"].(string), "supB")
	if c != 200 || !bytes.Equal(body, csv) || hdr.Get("Content-Type") != "text/csv" {
		t.Errorf("download: %d %s", c, hdr.Get("Content-Type"))
	}
	for who, want := range map[string]int{"analyst": 403, "": 401} {
		if c, _, _ := s.get(t, v["url"].(string), who); c != want {
			t.Errorf("%q downloads: %d, want %d", who, c, want)
		}
	}
	if c, _ := s.do("GET", "/api/sync/surveys/nope/1/files", "enumA1", nil); c != 404 {
		t.Errorf("unknown survey: %d", c)
	}
	if c, _ := s.do("GET", "/api/sync/surveys/mhs_villages/1/files/x.csv", "enumA1", nil); c != 404 {
		t.Errorf("unknown file: %d", c)
	}
}

// TestOpenRosaUntitledForm: a form without a title is listed under its form_id (Collect
// drops the whole form list when an entry has no name; several corpus forms have none).
func TestOpenRosaUntitledForm(t *testing.T) {
	s := newServer(t)
	def, _ := os.ReadFile("testdata/mhs_villages.json")
	def = bytes.Replace(def, []byte(`"title": "Migration survey with a village list"`), []byte(`"title": ""`), 1)
	if _, err := hooks.InstallSurveyFiles(s.App, def, map[string][]byte{"villages.csv": []byte("name,label,region\nR1v1,V,R1\n")}); err != nil {
		t.Fatal(err)
	}
	a := orRequest(t, "GET", s.URL+"/openrosa/key/"+appToken(t, s, fx.enumA1)+"/formList?formID=mhs_villages", nil, "", nil)
	var fl formList
	if err := xml.Unmarshal(a.body, &fl); err != nil || len(fl.Forms) != 1 || fl.Forms[0].Name != "mhs_villages" {
		t.Errorf("untitled form in the list: %v %s", err, a.body)
	}
}
