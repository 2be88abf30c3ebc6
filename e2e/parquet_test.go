package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// duckdbDir is the Node project whose DuckDB reads the Parquet export (bash .ci/run installs it).
const duckdbDir = "duckdb"

// TestParquetReadByDuckDB: the Parquet export of a real server, read back by DuckDB (its Node
// API), has every approved household and roster row, typed columns, the codebook in each
// file's metadata, and gives the weighted share the indicators route publishes.
func TestParquetReadByDuckDB(t *testing.T) {
	needBinary(t)
	if _, err := os.Stat(filepath.Join(duckdbDir, "node_modules", "@duckdb", "node-api")); err != nil {
		t.Fatalf("DuckDB's Node API is not installed in e2e/%s: run `bash .ci/run` (or `cd e2e/%s && npm ci`): %v", duckdbDir, duckdbDir, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: run `bash .ci/run`: %v", err)
	}
	f := newField(t)
	hh := households(t, 300, 1907)
	out := f.pushAll(hh)
	var ids []string
	code, raw, err := f.call("GET", "/api/collections/submissions/records?perPage=500&fields=id", f.su, nil)
	if err != nil || code != 200 {
		t.Fatalf("list: %d %v", code, err)
	}
	var list struct{ Items []struct{ ID string } }
	json.Unmarshal(raw, &list)
	for _, it := range list.Items {
		ids = append(ids, it.ID)
	}
	if len(ids) != len(out) {
		t.Fatalf("%d submissions stored for %d pushed", len(ids), len(out))
	}
	f.must("POST", "/api/review/bulk", f.sup, map[string]any{"action": "approve", "ids": ids[:250]}, 200)

	code, zipped, err := f.call("GET", "/api/export/microdata?survey=mhs&format=parquet", f.sup, nil)
	if err != nil || code != 200 {
		t.Fatalf("parquet export: %d %v %.300s", code, err, zipped)
	}
	dir := t.TempDir()
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Files  []string         `json:"files"`
		Counts map[string]int64 `json:"counts"`
	}
	for _, zf := range zr.File {
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if zf.Name == "manifest.json" {
			json.Unmarshal(b, &manifest)
		}
		if err := os.WriteFile(filepath.Join(dir, zf.Name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"households.parquet", "members.parquet", "emigrants.parquet", "reviews.parquet", "codebook.csv", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			t.Errorf("the export has no %s (files %v)", want, manifest.Files)
		}
	}

	cmd := exec.Command(node, "check.mjs", dir)
	cmd.Dir = duckdbDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("DuckDB: %v\n%s", err, stderr.String())
	}
	var duck struct {
		Counts              map[string]int64  `json:"counts"`
		HH1                 float64           `json:"hh1"`
		MembersPerHousehold float64           `json:"members_per_household"`
		Types               map[string]string `json:"types"`
		Metadata            map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(got, &duck); err != nil {
		t.Fatalf("DuckDB output %q: %v", got, err)
	}
	if duck.Counts["households"] != 250 {
		t.Errorf("DuckDB reads %d households, 250 were approved", duck.Counts["households"])
	}
	for name, n := range duck.Counts {
		if manifest.Counts[name+".parquet"] != n {
			t.Errorf("%s: DuckDB reads %d rows, the manifest says %d", name, n, manifest.Counts[name+".parquet"])
		}
	}
	code, raw, err = f.call("GET", "/api/collections/members/records?perPage=1&fields=id&filter="+
		"status%3D'approved'", f.su, nil)
	var total struct {
		TotalItems int `json:"totalItems"`
	}
	if err != nil || code != 200 || json.Unmarshal(raw, &total) != nil {
		t.Fatalf("members count: %d %v %.200s", code, err, raw)
	}
	members := total.TotalItems
	if int(duck.Counts["members"]) != members || members < 250 {
		t.Errorf("DuckDB reads %d members, the server has %d approved", duck.Counts["members"], members)
	}
	if duck.MembersPerHousehold < 1 || duck.MembersPerHousehold > 20 {
		t.Errorf("weighted persons per household %v", duck.MembersPerHousehold)
	}

	// HH1 as the indicators route publishes it.
	code, raw, err = f.call("GET", "/api/indicators?survey=mhs&indicator=HH1", f.sup, nil)
	var ind struct {
		Cells []struct {
			Estimate *float64 `json:"estimate"`
		} `json:"cells"`
	}
	if err != nil || code != 200 || json.Unmarshal(raw, &ind) != nil || len(ind.Cells) != 1 || ind.Cells[0].Estimate == nil {
		t.Fatalf("indicators: %d %v %.300s", code, err, raw)
	}
	if api := *ind.Cells[0].Estimate; math.Abs(api-duck.HH1) > 1e-9*math.Max(1, api) {
		t.Errorf("HH1: DuckDB on the Parquet export gives %v, the API %v", duck.HH1, api)
	}

	for col, want := range map[string]string{"key": "VARCHAR", "version": "BIGINT", "a_weight": "DOUBLE",
		"created": "TIMESTAMP WITH TIME ZONE", "a_consent": "VARCHAR"} {
		if got := duck.Types[col]; got != want {
			t.Errorf("households.%s: DuckDB type %q, want %s", col, got, want)
		}
	}
	var cb []struct {
		Name, Label, Type string
		Choices           []struct{ Value, Label string }
	}
	if err := json.Unmarshal([]byte(duck.Metadata["fieldbase.codebook"]), &cb); err != nil || len(cb) != len(duck.Types) {
		t.Fatalf("codebook metadata (%d columns for %d): %v %.200s", len(cb), len(duck.Types), err, duck.Metadata["fieldbase.codebook"])
	}
	labelled := false
	for _, c := range cb {
		if c.Name == "a_consent" && c.Label != "" && len(c.Choices) > 0 {
			labelled = true
		}
	}
	if !labelled || !strings.HasPrefix(duck.Metadata["fieldbase.survey"], "mhs v") {
		t.Errorf("metadata has no labels for a_consent or no survey: %v", duck.Metadata["fieldbase.survey"])
	}
	t.Logf("DuckDB: %v rows; HH1 %.4f (API the same); %.2f persons per household (weighted)", duck.Counts, duck.HH1, duck.MembersPerHousehold)
}
