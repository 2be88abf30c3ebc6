package xform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fieldbase/form"
)

// sameTree says where two parsed trees differ ("" when they do not).
func sameTree(a, b *node, path string) string {
	switch {
	case a == nil || b == nil:
		if a != b {
			return path + ": one tree has no node"
		}
		return ""
	case a.name != b.name || a.prefix != b.prefix:
		return fmt.Sprintf("%s: name %s:%s / %s:%s", path, a.prefix, a.name, b.prefix, b.name)
	case a.template != b.template:
		return fmt.Sprintf("%s/%s: template %v / %v", path, a.name, a.template, b.template)
	case a.text != b.text:
		return fmt.Sprintf("%s/%s: text %q / %q", path, a.name, a.text, b.text)
	case len(a.kids) != len(b.kids):
		return fmt.Sprintf("%s/%s: %d / %d children", path, a.name, len(a.kids), len(b.kids))
	}
	for i := range a.kids {
		if d := sameTree(a.kids[i], b.kids[i], path+"/"+a.name); d != "" {
			return d
		}
	}
	return ""
}

// scanAgrees checks the property scan is built on: whenever it accepts a document,
// encoding/xml (decode) accepts it too and reads the same tree, form ID and version.
// It says whether scan accepted.
func scanAgrees(t testing.TB, doc []byte) bool {
	t.Helper()
	root, id, version, ok := scan(doc)
	if !ok {
		return false
	}
	droot, did, dversion, err := decode(doc)
	if err != nil {
		t.Fatalf("scan accepts what encoding/xml refuses (%v): %q", err, doc)
	}
	if id != did || version != dversion {
		t.Fatalf("form %q version %q, encoding/xml %q %q: %q", id, version, did, dversion, doc)
	}
	if d := sameTree(root, droot, ""); d != "" {
		t.Fatalf("scan and encoding/xml read different trees (%s): %q", d, doc)
	}
	return true
}

// TestScanReadsWhatCollectSends: the instances ODK's engine and fieldbase's writer (as
// Collect writes them) produce are read by scan, not left to encoding/xml, and read as
// encoding/xml reads them; so are the corpus's pyxform XForms (namespaces, itext, entities).
func TestScanReadsWhatCollectSends(t *testing.T) {
	s := mhs(t)
	engine, err := os.ReadFile("testdata/mhs_engine_instance.xml")
	if err != nil {
		t.Fatal(err)
	}
	docs := [][]byte{engine,
		[]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + string(engine) + "\n"),
		[]byte(`<?xml version='1.0' encoding='utf-8' standalone='yes' ?>` + string(engine)),
	}
	docs = append(docs, synthInstances(t, s, 200, 9)...)
	for i, doc := range docs {
		if !scanAgrees(t, doc) {
			t.Errorf("instance %d is left to encoding/xml: %.300q", i, doc)
		}
	}
	xforms, _ := filepath.Glob(filepath.Join(corpusDir(t), "pyxform-xforms", "*.xml"))
	scanned := 0
	for _, f := range xforms {
		doc, _ := os.ReadFile(f)
		if scanAgrees(t, doc) {
			scanned++
		}
	}
	t.Logf("%d of %d pyxform XForms read by scan", scanned, len(xforms))
	if len(xforms) == 0 || scanned*2 < len(xforms) {
		t.Errorf("scan read %d of the %d pyxform XForms", scanned, len(xforms))
	}
}

