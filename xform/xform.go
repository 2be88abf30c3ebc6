package xform

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"fieldbase/form"
)

// Namespaces of pyxform's output, in its order.
const header = `<?xml version="1.0"?>` + "\n" +
	`<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"` +
	` xmlns:ev="http://www.w3.org/2001/xml-events" xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
	` xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms"` +
	` xmlns:odk="http://www.opendatakit.org/xforms">`

// control is how a survey type appears in the XForm: its bind type, the body element that
// shows it ("" = none: it lives in the model only) and, for metadata, its preload.
type control struct {
	bind, body        string
	preload, params   string
	mediatype         string
	noBody, modelOnly bool
}

var controls = map[string]control{
	"integer":             {bind: "int", body: "input"},
	"decimal":             {bind: "decimal", body: "input"},
	"range":               {bind: "int", body: "range"},
	"text":                {bind: "string", body: "input"},
	"barcode":             {bind: "barcode", body: "input"},
	"date":                {bind: "date", body: "input"},
	"time":                {bind: "time", body: "input"},
	"dateTime":            {bind: "dateTime", body: "input"},
	"datetime":            {bind: "dateTime", body: "input"},
	"geopoint":            {bind: "geopoint", body: "input"},
	"geotrace":            {bind: "geotrace", body: "input"},
	"geoshape":            {bind: "geoshape", body: "input"},
	"select_one":          {bind: "string", body: "select1"},
	"select_multiple":     {bind: "string", body: "select"},
	"rank":                {bind: "odk:rank", body: "odk:rank"},
	"acknowledge":         {bind: "string", body: "trigger"},
	"note":                {bind: "string", body: "input"},
	"calculate":           {bind: "string"},
	"hidden":              {bind: "string"},
	"image":               {bind: "binary", body: "upload", mediatype: "image/*"},
	"audio":               {bind: "binary", body: "upload", mediatype: "audio/*"},
	"video":               {bind: "binary", body: "upload", mediatype: "video/*"},
	"file":                {bind: "binary", body: "upload", mediatype: "application/*"},
	"osm":                 {bind: "binary", body: "upload", mediatype: "osm/*"},
	"background-audio":    {bind: "binary"},
	"audit":               {bind: "binary"},
	"start":               {bind: "dateTime", preload: "timestamp", params: "start"},
	"end":                 {bind: "dateTime", preload: "timestamp", params: "end"},
	"today":               {bind: "date", preload: "date", params: "today"},
	"deviceid":            {bind: "string", preload: "property", params: "deviceid"},
	"username":            {bind: "string", preload: "property", params: "username"},
	"phonenumber":         {bind: "string", preload: "property", params: "phonenumber"},
	"simserial":           {bind: "string", preload: "property", params: "simserial"},
	"subscriberid":        {bind: "string", preload: "property", params: "subscriberid"},
	"email":               {bind: "string", preload: "property", params: "email"},
	"start-geopoint":      {bind: "geopoint"},
	"background-geopoint": {bind: "geopoint"},
	"xml-external":        {modelOnly: true},
	"csv-external":        {modelOnly: true},
}

// Meta elements of the primary instance (OpenRosa metadata): the envelope's id, start,
// end and device come from them.
const (
	metaInstanceID   = "instanceID"
	metaInstanceName = "instanceName"
	metaTimeStart    = "timeStart"
	metaTimeEnd      = "timeEnd"
	metaDeviceID     = "deviceID"
	metaDeprecated   = "deprecatedID"
	metaAudit        = "audit"
)

// media columns of a label (pyxform: image, big-image, audio, video, each may be
// translated: image::English (en)); in itext they are <value form="image">jr://images/…
var mediaForms = []struct{ column, form, scheme string }{
	{"image", "image", "jr://images/"}, {"big-image", "big-image", "jr://images/"},
	{"audio", "audio", "jr://audio/"}, {"video", "video", "jr://video/"},
}

// Root is the name of the primary instance's root element: the settings' name, else
// pyxform's default "data".
func Root(s *form.Survey) string {
	if n := s.Settings.Extra["name"]; xmlName(n) {
		return n
	}
	return "data"
}

