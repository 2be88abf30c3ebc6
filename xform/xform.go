package xform

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"fieldbase/form"
)

// Root is the name of the primary instance's root element (pyxform's default).
const Root = "data"

// Namespaces of pyxform's output, in its order.
const header = `<?xml version="1.0"?>` + "\n" +
	`<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"` +
	` xmlns:ev="http://www.w3.org/2001/xml-events" xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
	` xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms"` +
	` xmlns:odk="http://www.opendatakit.org/xforms">`

// bindTypes maps a survey type to the XForms bind type; body says which control shows it
// ("" = none: a calculate lives in the model only).
var bindTypes = map[string]struct{ bind, body string }{
	"integer":         {"int", "input"},
	"decimal":         {"decimal", "input"},
	"text":            {"string", "input"},
	"date":            {"date", "input"},
	"time":            {"time", "input"},
	"datetime":        {"dateTime", "input"},
	"dateTime":        {"dateTime", "input"},
	"geopoint":        {"geopoint", "input"},
	"geotrace":        {"geotrace", "input"},
	"geoshape":        {"geoshape", "input"},
	"barcode":         {"barcode", "input"},
	"select_one":      {"string", "select1"},
	"select_multiple": {"string", "select"},
	"calculate":       {"string", ""},
	"note":            {"string", "input"},
	"image":           {"binary", "upload"},
	"audio":           {"binary", "upload"},
	"video":           {"binary", "upload"},
	"file":            {"binary", "upload"},
}

var uploadMedia = map[string]string{"image": "image/*", "audio": "audio/*", "video": "video/*", "file": "application/*"}

// Meta elements of the primary instance (OpenRosa metadata): the envelope's id, start,
// end and device come from them.
const (
	metaInstanceID = "instanceID"
	metaTimeStart  = "timeStart"
	metaTimeEnd    = "timeEnd"
	metaDeviceID   = "deviceID"
	metaDeprecated = "deprecatedID"
)

// Build writes the XForm of s. The same survey always gives the same bytes.
func Build(s *form.Survey) ([]byte, error) {
	b := &builder{s: s, used: map[string]bool{}}
	for _, f := range s.Rows() {
		if f.Type == "group" || f.Type == "repeat" {
			continue
		}
		if _, ok := bindTypes[f.Type]; !ok {
			return nil, fmt.Errorf("xform: %s has type %s, which has no XForm equivalent here", f.Name, f.Type)
		}
		if f.List != "" {
			b.used[f.List] = true
		}
	}
	b.w(header)
	b.w("<h:head><h:title>")
	b.text(title(s))
	b.w("</h:title><model odk:xforms-version=\"1.0.0\">")
	b.instance()
	for _, name := range s.ListNames() {
		if b.used[name] {
			b.choices(name)
		}
	}
	for _, f := range s.Rows() {
		b.bind(f)
	}
	b.metaBinds()
	b.w("</model></h:head><h:body>")
	b.body(nil)
	b.w("</h:body></h:html>\n")
	if b.err != nil {
		return nil, b.err
	}
	return b.buf.Bytes(), nil
}

// Version is the version attribute served for a survey version.
func Version(s *form.Survey) string { return strconv.Itoa(s.Version) }

func title(s *form.Survey) string {
	if s.Title != "" {
		return s.Title
	}
	return s.FormID
}

type builder struct {
	s    *form.Survey
	buf  bytes.Buffer
	used map[string]bool // choice lists some question uses
	err  error
}

func (b *builder) w(s string) { b.buf.WriteString(s) }

func (b *builder) text(s string) { xml.EscapeText(&b.buf, []byte(s)) }

func (b *builder) attr(name, value string) {
	b.w(" " + name + `="`)
	xml.EscapeText(&b.buf, []byte(value))
	b.w(`"`)
}

// children returns the rows directly inside parent (nil: the top of the form).
func (b *builder) children(parent *form.Field) []*form.Field {
	var out []*form.Field
	for _, f := range b.s.Rows() {
		if f.Parent() == parent {
			out = append(out, f)
		}
	}
	return out
}

func (b *builder) instance() {
	b.w("<instance><" + Root)
	b.attr("id", b.s.FormID)
	b.attr("version", Version(b.s))
	b.w(">")
	b.nodes(nil, false)
	b.w("<meta><" + metaInstanceID + "/><" + metaTimeStart + "/><" + metaTimeEnd + "/><" + metaDeviceID + "/></meta>")
	b.w("</" + Root + "></instance>")
}