// TestScanLeavesTheRestToEncodingXML: what scan does not read itself goes to encoding/xml,
// so Parse's verdicts and messages are encoding/xml's: hostile documents (entities, DTDs,
// depth, size) and anything unusual.
func TestScanLeavesTheRestToEncodingXML(t *testing.T) {
	deep := strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1)
	for _, doc := range []string{
		`<!DOCTYPE data [<!ENTITY a "x">]><data id="f"><q>&a;</q></data>`,
		`<?xml version="1.0"?><!DOCTYPE data SYSTEM "file:///etc/passwd"><data id="f"/>`,
		`<data id="f"><q>&#38;</q></data>`,
		`<data id="f"><!-- c --><q/></data>`,
		`<data id="f"><q><![CDATA[x]]></q></data>`,
		`<data id="f"><q>a]]>b</q></data>`,
		"<data id=\"f\"><q>a\r\nb</q></data>",
		"\ufeff<data id=\"f\"/>",
		`<data id="f"><q>x</r></data>`,
		`<data id="f"><q>x</data>`,
		`<data id="f"/><data id="g"/>`,
		`<data id="f">text<q/></data>tail`,
		`<?xml version="1.1"?><data id="f"/>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><data id="f"/>`,
		`<?php x ?><data id="f"/>`,
		`<data id=f/>`,
		`<data id="f" version/>`,
		`<data id="f"><é>x</é></data>`,
		`<data id="f"><q>` + "\x01" + `</q></data>`,
		`<data id="f"><q>` + "\xff" + `</q></data>`,
		`<data id="f"><a:b:c/></data>`,
		deep,
		`<data id="f">`,
		``,
	} {
		if _, _, _, ok := scan([]byte(doc)); ok {
			t.Errorf("scan read %.80q itself", doc)
		}
	}
	// And the limits hold through Parse.
	if _, err := Parse([]byte(deep)); err == nil || !strings.Contains(err.Error(), "levels deep") {
		t.Errorf("deep nesting: %v", err)
	}
	many := "<data>" + strings.Repeat("<q/>", MaxElements) + "</data>"
	if _, err := Parse([]byte(many)); err == nil || !strings.Contains(err.Error(), "elements") {
		t.Errorf("too many elements: %v", err)
	}
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><data id="f"><q>&lol2;</q></data>`
	if _, err := Parse([]byte(laughs)); err == nil || !strings.Contains(err.Error(), "DOCTYPE") {
		t.Errorf("billion laughs: %v", err)
	}
}

// FuzzScanIsDecode: whatever scan accepts, encoding/xml accepts and reads the same.
//
//	go test ./xform -run '^$' -fuzz FuzzScanIsDecode -fuzztime 60s
func FuzzScanIsDecode(f *testing.F) {
	engine, err := os.ReadFile("testdata/mhs_engine_instance.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(engine)
	for _, s := range []string{
		`<?xml version="1.0" encoding="UTF-8"?><data id="mhs" version="1" xmlns:jr="http://openrosa.org/javarosa"><members jr:template=""><b_age/></members><q>a &lt;b&gt; &amp; &apos;c&quot;</q><meta><instanceID>uuid:1</instanceID></meta></data>`,
		"<data id=\"f\">\n  <q>\n\t x y \n</q>\n  <r a='1' b=\"2\"/>\n</data>\n",
		`<data id="a" id="b" version="1" version="2"><x:q x:id="3">é ü 日本</x:q></data>`,
		`<data id="f"><q>]]&gt;</q><r>]]</r><s>&amp;]]></s></data>`,
		`<data id="f"><q a="]]>"/><q a="&amp;"/><q a="<"/></data>`,
		`<?xml version="1.0"?><data id="f"><q>x</q ></data >`,
		`<data id="f"><q>x</q	></data>`,
		`<data id="f"><q> ` + "\u00a0x\u00a0" + ` </q></data>` + "\u00a0",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		scanAgrees(t, doc)
		// Parse gives the same instance whichever reads it (scan's is checked above; here
		// that a document scan gives up on is still judged, without a panic).
		if _, err := Parse(doc); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse's error is not an *Error: %v", err)
			}
		}
	})
}

// BenchmarkParse: the engine's household read by scan (Parse) and by encoding/xml.
//
//	go test ./xform -run '^$' -bench Parse -benchmem
func BenchmarkParse(b *testing.B) {
	doc, err := os.ReadFile("testdata/mhs_engine_instance.xml")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			if _, err := Parse(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-xml", func(b *testing.B) {
		for b.Loop() {
			if _, _, _, err := decode(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestReadNamesTheUnknownElement: an element that is not a question is named by its path.
func TestReadNamesTheUnknownElement(t *testing.T) {
	s := mhs(t)
	engine, err := os.ReadFile("testdata/mhs_engine_instance.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to, want string }{
		{"<b_age>", "<b_agex>1</b_agex><b_age>", "/data/members/b_agex is not a question of survey mhs"},
		{"<a_psu>", "<zz/><a_psu>", "/data/zz is not a question of survey mhs"},
		{"<b_age>", "<b_age><x/></b_age><b_age>", "/data/members/b_age has elements inside; a integer answer is text"},
	} {
		doc := strings.Replace(string(engine), c.from, c.to, 1)
		in, err := Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = in.Read(s, "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v (want %q)", c.to, err, c.want)
		}
	}
}

// BenchmarkRead: the engine's household parsed and read for ingest (Parse, then Read).
func BenchmarkRead(b *testing.B) {
	js, err := os.ReadFile("../schemas/mhs.json")
	if err != nil {
		b.Fatal(err)
	}
	s, err := form.Load(js)
	if err != nil {
		b.Fatal(err)
	}
	doc, err := os.ReadFile("testdata/mhs_engine_instance.xml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		in, err := Parse(doc)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := in.Read(s, "collect:x"); err != nil {
			b.Fatal(err)
		}
	}
}
