package export_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fieldbase/export"
	"fieldbase/form"
)

var record = []string{"key", "uuid", "form_id", "version", "status", "enumerator", "team", "device_id",
	"started_at", "completed_at", "duration_s", "seq", "created", "updated"}

// expectedHeader derives a file's header from the questionnaire rules of the issue.
func expectedHeader(sv *form.Survey, repeat string, pii bool) []string {
	h := []string{"key", "line"}
	if repeat == "" {
		h = slices.Clone(record)
	}
	for _, f := range sv.Fields() {
		if f.Repeat != repeat || (f.Sensitive && !pii) {
			continue
		}
		switch f.Type {
		case "geopoint":
			h = append(h, f.Name+"_lat", f.Name+"_lon", f.Name+"_accuracy")
		case "select_multiple":
			h = append(h, f.Name)
			for _, c := range sv.Choices(f.List) {
				h = append(h, f.Name+"_"+c.Name)
			}
		default:
			h = append(h, f.Name)
		}
	}
	return h
}

func write(t testing.TB, sv *form.Survey, src export.Source, opt export.Options) ([]byte, *export.Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := export.Write(&buf, export.FromForm(sv), src, opt)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), m
}

func TestMHSExport(t *testing.T) {
	sv := mhsSurvey(t)
	src, answers := synthSource(t, sv, 60)
	src.withdrawn = []export.Withdrawn{{Key: "gone1", Seq: 61}, {Key: "gone2", Seq: 62}}
	since := int64(0)
	opt := export.Options{Filter: export.Filter{Survey: "mhs", Status: []string{"approved"}, Since: &since},
		Cursor: 60, Now: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)}
	b, m := write(t, sv, src, opt)
	u := readZip(t, b)

	want := []string{"households.csv", "members.csv", "emigrants.csv", "reviews.csv", "withdrawn.csv", "codebook.csv", "labels.do", "manifest.json"}
	if !slices.Equal(u.names, want) {
		t.Fatalf("files %v, want %v", u.names, want)
	}

	hHead, hh := u.csv(t, "households.csv")
	if w := expectedHeader(sv, "", false); !slices.Equal(hHead, w) {
		t.Fatalf("households header\n got %v\nwant %v", hHead, w)
	}
	if len(hh) != len(src.hh) {
		t.Fatalf("households rows %d, want %d", len(hh), len(src.hh))
	}
	keys := map[string]int{}
	for i, row := range hh {
		keys[row["key"]] = i
		d := answers[i]
		if row["key"] != src.hh[i].Key || row["status"] != "approved" || row["seq"] != strconv.Itoa(i+1) {
			t.Fatalf("row %d record columns: %v", i, row)
		}
		if row["started_at"] != "2026-12-20T09:11:55Z" || row["completed_at"] != "2026-12-20T10:04:35.25Z" || row["duration_s"] != "12.5" {
			t.Fatalf("row %d timestamps: %q %q %q", i, row["started_at"], row["completed_at"], row["duration_s"])
		}
		if row["a_date"] != d["a_date"] || row["a_psu"] != text(d["a_psu"]) || row["a_stratum"] != d["a_stratum"] {
			t.Fatalf("row %d answers: %v vs %v", i, row, d)
		}
		checkGeo(t, row, d["a_gps"])
		checkMulti(t, sv, row, "e_channel", d["e_channel"])
		checkMulti(t, sv, row, "l_12m", d["l_12m"])
	}

	for _, rep := range []string{"members", "emigrants"} {
		head, rows := u.csv(t, rep+".csv")
		if w := expectedHeader(sv, rep, false); !slices.Equal(head, w) {
			t.Fatalf("%s header\n got %v\nwant %v", rep, head, w)
		}
		n := 0
		for i, d := range answers {
			want, _ := d[rep].([]any)
			for j, a := range want {
				if n >= len(rows) {
					t.Fatalf("%s: only %d rows", rep, len(rows))
				}
				row := rows[n]
				n++
				// The join: key names a household row, line the position in the repeat.
				if hi, ok := keys[row["key"]]; !ok || hi != i || row["line"] != strconv.Itoa(j+1) {
					t.Fatalf("%s row %d joins household %q line %s, want household %d line %d", rep, n, row["key"], row["line"], i, j+1)
				}
				am := a.(map[string]any)
				for _, f := range sv.Fields() {
					if f.Repeat != rep || f.Type == "select_multiple" || f.Sensitive {
						continue
					}
					if v, ok := am[f.Name]; ok && row[f.Name] != text(v) {
						t.Fatalf("%s row %d %s = %q, want %v", rep, n, f.Name, row[f.Name], v)
					}
				}
				if rep == "members" {
					checkMulti(t, sv, row, "h_benefit", am["h_benefit"])
					checkMulti(t, sv, row, "f_items", am["f_items"])
				}
			}
		}
		if n != len(rows) || n == 0 {
			t.Fatalf("%s rows %d, want %d (and some)", rep, len(rows), n)
		}
		if m.Counts[rep+".csv"] != int64(n) {
			t.Fatalf("manifest count of %s: %d, want %d", rep, m.Counts[rep+".csv"], n)
		}
	}

	// An increment lists the households to drop from an earlier copy.
	if head, rows := u.csv(t, "withdrawn.csv"); !slices.Equal(head, []string{"key", "seq"}) || len(rows) != 2 ||
		rows[1]["key"] != "gone2" || rows[1]["seq"] != "62" || m.Counts["withdrawn.csv"] != 2 {
		t.Fatalf("withdrawn.csv: %v %v", head, rows)
	}
	rHead, revs := u.csv(t, "reviews.csv")
	if slices.Contains(rHead, "actor_name") || len(revs) != len(src.reviews) || revs[0]["created"] != "2026-12-22T08:00:00Z" {
		t.Fatalf("reviews: %v, %d rows, %v", rHead, len(revs), revs[0])
	}

	// No personal data anywhere, in any file.
	names := 0
	for i, h := range src.hh {
		var p map[string]any
		json.Unmarshal(h.PII, &p)
		name, _ := p["a_head_name"].(string)
		if name == "" {
			continue // no consent: no name
		}
		names++
		for f, raw := range u.raw {
			if bytes.Contains(raw, []byte(name)) {
				t.Fatalf("%s holds the head name %q of household %d", f, name, i)
			}
		}
	}
	for _, r := range src.rows["members"] {
		var p map[string]any
		json.Unmarshal(r.PII, &p)
		name, _ := p["b_name"].(string)
		for f, raw := range u.raw {
			if name == "" || bytes.Contains(raw, []byte(name)) {
				t.Fatalf("%s holds member name %q (or the test data has none)", f, name)
			}
		}
	}
	if names < 30 {
		t.Fatalf("only %d head names to look for", names)
	}
	if bytes.Contains(u.raw["households.csv"], []byte("a_head_name")) || bytes.Contains(u.raw["members.csv"], []byte("b_name")) ||
		bytes.Contains(u.raw["reviews.csv"], []byte("Sita")) {
		t.Fatal("a sensitive column or a staff name is in the export")
	}

	var man export.Manifest
	if err := json.Unmarshal(u.raw["manifest.json"], &man); err != nil {
		t.Fatal(err)
	}
	if man.Cursor != 60 || man.Counts["households.csv"] != 60 || man.GeneratedAt != "2027-01-02T03:04:05Z" ||
		*man.Filter.Since != 0 || !slices.Equal(man.Withheld, []string{"a_head_name", "b_name"}) || man.ProblemCount != 0 {
		t.Fatalf("manifest: %s", u.raw["manifest.json"])
	}
	checkCodebook(t, u)
}