// Version is the version attribute served for a survey version.
func Version(s *form.Survey) string {
	if s.Settings.VersionText != "" {
		return s.Settings.VersionText
	}
	return strconv.Itoa(s.Version)
}

// Build writes the XForm of s. The same survey always gives the same bytes.
func Build(s *form.Survey) ([]byte, error) {
	b := &builder{s: s, root: Root(s), used: map[string]bool{}}
	for _, f := range s.Rows() {
		if f.Type == "group" || f.Type == "repeat" {
			continue
		}
		if _, ok := controls[f.Type]; !ok {
			return nil, fmt.Errorf("xform: %s has type %s, which has no XForm equivalent here", f.Name, f.Type)
		}
		if f.List != "" && f.External == "" {
			b.used[f.List] = true
		}
	}
	b.langs, b.defLang = languages(s)
	b.w(header)
	b.w("<h:head><h:title>")
	b.text(title(s))
	b.w("</h:title><model odk:xforms-version=\"1.0.0\">")
	if b.itext() {
		b.translations()
	}
	b.instance()
	for _, name := range s.ListNames() {
		if b.used[name] {
			b.choices(name)
		}
	}
	b.externalInstances()
	// Binds are written aside first: an expression may need the __last-saved instance,
	// which must come before them.
	model := b.buf
	b.buf = bytes.Buffer{}
	for _, f := range s.Rows() {
		b.bind(f)
	}
	b.metaBinds()
	b.modelActions()
	binds := b.buf
	b.buf = model
	if b.lastSaved {
		b.w(`<instance id="__last-saved" src="jr://instance/last-saved"/>`)
	}
	b.buf.Write(binds.Bytes())
	b.w("</model></h:head><h:body")
	if st := s.Settings.Extra["style"]; st != "" {
		b.attr("class", st)
	}
	b.w(">")
	b.body(nil)
	b.w("</h:body></h:html>\n")
	if b.err != nil {
		return nil, b.err
	}
	return b.buf.Bytes(), nil
}

func title(s *form.Survey) string {
	if s.Title != "" {
		return s.Title
	}
	return s.FormID
}

type builder struct {
	s       *form.Survey
	root    string
	buf     bytes.Buffer
	used    map[string]bool // choice lists some question uses
	langs   []string        // itext languages, default first ("" when none)
	defLang string
	// lastSaved: an expression reads ${last-saved#name}: the __last-saved instance is declared.
	lastSaved bool
	err       error
}

func (b *builder) w(s string) { b.buf.WriteString(s) }

func (b *builder) text(s string) { xml.EscapeText(&b.buf, []byte(s)) }

func (b *builder) attr(name, value string) {
	b.w(" " + name + `="`)
	xml.EscapeText(&b.buf, []byte(value))
	b.w(`"`)
}

// Path is the absolute path of a row's node in the primary instance.
func (b *builder) path(f *form.Field) string { return "/" + b.root + "/" + f.Path }

// Path is the absolute path of a row's node in the primary instance of s.
func Path(s *form.Survey, f *form.Field) string { return "/" + Root(s) + "/" + f.Path }

// children returns the rows directly inside parent (nil: the top of the form).
func (b *builder) children(parent *form.Field) []*form.Field {
	var out []*form.Field
	for _, f := range b.s.Rows() {
		if f.Parent() == parent && !controls[f.Type].modelOnly && f.Type != "audit" {
			out = append(out, f)
		}
	}
	return out
}

func (b *builder) instance() {
	b.w("<instance><" + b.root)
	b.attr("id", b.s.FormID)
	b.attr("version", Version(b.s))
	b.w(">")
	b.nodes(nil, 0)
	b.w("<meta><" + metaInstanceID + "/>")
	if b.s.Settings.Extra["instance_name"] != "" {
		b.w("<" + metaInstanceName + "/>")
	}
	b.w("<" + metaTimeStart + "/><" + metaTimeEnd + "/><" + metaDeviceID + "/>")
	if b.audit() != nil {
		b.w("<" + metaAudit + "/>")
	}
	b.w("</meta></" + b.root + "></instance>")
}

