package hooks_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fieldbase/hooks"
	"fieldbase/internal/corpus"
	"fieldbase/schemas"
	"fieldbase/xlsform"
)

// mhsWithVersion is the mhs XLSForm (v1) as form_id mhs_x with settings.version set to
// version (removed when nil).
func mhsWithVersion(t *testing.T, version any) []byte {
	t.Helper()
	def := mhsXLSFormDefinition(t)
	st := def["settings"].(map[string]any)
	st["form_id"] = "mhs_x"
	if version == nil {
		delete(st, "version")
	} else {
		st["version"] = version
	}
	b, _ := json.Marshal(def)
	return b
}

// mhsXLSFormDefinition is the mhs XLSForm (v1) converted to its JSON definition, decoded.
func mhsXLSFormDefinition(t *testing.T) map[string]any {
	t.Helper()
	raw, err := xlsform.ToJSONFile(schemas.MHSWorkbook, "mhs.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	return def
}

// TestInstallAnyVersion: versions that are not whole numbers, or none, are numbered by
// install order; a whole number keeps its number; the same text twice is refused naming
// the version installed. The form list and the XForm show the text as written; an
// OpenRosa instance carrying it is stored under its number; a JSON push names the number.
func TestInstallAnyVersion(t *testing.T) {
	s := newServer(t)
	steps := []struct {
		version any
		want    int
		label   string
	}{
		{"2025-05-01 22-47", 1, "2025-05-01 22-47"},
		{nil, 2, "2"},
		{"v3", 3, "v3"},
		{"7", 7, "7"},
		{"v1", 8, "v1"},
	}
	for _, st := range steps {
		rec, err := hooks.InstallSurvey(s.App, mhsWithVersion(t, st.version))
		if err != nil {
			t.Fatalf("install version %v: %v", st.version, err)
		}
		if rec.GetInt("version") != st.want || rec.GetString("version_label") != st.label {
			t.Errorf("version %v installed as %d %q, want %d %q", st.version, rec.GetInt("version"), rec.GetString("version_label"), st.want, st.label)
		}
	}
	for _, again := range []any{"2025-05-01 22-47", "7"} {
		_, err := hooks.InstallSurvey(s.App, mhsWithVersion(t, again))
		if err == nil || !strings.Contains(err.Error(), "already installed") {
			t.Errorf("version %v installed twice: %v", again, err)
		}
	}
	if _, err := hooks.InstallSurvey(s.App, mhsWithVersion(t, "2025-05-01 22-47")); err == nil || !strings.Contains(err.Error(), "as version 1") {
		t.Errorf("the refusal does not name the installed version: %v", err)
	}

	// The form list shows every label; the XForm carries it.
	base := s.URL + "/openrosa/key/" + appToken(t, s, fx.enumA1)
	a := orRequest(t, "GET", base+"/formList?formID=mhs_x&listAllVersions=true", nil, "", nil)
	var fl formList
	if err := xml.Unmarshal(a.body, &fl); err != nil {
		t.Fatalf("%v %s", err, a.body)
	}
	labels := map[string]string{}
	for _, f := range fl.Forms {
		labels[f.Version] = f.DownloadURL
	}
	for _, st := range steps {
		if labels[st.label] == "" {
			t.Errorf("form list lacks version %q: %s", st.label, a.body)
		}
	}
	x := orRequest(t, "GET", labels["v3"], nil, "", nil)
	if x.status != 200 || !bytes.Contains(x.body, []byte(`id="mhs_x" version="v3"`)) {
		t.Errorf("XForm of v3: %d %.300s", x.status, x.body)
	}

	// An instance of v3 as Collect sends it is stored as version 3.
	inst, id := engineInstance(t)
	inst = bytes.Replace(inst, []byte(`<data id="mhs" version="1">`), []byte(`<data id="mhs_x" version="v3">`), 1)
	body, ct := multipartBody(t, inst, nil, false)
	sub := orRequest(t, "POST", base+"/submission?deviceID=collect%3Aabc", body, ct, nil)
	if sub.status != 201 {
		t.Fatalf("submission under v3: %d %s", sub.status, sub.body)
	}
	if n := count(t, s, "submissions", "uuid = '"+id+"' AND form_id = 'mhs_x' AND version = 3"); n != 1 {
		t.Errorf("the v3 instance is not stored as mhs_x version 3 (%d rows)", n)
	}
	// An unknown label is a 404 naming it.
	inst2, _ := engineInstance(t)
	inst2 = bytes.Replace(inst2, []byte(`<data id="mhs" version="1">`), []byte(`<data id="mhs_x" version="v9">`), 1)
	body, ct = multipartBody(t, inst2, nil, false)
	if sub := orRequest(t, "POST", base+"/submission", body, ct, nil); sub.status != 404 || !bytes.Contains(sub.body, []byte(`&#34;v9&#34;`)) {
		t.Errorf("unknown label: %d %s", sub.status, sub.body)
	}

	// A JSON push names the number.
	hh := households(t, 1, 7)[0]
	hh["survey"], hh["version"] = "mhs_x", 1
	code, pb := s.do("POST", "/api/sync/push", "enumA1", push(hh))
	if r := results(t, pb)[0]; code != 200 || r["outcome"] != "created" {
		t.Fatalf("push to mhs_x version 1 (\"2025-05-01 22-47\"): %d %v", code, pb)
	}
	if n := count(t, s, "submissions", "uuid = '"+hh["id"].(string)+"' AND version = 1"); n != 1 {
		t.Errorf("pushed household not stored as version 1")
	}
}

// TestInstallCorpusWithoutVersion: real XLSForms with no version (most of the corpus)
// install, numbered 1, 2 ... per form_id in install order, each labelled by its number.
func TestInstallCorpusWithoutVersion(t *testing.T) {
	s := newServer(t)
	dir := corpus.Dir(t)
	for _, name := range []string{"pyxform__example_xls__tutorial.xls", "onadata__viewer__tests__household.xlsx", "pyxform__example_xls__gps.xls"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		def, err := xlsform.ToJSONFile(data, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for want := 1; want <= 2; want++ {
			rec, err := hooks.InstallSurvey(s.App, def)
			if err != nil {
				t.Fatalf("install %s (#%d): %v", name, want, err)
			}
			if rec.GetInt("version") != want || rec.GetString("version_label") != rec.GetString("version") {
				t.Errorf("%s install %d: version %d label %q", name, want, rec.GetInt("version"), rec.GetString("version_label"))
			}
		}
	}
}
