package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fieldbase/xlsform"
)

// TestOpenRosaSurveyFiles: a survey installed with `fieldbase survey add form.xlsx --attach
// logo.png` (villages.csv, which its select_one_from_file names, lies next to it) is listed
// with a manifest; ODK's engine fetches the manifest and the files as Collect does (md5
// checked), loads the form with the CSV as its external instance, picks a village from it
// (filtered by region), and the submission is stored valid with that village.
func TestOpenRosaSurveyFiles(t *testing.T) {
	odk := odkDir(t)
	f := newField(t)
	def, err := os.ReadFile("../hooks/testdata/mhs_villages.json")
	if err != nil {
		t.Fatal(err)
	}
	book, err := xlsform.WriteWorkbook(def)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csv, _ := os.ReadFile("../hooks/testdata/villages.csv")
	os.WriteFile(filepath.Join(dir, "mhs_villages.xlsx"), book, 0o644)
	os.WriteFile(filepath.Join(dir, "villages.csv"), csv, 0o644)
	os.WriteFile(filepath.Join(dir, "logo.png"), []byte("\x89PNG not really"), 0o644)

	// Without the CSV beside it the form is refused, naming the file.
	alone := t.TempDir()
	os.WriteFile(filepath.Join(alone, "mhs_villages.xlsx"), book, 0o644)
	out, err := exec.Command(bin, "survey", "add", "--dir", f.dir, filepath.Join(alone, "mhs_villages.xlsx")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "villages.csv (survey row") {
		t.Fatalf("survey add without villages.csv: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "survey", "add", "--dir", f.dir, "--attach", filepath.Join(dir, "logo.png"),
		filepath.Join(dir, "mhs_villages.xlsx")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "with 2 attachment(s)") || !strings.Contains(string(out), "attached "+filepath.Join(dir, "villages.csv")) {
		t.Fatalf("survey add: %v\n%s", err, out)
	}

	env := fiveMembers(t)
	d := env["data"].(map[string]any)
	village := d["a_region"].(string) + "v2"
	d["a_village"] = village
	rep := runCollect(t, odk, f.appTokenURL(), "mhs_villages", d)
	if len(rep.Manifest) != 2 || !rep.Manifest[0].HashMatches || !rep.Manifest[1].HashMatches {
		t.Fatalf("manifest as the engine's client saw it: %+v", rep.Manifest)
	}
	if rep.Payload != "ready" {
		t.Errorf("the engine says the form is not ready (%s): %v", rep.Payload, rep.Violations)
	}
	if rep.Post.Status != 201 || !strings.Contains(rep.XML, "<a_village>"+village+"</a_village>") {
		t.Fatalf("POST %d %s; the engine's XML has no village %s:\n%.2000s", rep.Post.Status, rep.Post.Body, village, rep.XML)
	}
	i := strings.Index(rep.XML, "<instanceID>uuid:")
	got := f.storedHousehold(rep.XML[i+len("<instanceID>uuid:") : i+len("<instanceID>uuid:")+36])
	if got["status"] == "invalid" || got["data"].(map[string]any)["a_village"] != village {
		t.Errorf("stored %v with a_village %v, errors %v", got["status"], got["data"].(map[string]any)["a_village"], got["errors"])
	}
}