// audit is the survey's audit row (Collect's audit log lives at meta/audit), or nil.
func (b *builder) audit() *form.Field {
	for _, f := range b.s.Rows() {
		if f.Type == "audit" {
			return f
		}
	}
	return nil
}

// nodes writes the instance elements under parent. As pyxform does, a repeat is written as
// its jr:template and one instance; inside a template only templates of nested repeats
// are written, inside an instance only instances (mode: 0 neither, 1 template, 2 instance).
func (b *builder) nodes(parent *form.Field, mode int) {
	for _, f := range b.children(parent) {
		switch f.Type {
		case "repeat":
			if mode != 2 {
				b.w("<" + f.Name + ` jr:template="">`)
				b.nodes(f, 1)
				b.w("</" + f.Name + ">")
			}
			if mode != 1 {
				b.w("<" + f.Name + ">")
				b.nodes(f, 2)
				b.w("</" + f.Name + ">")
			}
		case "group":
			b.w("<" + f.Name + ">")
			b.nodes(f, mode)
			b.w("</" + f.Name + ">")
		default:
			if d := staticDefault(f); d != "" {
				b.w("<" + f.Name + ">")
				b.text(d)
				b.w("</" + f.Name + ">")
			} else {
				b.w("<" + f.Name + "/>")
			}
		}
	}
}

// staticDefault is a default that is a value, not an expression (those are setvalue
// actions, as pyxform writes them).
func staticDefault(f *form.Field) string {
	d := f.Columns["default"]
	if d == "" || dynamic(d) {
		return ""
	}
	return d
}

func dynamic(d string) bool { return strings.Contains(d, "${") || strings.Contains(d, "(") }