// text is how a JSON answer reads in a cell.
func text(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func checkGeo(t *testing.T, row map[string]string, v any) {
	t.Helper()
	g, _ := v.(map[string]any)
	if g == nil {
		if row["a_gps_lat"] != "" || row["a_gps_lon"] != "" {
			t.Fatalf("no GPS answered but columns %q %q", row["a_gps_lat"], row["a_gps_lon"])
		}
		return
	}
	for _, c := range []string{"lat", "lon", "accuracy"} {
		got, err := strconv.ParseFloat(row["a_gps_"+c], 64)
		if err != nil || math.Abs(got-g[c].(float64)) > 1e-12 {
			t.Fatalf("a_gps_%s = %q, want %v", c, row["a_gps_"+c], g[c])
		}
	}
}

// checkMulti: the names column and one 0/1 column per choice; all empty when not answered.
func checkMulti(t *testing.T, sv *form.Survey, row map[string]string, name string, v any) {
	t.Helper()
	sel := map[string]bool{}
	var names []string
	items, answered := v.([]any)
	for _, x := range items {
		sel[x.(string)] = true
		names = append(names, x.(string))
	}
	if row[name] != strings.Join(names, " ") {
		t.Fatalf("%s = %q, want %q", name, row[name], strings.Join(names, " "))
	}
	for _, c := range sv.Choices(sv.Field(name).List) {
		want := ""
		if answered {
			want = "0"
			if sel[c.Name] {
				want = "1"
			}
		}
		if got := row[name+"_"+c.Name]; got != want {
			t.Fatalf("%s_%s = %q, want %q (answer %v)", name, c.Name, got, want, v)
		}
	}
}

// checkCodebook: every column of every CSV is described once, in file order, and choice rows
// follow their select columns.
func checkCodebook(t *testing.T, u *unzipped) {
	t.Helper()
	_, cb := u.csv(t, "codebook.csv")
	described := map[string][]string{}
	choices := map[string]int{}
	for _, r := range cb {
		if r["type"] == "choice" {
			choices[r["file"]+"/"+r["variable"]]++
			continue
		}
		described[r["file"]] = append(described[r["file"]], r["variable"])
	}
	for _, f := range []string{"households.csv", "members.csv", "emigrants.csv", "reviews.csv"} {
		head, _ := u.csv(t, f)
		if !slices.Equal(head, described[f]) {
			t.Fatalf("codebook of %s\n got %v\nwant %v", f, described[f], head)
		}
	}
	if choices["members.csv/b_sex"] != 2 || choices["households.csv/e_channel"] != 7 || choices["households.csv/a_consent"] != 2 {
		t.Fatalf("choice rows: %v", choices)
	}
	for _, r := range cb {
		if r["variable"] == "a_consent" && r["value"] == "no" && r["stata_value"] != "2" {
			t.Fatalf("a_consent no: stata_value %q, want 2", r["stata_value"])
		}
		if r["variable"] == "b_rel" && r["value"] == "8" && r["stata_value"] != "8" {
			t.Fatalf("b_rel 8: stata_value %q, want 8", r["stata_value"])
		}
	}
}

func TestPIIExport(t *testing.T) {
	sv := mhsSurvey(t)
	src, _ := synthSource(t, sv, 10)
	src.withdrawn = []export.Withdrawn{{Key: "gone", Seq: 9}}
	b, m := write(t, sv, src, export.Options{Filter: export.Filter{Survey: "mhs", PII: true}, BOM: true})
	u := readZip(t, b)
	if _, ok := u.raw["withdrawn.csv"]; ok {
		t.Fatal("withdrawn.csv in a full (not incremental) export")
	}
	if !bytes.HasPrefix(u.raw["households.csv"], []byte("\uFEFFkey,")) || !bytes.HasPrefix(u.raw["codebook.csv"], []byte("\uFEFF")) {
		t.Fatal("BOM asked for but missing")
	}
	head, hh := u.csv(t, "households.csv")
	if w := expectedHeader(sv, "", true); !slices.Equal(head, w) {
		t.Fatalf("header with PII\n got %v\nwant %v", head, w)
	}
	for i, row := range hh {
		var p map[string]any
		json.Unmarshal(src.hh[i].PII, &p)
		if p["a_head_name"] == nil {
			continue // no consent
		}
		if row["a_head_name"] != p["a_head_name"] || row["a_head_name"] == "" {
			t.Fatalf("row %d head name %q, want %v", i, row["a_head_name"], p["a_head_name"])
		}
	}
	_, members := u.csv(t, "members.csv")
	for i, row := range members {
		var p map[string]any
		json.Unmarshal(src.rows["members"][i].PII, &p)
		if row["b_name"] != p["b_name"] || row["b_name"] == "" {
			t.Fatalf("member %d name %q, want %v", i, row["b_name"], p["b_name"])
		}
	}
	rHead, _ := u.csv(t, "reviews.csv")
	if !slices.Contains(rHead, "actor_name") || len(m.Withheld) != 0 {
		t.Fatalf("reviews header %v, withheld %v", rHead, m.Withheld)
	}
}

func TestStataDoFile(t *testing.T) {
	sv := mhsSurvey(t)
	src, _ := synthSource(t, sv, 5)
	for i := range src.hh { // households without emigrants
		var data map[string]any
		json.Unmarshal(src.hh[i].Data, &data)
		delete(data, "emigrants")
		src.hh[i].Data = js(data)
	}
	b, _ := write(t, sv, src, export.Options{})
	do := string(readZip(t, b).raw["labels.do"])
	for _, want := range []string{
		`import delimited using "households.csv", clear varnames(nonames) rowrange(2)`,
		"label define yn 1 \"yes\" 2 \"no\", replace\n",
		"fb_encode a_consent yn\n",
		"label define yn 1 \"Yes\" 2 \"No\", modify\n",
		"label values b_sex sex\n",
		"label values e_channel_bank fb_sel\n",
		"fb_date a_date\n",
		"fb_time started_at\n",
		"label variable a_gps_lat ",
		`save "members.dta", replace`,
		"* ---- emigrants.csv has no rows in this export: not read.",
	} {
		if !strings.Contains(do, want) {
			t.Errorf("labels.do lacks %q", want)
		}
	}
	if strings.Contains(do, "import delimited using \"emigrants.csv\"") {
		t.Error("labels.do reads an empty file")
	}
	// The rename gives every column its name: v1 -> key ...
	if !strings.Contains(do, "rename (v1 v2 v3") || !strings.Contains(do, "(key uuid form_id") {
		t.Errorf("rename missing:\n%s", do)
	}
}
