package export

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStataName(t *testing.T) {
	used := map[string]bool{}
	for _, c := range []struct{ in, want string }{
		{"a_consent", "a_consent"},
		{"a-b.c", "a_b_c"},
		{"1st", "v_1st"},
		{"in", "v_in"},
		{"str12", "v_str12"},
		{"strength", "strength"},
		{"", "v_"},
		{"nombre_del_jefe_de_hogar_completo_x", "nombre_del_jefe_de_hogar_complet"},
		{"nombre_del_jefe_de_hogar_completo_y", "nombre_del_jefe_de_hogar_compl_2"},
		{"a_consent", "a_consent_2"},
		{"año", "a__o"},
	} {
		if got := stataName(c.in, used); got != c.want {
			t.Errorf("stataName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{`He said "hi" for $5 ` + "`x'", 0, `"He said 'hi' for \$5 'x'"`},
		{"two\nlines", 0, `"two lines"`},
		{strings.Repeat("é", 90), 80, `"` + strings.Repeat("é", 80) + `"`},
		{strings.Repeat("a", 79) + "$", 80, `"` + strings.Repeat("a", 79) + `"`},
	} {
		if got := quote(c.in, c.max); got != c.want {
			t.Errorf("quote(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCells(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{`"yes"`, "yes"}, {`"a \"q\" \u00e9"`, `a "q" é`}, {`12`, "12"}, {`1.5e+20`, "1.5e+20"},
		{`null`, ""}, {``, ""}, {`true`, "true"}, {`{"a": 1}`, `{"a":1}`}, {`[1, 2]`, `[1,2]`},
	} {
		if got := scalar(json.RawMessage(c.raw)); got != c.want {
			t.Errorf("scalar(%s) = %q, want %q", c.raw, got, c.want)
		}
	}
	p := part{kind: cellMulti, choices: []string{"bank", "mto", "post"}}
	for _, c := range []struct {
		raw  string
		want []string
		ok   bool
	}{
		{`["post","bank"]`, []string{"post bank", "1", "0", "1"}, true},
		{` [ "post" ,	"bank" ] `, []string{"post bank", "1", "0", "1"}, true},
		{`["po\u0073t"]`, []string{"post", "0", "0", "1"}, true}, // an escape: decoded in full
		{`["post",]`, []string{`["post",]`, "0", "0", "0"}, false},
		{`["post" "bank"]`, []string{`["post" "bank"]`, "0", "0", "0"}, false},
		{`"mto post"`, []string{"mto post", "0", "1", "1"}, true},
		{`[]`, []string{"", "0", "0", "0"}, true},
		{`null`, []string{"", "", "", ""}, true},
		{`["bank","zzz"]`, []string{"bank zzz", "1", "0", "0"}, true},
		{`7`, []string{"7", "0", "0", "0"}, false},
	} {
		got, ok := cellsOf(t, &p, c.raw)
		if strings.Join(got, "|") != strings.Join(c.want, "|") || ok != c.ok {
			t.Errorf("multi %s = %q %v, want %q %v", c.raw, got, ok, c.want, c.ok)
		}
	}
	g := part{kind: cellGeo}
	for _, c := range []struct {
		raw  string
		want string
		ok   bool
	}{
		{`{"lat": 28.1, "lon": 84.25, "accuracy": 4}`, "28.1|84.25|4", true},
		{`{"lat": 28.1, "lon": 84.25}`, "28.1|84.25|", true},
		{`"28.1 84.25 1300 5"`, "28.1|84.25|5", true},
		{`null`, "||", true},
		{`"nowhere"`, "nowhere||", false},
	} {
		got, ok := cellsOf(t, &g, c.raw)
		if strings.Join(got, "|") != c.want || ok != c.ok {
			t.Errorf("geo %s = %q %v, want %q %v", c.raw, got, ok, c.want, c.ok)
		}
	}
	for in, want := range map[string]string{
		"2026-10-01 08:30:00.000Z":  "2026-10-01T08:30:00Z",
		"2026-10-01 08:30:00.123Z":  "2026-10-01T08:30:00.123Z",
		"2026-10-01T14:15:00+05:45": "2026-10-01T08:30:00Z",
		"":                          "",
		"not a time":                "not a time",
	} {
		if got := ISOTime(in); got != want {
			t.Errorf("ISOTime(%q) = %q, want %q", in, got, want)
		}
	}
}

// cellsOf is p's cells of raw as strings (a Parquet row); the same cells as one CSV line
// must be what encoding/csv writes of them.
func cellsOf(t *testing.T, p *part, raw string) ([]string, bool) {
	t.Helper()
	strs, csvRow := row{}, row{csv: true}
	ok := p.cells(&strs, []byte(raw))
	if ok2 := p.cells(&csvRow, []byte(raw)); ok2 != ok {
		t.Errorf("%s: ok %v as strings, %v as CSV", raw, ok, ok2)
	}
	var want bytes.Buffer
	cw := csv.NewWriter(&want)
	cw.UseCRLF = true
	cw.Write(strs.cells)
	cw.Flush()
	if got := string(csvRow.line) + "\r\n"; got != want.String() {
		t.Errorf("%s: CSV line %q, encoding/csv writes %q", raw, got, want.String())
	}
	return strs.cells, ok
}

func TestStataCodes(t *testing.T) {
	s := &Schema{Lists: map[string][]Choice{
		"sex":   {{"1", "m"}, {"2", "f"}},
		"yn":    {{"yes", ""}, {"no", ""}},
		"lead0": {{"01", ""}, {"02", ""}},
		"mixed": {{"1", ""}, {"dk", ""}},
		"neg":   {{"-9", "refused"}, {"1", ""}},
	}}
	for list, want := range map[string]string{"sex": "true 1 2", "yn": "false 1 2", "lead0": "false 1 2", "mixed": "false 1 2", "neg": "true -9 1", "none": "false"} {
		c := s.stataCodes(list)
		got := strconv.FormatBool(c.numeric)
		for _, v := range c.values {
			got += " " + strconv.Itoa(v)
		}
		if got != want {
			t.Errorf("stataCodes(%s) = %s, want %s", list, got, want)
		}
	}
}

// oddSchema has names Stata and the file layout must fix, and fields of every type.
func oddSchema() *Schema {
	return &Schema{FormID: "odd", Version: 2, Title: "Odd \"survey\"\nline two",
		Repeats: []string{"reviews", "kids"},
		Lists:   map[string][]Choice{"yn": {{"yes", "Yes"}, {"no", "No"}}, "c": {{"a-b", "A"}, {"in", "In"}}},
		Fields: []Field{
			{Name: "key", Type: "integer", Label: "A field called key"},
			{Name: "in", Type: "text", Label: `Say "$x"`},
			{Name: "pick", Type: "select_multiple", List: "c"},
			{Name: "ok", Type: "select_one", List: "yn"},
			{Name: "where", Type: "geopoint"},
			{Name: "secret", Type: "text", Sensitive: true},
			{Name: "r1", Type: "integer", Repeat: "reviews"},
			{Name: "k1", Type: "text", Repeat: "kids"},
		}}
}

type oddSource struct{ hh []Household }

func (o *oddSource) Households(fn func(*Household) error) error {
	for i := range o.hh {
		if err := fn(&o.hh[i]); err != nil {
			return err
		}
	}
	return nil
}
func (o *oddSource) Reviews(fn func(*Review) error) error      { return nil }
func (o *oddSource) Withdrawn(fn func(*Withdrawn) error) error { return nil }

func TestOddInput(t *testing.T) {
	src := &oddSource{hh: []Household{
		{Key: "a", Data: []byte(`{"key": 5, "in": "multi\nline, \"quoted\" नेपाल", "pick": ["in","zzz"], "ok": "maybe",
			"where": {"lat": 1, "lon": 2, "accuracy": 3}, "reviews": [{"r1": 1}, {"r1": 2}], "kids": [{"k1": "x"}]}`),
			PII: []byte(`{"secret": "s3cr3t", "kids": [{"k1": "overridden?"}]}`)},
		{Key: "b", Data: []byte(`not json`)},
		{Key: "c", Data: []byte(`[1,2]`)},
		{Key: "d", Data: nil, PII: []byte(`{"secret": "hidden"}`)},
		{Key: "e", Data: []byte(`{"where": "somewhere", "pick": 3, "reviews": "no"}`)},
	}}
	var buf bytes.Buffer
	m, err := Write(&buf, oddSchema(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][][]string{}
	var do string
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if bytes.Contains(b, []byte("s3cr3t")) || bytes.Contains(b, []byte("hidden")) {
			t.Errorf("%s holds a sensitive answer", f.Name)
		}
		if f.Name == "labels.do" {
			do = string(b)
		}
		if strings.HasSuffix(f.Name, ".csv") {
			recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			files[f.Name] = recs
		}
	}
	hh := files["households.csv"]
	if got := strings.Join(hh[0][14:], ","); got != "key_2,in,pick,pick_a-b,pick_in,ok,where_lat,where_lon,where_accuracy" {
		t.Fatalf("household answer columns: %s", got)
	}
	if len(hh) != 6 || hh[1][15] != "multi\nline, \"quoted\" नेपाल" || hh[1][16] != "in zzz" || hh[1][18] != "1" || hh[1][19] != "maybe" {
		t.Fatalf("household a: %q", hh[1])
	}
	// The repeat named like a fixed file gets a plain name; its rows are still there.
	if len(files["repeat_1.csv"]) != 3 || len(files["kids.csv"]) != 2 || files["kids.csv"][1][2] != "x" {
		t.Fatalf("repeat files: %v", files)
	}
	if m.ProblemCount != 4 {
		t.Fatalf("problems %d, want 4 (b, c not objects; e where, pick): %+v", m.ProblemCount, m.Problems)
	}
	for _, want := range []string{"v_in", "pick_a_b", "pick_in", "key_2", `"Say '\$x'"`, "* Survey odd version 2: Odd \"survey\" line two"} {
		if !strings.Contains(do, want) {
			t.Errorf("labels.do lacks %q", want)
		}
	}
	// Every Stata name in labels.do is valid.
	valid := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,31}$`)
	for _, line := range strings.Split(do, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "label" && f[1] == "variable" && !valid.MatchString(f[2]) {
			t.Errorf("invalid Stata name in %q", line)
		}
	}
}

type failSource struct{ oddSource }

var errBoom = errors.New("boom")

func (failSource) Reviews(func(*Review) error) error { return errBoom }

func TestSourceError(t *testing.T) {
	m, err := Write(io.Discard, oddSchema(), &failSource{oddSource{hh: []Household{{Key: "a"}}}}, Options{})
	if !errors.Is(err, errBoom) || m == nil || m.Counts["households.csv"] != 1 {
		t.Fatalf("err %v, manifest %+v", err, m)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n += len(p); w.n > 1<<16 {
		return 0, errBoom
	}
	return len(p), nil
}

// genSource makes n households on the fly, each with a few members; it reads the heap size
// as it goes.
type genSource struct {
	n        int
	peakHeap uint64
}

func (g *genSource) sample(i int) {
	if i%5000 == 0 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		g.peakHeap = max(g.peakHeap, ms.HeapInuse)
	}
}

func (g *genSource) Households(fn func(*Household) error) error {
	h := &Household{Status: "approved"}
	for i := 0; i < g.n; i++ {
		g.sample(i)
		h.Key = strconv.Itoa(1e9 + i)
		h.Data = []byte(`{"key": ` + strconv.Itoa(i) + `, "in": "some text of a household", "pick": ["a-b"], "ok": "yes",
			"where": {"lat": 28.1, "lon": 84.2, "accuracy": 5}, "kids": [{"k1": "a"}, {"k1": "b"}]}`)
		if err := fn(h); err != nil {
			return err
		}
	}
	return nil
}

func (g *genSource) Reviews(fn func(*Review) error) error      { return nil }
func (g *genSource) Withdrawn(fn func(*Withdrawn) error) error { return nil }

func TestStreamsInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 200k households")
	}
	g := &genSource{n: 200000}
	m, err := Write(io.Discard, oddSchema(), g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts["households.csv"] != 200000 || m.Counts["kids.csv"] != 400000 {
		t.Fatalf("counts %v", m.Counts)
	}
	if g.peakHeap > 16<<20 {
		t.Fatalf("heap grew to %d MB while streaming", g.peakHeap>>20)
	}
	t.Logf("peak heap in use %.1f MB", float64(g.peakHeap)/(1<<20))
	if _, err := Write(&failWriter{}, oddSchema(), &genSource{n: 100000}, Options{}); !errors.Is(err, errBoom) {
		t.Fatalf("a failing writer: %v", err)
	}
}

// FuzzWrite: any stored answers give a readable ZIP, never a panic.
func FuzzWrite(f *testing.F) {
	f.Add([]byte(`{"key": 5, "pick": ["in"], "where": {"lat": 1}, "kids": [{"k1": "x"}]}`), []byte(`{"secret": "s"}`))
	f.Add([]byte(`{"pick": "a-b in", "where": "1 2 3 4", "ok": {"x": [1, {"y": null}]}}`), []byte(`null`))
	f.Add([]byte(`{"in": "\u00e9\ud800", "in": 2}`), []byte(`[`))
	f.Fuzz(func(t *testing.T, data, pii []byte) {
		src := &oddSource{hh: []Household{{Key: "k", Data: data, PII: pii}}}
		since := int64(1)
		var buf bytes.Buffer
		if _, err := Write(&buf, oddSchema(), src, Options{Filter: Filter{PII: len(pii)%2 == 0, Since: &since}}); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		for _, zf := range zr.File {
			if !strings.HasSuffix(zf.Name, ".csv") {
				continue
			}
			rc, _ := zf.Open()
			if _, err := csv.NewReader(rc).ReadAll(); err != nil {
				t.Fatalf("%s: %v", zf.Name, err)
			}
			rc.Close()
		}
	})
}

// TestStoredTimeAsTimeParse: the fast path of ISOTime writes what time.Parse and Format
// write, and gives up on every text time.Parse refuses or reads otherwise.
func TestStoredTimeAsTimeParse(t *testing.T) {
	slow := func(s string) string {
		for _, layout := range [...]string{"2006-01-02 15:04:05.999Z07:00", time.RFC3339Nano} {
			if tm, err := time.Parse(layout, s); err == nil {
				return tm.UTC().Format("2006-01-02T15:04:05.999Z07:00")
			}
		}
		return s
	}
	ins := []string{"2026-12-20 09:11:55.000Z", "2026-12-20 09:11:55.120Z", "2026-12-20 09:11:55.123Z",
		"2024-02-29 00:00:00.000Z", "2023-02-29 00:00:00.000Z", "1900-02-29 12:00:00.000Z", "2000-02-29 12:00:00.000Z",
		"2026-04-31 10:00:00.000Z", "2026-12-31 23:59:59.999Z", "2026-12-31 24:00:00.000Z", "2026-12-31 23:60:00.000Z",
		"2026-12-31 23:59:60.000Z", "2026-00-10 10:00:00.000Z", "2026-13-10 10:00:00.000Z", "2026-01-00 10:00:00.000Z",
		"0000-01-01 00:00:00.000Z", "2026-1a-10 10:00:00.000Z", "2026-12-20T09:11:55.000Z", "2026-12-20 09:11:55.000+",
		"2026-12-20 09:11:55,000Z", "2026-12-20 09:11:55.0000Z"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := []byte(ins[rng.IntN(len(ins))])
		for range 1 + rng.IntN(2) {
			b[rng.IntN(len(b))] = "0123456789-: .TZ"[rng.IntN(16)]
		}
		ins = append(ins, string(b))
	}
	for _, in := range ins {
		want := slow(in)
		got, ok := appendStoredTime(nil, in)
		if ok && string(got) != want {
			t.Fatalf("%q: fast %q, time.Parse %q", in, got, want)
		}
		if !ok && want != in && len(in) == 24 && in[10] == ' ' && in[23] == 'Z' && in[19] == '.' {
			t.Errorf("%q: the fast path gave up on a stored time (%q)", in, want)
		}
		if got := ISOTime(in); got != want {
			t.Fatalf("ISOTime(%q) = %q, want %q", in, got, want)
		}
	}
}