func (b *builder) choices(list string) {
	b.w("<instance")
	b.attr("id", list)
	b.w("><root>")
	for i, c := range b.s.Choices(list) {
		b.w("<item>")
		if b.itext() {
			b.w("<itextId>" + list + "-" + strconv.Itoa(i) + "</itextId>")
		}
		b.w("<name>")
		b.text(c.Name)
		b.w("</name>")
		if !b.itext() {
			b.w("<label>")
			b.text(c.Label)
			b.w("</label>")
		}
		for _, k := range slices.Sorted(maps.Keys(c.Extra)) {
			if !xmlName(k) || k == "name" || k == "label" || isMediaColumn(k) {
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

// externalInstances declares the data files expressions and selects read: xml-external and
// csv-external rows, and the files of select_one_from_file.
func (b *builder) externalInstances() {
	seen := map[string]bool{}
	add := func(id, src string) {
		if seen[id] {
			return
		}
		seen[id] = true
		b.w("<instance")
		b.attr("id", id)
		b.attr("src", src)
		b.w("/>")
	}
	for _, f := range b.s.Rows() {
		switch {
		case f.Type == "xml-external":
			add(f.Name, "jr://file/"+f.Name+".xml")
		case f.Type == "csv-external":
			add(f.Name, "jr://file-csv/"+f.Name+".csv")
		case f.External != "" && f.External != "external_choices":
			add(fileInstanceID(f.External), fileSrc(f.External))
		}
	}
}

func fileInstanceID(file string) string { return strings.TrimSuffix(file, path.Ext(file)) }

func fileSrc(file string) string {
	if strings.HasSuffix(file, ".csv") {
		return "jr://file-csv/" + file
	}
	return "jr://file/" + file
}

func (b *builder) bind(f *form.Field) {
	c := controls[f.Type]
	if c.modelOnly {
		return
	}
	b.w("<bind")
	if f.Type == "audit" {
		b.attr("nodeset", "/"+b.root+"/meta/"+metaAudit)
	} else {
		b.attr("nodeset", b.path(f))
	}
	if c.bind != "" {
		t := c.bind
		if f.Type == "range" && strings.Contains(f.Columns["parameters"], ".") {
			t = "decimal"
		}
		b.attr("type", t)
	}
	if c.preload != "" {
		b.attr("jr:preload", c.preload)
		b.attr("jr:preloadParams", c.params)
	}
	if ro := f.Columns["read_only"]; f.Type == "note" || yes(ro) {
		b.attr("readonly", "true()")
	} else if ro != "" && !no(ro) {
		b.attr("readonly", b.expr(ro, f, false))
	}
	if f.Required && f.Type != "group" && f.Type != "repeat" && f.Type != "calculate" {
		b.attr("required", "true()")
	} else if f.RequiredIf != "" {
		b.attr("required", b.expr(f.RequiredIf, f, false))
	}
	if msg := f.Columns["required_message"]; msg != "" && (f.Required || f.RequiredIf != "") {
		b.attr("jr:requiredMsg", msg)
	}
	if f.Relevant != "" && odkOnly(f.Relevant) {
		b.attr("relevant", b.expr(f.Relevant, f, false))
	}
	if f.Constraint != "" && odkOnly(f.Constraint) {
		b.attr("constraint", b.expr(f.Constraint, f, false))
		if f.ConstraintMessage != "" {
			b.attr("jr:constraintMsg", f.ConstraintMessage)
		}
	}
	if f.Calculation != "" && odkOnly(f.Calculation) {
		b.attr("calculate", b.expr(f.Calculation, f, false))
	}
	for _, k := range slices.Sorted(maps.Keys(f.Columns)) {
		if name, ok := strings.CutPrefix(k, "bind::"); ok && attrName(name) {
			b.attr(name, f.Columns[k])
		}
	}
	b.w("/>")
}

func (b *builder) metaBinds() {
	meta := "/" + b.root + "/meta/"
	b.w(`<bind nodeset="` + meta + metaInstanceID + `" type="string" readonly="true()" jr:preload="uid"/>`)
	if in := b.s.Settings.Extra["instance_name"]; in != "" {
		b.w(`<bind nodeset="` + meta + metaInstanceName + `" type="string"`)
		b.attr("calculate", b.expr(in, nil, false))
		b.w("/>")
	}
	b.w(`<bind nodeset="` + meta + metaTimeStart + `" type="dateTime" jr:preload="timestamp" jr:preloadParams="start"/>`)
	b.w(`<bind nodeset="` + meta + metaTimeEnd + `" type="dateTime" jr:preload="timestamp" jr:preloadParams="end"/>`)
	b.w(`<bind nodeset="` + meta + metaDeviceID + `" type="string" jr:preload="property" jr:preloadParams="deviceid"/>`)
}

// modelActions: dynamic defaults (setvalue on first load), start-geopoint (odk:setgeopoint)
// and background-audio (odk:recordaudio), as pyxform writes them.
func (b *builder) modelActions() {
	for _, f := range b.s.Rows() {
		switch {
		case f.Type == "start-geopoint":
			b.w(`<odk:setgeopoint event="odk-instance-first-load"`)
			b.attr("ref", b.path(f))
			b.w("/>")
		case f.Type == "background-audio":
			b.w(`<odk:recordaudio event="odk-instance-load"`)
			b.attr("ref", b.path(f))
			b.w("/>")
		case f.Columns["default"] != "" && dynamic(f.Columns["default"]) && f.Repeat == "":
			b.w(`<setvalue event="odk-instance-first-load"`)
			b.attr("ref", b.path(f))
			b.attr("value", b.expr(f.Columns["default"], f, false))
			b.w("/>")
		}
	}
}

func yes(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "true()", "1":
		return true
	}
	return false
}

func no(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "no", "false", "false()", "0":
		return true
	}
	return false
}

func (b *builder) body(parent *form.Field) {
	for _, f := range b.children(parent) {
		switch f.Type {
		case "group":
			b.w("<group")
			b.attr("ref", b.path(f))
			b.bodyAttrs(f)
			b.w(">")
			if b.hasLabel(f) {
				b.label(f)
			}
			b.body(f)
			b.w("</group>")
		case "repeat":
			b.w("<group")
			b.attr("ref", b.path(f))
			b.bodyAttrs(f)
			b.w(">")
			if b.hasLabel(f) {
				b.label(f)
			}
			b.w("<repeat")
			b.attr("nodeset", b.path(f))
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

func (b *builder) bodyAttrs(f *form.Field) {
	if a := f.Columns["appearance"]; a != "" {
		b.attr("appearance", a)
	}
	for _, k := range slices.Sorted(maps.Keys(f.Columns)) {
		if name, ok := strings.CutPrefix(k, "body::"); ok && attrName(name) {
			b.attr(name, f.Columns[k])
		}
	}
}

func (b *builder) control(f *form.Field) {
	c := controls[f.Type]
	if c.body == "" || c.preload != "" {
		return
	}
	body := c.body
	external := f.External == "external_choices"
	if external {
		body = "input" // pyxform: select_one_external is an input with a query
	}
	b.w("<" + body)
	b.attr("ref", b.path(f))
	if c.mediatype != "" {
		b.attr("mediatype", c.mediatype)
	}
	if f.Type == "range" {
		p := params(f.Columns["parameters"])
		for _, k := range []string{"start", "end", "step"} {
			v := p[k]
			if v == "" {
				v = map[string]string{"start": "1", "end": "10", "step": "1"}[k]
			}
			b.attr(k, v)
		}
	}
	if external {
		q := "instance('" + f.List + "')/root/item"
		if f.ChoiceFilter != "" {
			q += "[" + b.expr(f.ChoiceFilter, f, true) + "]"
		}
		b.attr("query", q)
	}
	b.bodyAttrs(f)
	b.w(">")
	b.label(f)
	b.hint(f)
	if f.List != "" && !external {
		b.w("<itemset")
		id := f.List
		if f.External != "" {
			id = fileInstanceID(f.External)
		}
		nodeset := "instance('" + id + "')/root/item"
		if f.ChoiceFilter != "" {
			nodeset += "[" + b.expr(f.ChoiceFilter, f, true) + "]"
		}
		b.attr("nodeset", nodeset)
		if p := params(f.Columns["parameters"]); p["randomize"] == "true" {
			b.attr("randomize", "true()")
		}
		b.w(`><value ref="name"/>`)
		if b.itext() && f.External == "" {
			b.w(`<label ref="jr:itext(itextId)"/>`)
		} else {
			b.w(`<label ref="label"/>`)
		}
		b.w("</itemset>")
	}
	b.w("</" + body + ">")
}

// richText writes a label or hint: ${name} becomes <output value="path"/>, as pyxform
// writes it, so the device shows the answer.
func (b *builder) richText(text string, ctx *form.Field) {
	for {
		i := strings.Index(text, "${")
		j := strings.IndexByte(text[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.text(text)
			return
		}
		j += i
		b.text(text[:i])
		if target := b.s.Field(text[i+2 : j]); target != nil {
			b.w("<output")
			b.attr("value", " "+b.ref(ctx, target, false)+" ")
			b.w("/>")
		} else {
			b.text(text[i : j+1])
		}
		text = text[j+1:]
	}
}

// params reads pyxform's parameters column: "start=1 end=10 step=1".
func params(s string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ';' || r == ',' }) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return m
}

func (b *builder) hasLabel(f *form.Field) bool {
	return f.Label != "" || len(f.Labels) > 0 || b.hasMedia(f.Columns)
}

func (b *builder) label(f *form.Field) {
	if b.itext() {
		b.w(`<label ref="jr:itext('` + b.path(f) + `:label')"/>`)
		return
	}
	b.w("<label>")
	if f.Label != "" {
		b.richText(f.Label, f)
	} else if f.Type != "group" && f.Type != "repeat" {
		b.text(f.Name)
	}
	b.w("</label>")
}

func (b *builder) hint(f *form.Field) {
	if b.itext() && b.hasHintTranslations(f) {
		b.w(`<hint ref="jr:itext('` + b.path(f) + `:hint')"/>`)
		return
	}
	if h := f.Columns["hint"]; h != "" {
		b.w("<hint>")
		b.richText(h, f)
		b.w("</hint>")
	}
}

func (b *builder) hasHintTranslations(f *form.Field) bool {
	for k := range f.Columns {
		if strings.HasPrefix(k, "hint::") {
			return true
		}
	}
	return false
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

// attrName accepts an attribute name, with a prefix of a namespace the XForm declares.
func attrName(s string) bool {
	if p, local, ok := strings.Cut(s, ":"); ok {
		switch p {
		case "jr", "odk", "orx", "h", "ev", "xsd":
			return xmlName(local)
		}
		return false
	}
	return xmlName(s)
}