// nodes writes the instance elements under parent; a repeat is written as its jr:template
// and one instance, as pyxform does.
func (b *builder) nodes(parent *form.Field, _ bool) {
	for _, f := range b.children(parent) {
		switch f.Type {
		case "repeat":
			b.w("<" + f.Name + ` jr:template="">`)
			b.nodes(f, true)
			b.w("</" + f.Name + ">")
			b.w("<" + f.Name + ">")
			b.nodes(f, true)
			b.w("</" + f.Name + ">")
		case "group":
			b.w("<" + f.Name + ">")
			b.nodes(f, false)
			b.w("</" + f.Name + ">")
		default:
			b.w("<" + f.Name + "/>")
		}
	}
}

func (b *builder) choices(list string) {
	b.w("<instance")
	b.attr("id", list)
	b.w("><root>")
	for _, c := range b.s.Choices(list) {
		b.w("<item><name>")
		b.text(c.Name)
		b.w("</name><label>")
		b.text(c.Label)
		b.w("</label>")
		for _, k := range slices.Sorted(maps.Keys(c.Extra)) {
			if !xmlName(k) || k == "name" || k == "label" {
				continue
			}
			b.w("<" + k + ">")
			b.text(c.Extra[k])
			b.w("</" + k + ">")
		}
		b.w("</item>")
	}
	b.w("</root></instance>")
}

func (b *builder) bind(f *form.Field) {
	b.w("<bind")
	b.attr("nodeset", Path(f))
	if t, ok := bindTypes[f.Type]; ok {
		b.attr("type", t.bind)
	}
	if f.Type == "note" {
		b.attr("readonly", "true()")
	}
	if f.Required && f.Type != "group" && f.Type != "repeat" && f.Type != "calculate" {
		b.attr("required", "true()")
	}
	if f.Relevant != "" {
		b.attr("relevant", b.expr(f.Relevant, f, false))
	}
	if f.Constraint != "" {
		b.attr("constraint", b.expr(f.Constraint, f, false))
		if f.ConstraintMessage != "" {
			b.attr("jr:constraintMsg", f.ConstraintMessage)
		}
	}
	if f.Calculation != "" {
		b.attr("calculate", b.expr(f.Calculation, f, false))
	}
	b.w("/>")
}

func (b *builder) metaBinds() {
	meta := "/" + Root + "/meta/"
	b.w(`<bind nodeset="` + meta + metaInstanceID + `" type="string" readonly="true()" jr:preload="uid"/>`)
	b.w(`<bind nodeset="` + meta + metaTimeStart + `" type="dateTime" jr:preload="timestamp" jr:preloadParams="start"/>`)
	b.w(`<bind nodeset="` + meta + metaTimeEnd + `" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/>`)
	b.w(`<bind nodeset="` + meta + metaDeviceID + `" type="string" jr:preload="property" jr:preloadParams="deviceid"/>`)
}

func (b *builder) label(f *form.Field) {
	b.w("<label>")
	if f.Label != "" {
		b.text(f.Label)
	} else if f.Type != "group" && f.Type != "repeat" {
		b.text(f.Name)
	}
	b.w("</label>")
}

func (b *builder) body(parent *form.Field) {
	for _, f := range b.children(parent) {
		switch f.Type {
		case "group":
			b.w("<group")
			b.attr("ref", Path(f))
			b.w(">")
			b.label(f)
			b.body(f)
			b.w("</group>")
		case "repeat":
			b.w("<group")
			b.attr("ref", Path(f))
			b.w(">")
			b.label(f)
			b.w("<repeat")
			b.attr("nodeset", Path(f))
			if f.RepeatCount != "" {
				b.attr("jr:count", b.expr(f.RepeatCount, f, false))
				b.attr("jr:noAddRemove", "true()")
			}
			b.w(">")
			b.body(f)
			b.w("</repeat></group>")
		default:
			b.control(f)
		}
	}
}

func (b *builder) control(f *form.Field) {
	t := bindTypes[f.Type]
	if t.body == "" {
		return
	}
	b.w("<" + t.body)
	b.attr("ref", Path(f))
	if m := uploadMedia[f.Type]; m != "" {
		b.attr("mediatype", m)
	}
	b.w(">")
	b.label(f)
	if f.List != "" {
		b.w("<itemset")
		nodeset := "instance('" + f.List + "')/root/item"
		if f.ChoiceFilter != "" {
			nodeset += "[" + b.expr(f.ChoiceFilter, f, true) + "]"
		}
		b.attr("nodeset", nodeset)
		b.w(`><value ref="name"/><label ref="label"/></itemset>`)
	}
	b.w("</" + t.body + ">")
}

// Path is the absolute path of a row's node in the primary instance.
func Path(f *form.Field) string {
	var parts []string
	for p := f; p != nil; p = p.Parent() {
		parts = append(parts, p.Name)
	}
	var sb strings.Builder
	sb.WriteString("/" + Root)
	for i := len(parts) - 1; i >= 0; i-- {
		sb.WriteString("/" + parts[i])
	}
	return sb.String()
}

// xmlName reports whether s can be an element name as written (ASCII names only; the
// survey loader allows no others).
func xmlName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}
