package xform

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"fieldbase/form"
)

// Envelope returns the JSON envelope of the instance for survey s, as a device would push
// it (sync.md), so that it goes through the push's own parser, validator and store.
// ODK's value formats become the envelope's: numbers for int and decimal, a list for a
// space-separated select_multiple, {lat, lon, altitude, accuracy} for "lat lon alt acc",
// dateTime offsets written +hh:mm; an empty element is an unanswered question (absent);
// a non-relevant node, which ODK leaves out, is absent too. Groups do not nest the data.
// deviceID is the device Collect named in the request, used when the instance has none.
//
// An element that is not a row of the survey means the instance is not of this form
// (another version, another form): that is an *Error, not a stored invalid household.
func (in *Instance) Envelope(s *form.Survey, deviceID string) ([]byte, error) {
	env, data, err := in.envelope(s, deviceID)
	if err != nil {
		return nil, err
	}
	env["data"] = data
	return json.Marshal(env)
}

// Read is what form.ReadEnvelope gives for the instance's Envelope, without writing the
// answers as JSON and reading them back (a tenth of an OpenRosa submission's CPU): the
// envelope's own fields still go through ReadEnvelope (the id's and the fields' checks),
// and the answers are handed over as built, in the types JSON reads them as (float64,
// string, []any, map[string]any: see Value), which TestReadIsEnvelopeRead holds to.
// A non-nil refusal means nothing of the instance can be stored, as for a push.
func (in *Instance) Read(s *form.Survey, deviceID string) (*form.Read, *form.Refusal, error) {
	env, data, err := in.envelope(s, deviceID)
	if err != nil {
		return nil, nil, err
	}
	var r *form.Read
	var ref *form.Refusal
	env["data"] = map[string]any{} // the answers are copied in below
	if validFields(env) {
		// The envelope as JSON reads it (the version a float64), checked by ReadEnvelope's
		// own rules.
		env["version"] = float64(s.Version)
		r, ref = form.ReadEnvelopeMap(env)
	} else {
		// A text that is not UTF-8 (Collect's deviceID in the URL can be anything): JSON
		// makes it valid its own way, and the envelope is what a push of that JSON is.
		b, err := json.Marshal(env)
		if err != nil {
			return nil, nil, err
		}
		r, ref = form.ReadEnvelope(b)
	}
	if ref != nil {
		return nil, ref, nil
	}
	// As ReadEnvelope does: Validate fills calculates into Env.Data, so it gets its own copy
	// of the top level and RawData stays what the device sent.
	r.RawData = data
	r.Env.Data = make(map[string]any, len(data))
	for k, v := range data {
		r.Env.Data[k] = v
	}
	return r, nil, nil
}

// validFields: every text of the envelope fields is valid UTF-8, so writing them as JSON
// and reading them back gives them as they are.
func validFields(env map[string]any) bool {
	for _, v := range env {
		if s, ok := v.(string); ok && !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// envelope is the instance's envelope fields (but data) and its answers.
func (in *Instance) envelope(s *form.Survey, deviceID string) (env, data map[string]any, err error) {
	root := Root(s)
	if in.Root != root {
		return nil, nil, bad("the submission's root element is <%s>, not <%s>: it is not an instance of an XForm served here", in.Root, root)
	}
	data = make(map[string]any, 2*len(in.root.kids)) // groups add their questions: room for them, no rehash
	t := treeOf(s)
	if err := t.fill(in.root, nil, data, &elemPath{name: root}); err != nil {
		return nil, nil, err
	}
	if a := t.audit; a != nil && in.Audit != "" {
		data[a.Key] = in.Audit
	}
	env = map[string]any{
		"id":      strings.TrimPrefix(in.InstanceID, "uuid:"),
		"survey":  in.FormID,
		"version": s.Version,
	}
	if in.TimeStart != "" {
		env["started_at"] = DateTime(in.TimeStart)
	}
	if in.TimeEnd != "" {
		env["completed_at"] = DateTime(in.TimeEnd)
	}
	if in.DeviceID != "" {
		deviceID = in.DeviceID
	}
	if deviceID != "" {
		env["device_id"] = deviceID
	}
	if in.DeprecatedID != "" {
		env["supersedes"] = strings.TrimPrefix(in.DeprecatedID, "uuid:")
	}
	return env, data, nil
}

// tree is a survey's rows by parent and element name (names repeat across groups).
type tree struct {
	s     *form.Survey
	kids  map[*form.Field]map[string]*form.Field
	audit *form.Field
}

var trees sync.Map // *form.Survey -> *tree

func treeOf(s *form.Survey) *tree {
	if t, ok := trees.Load(s); ok {
		return t.(*tree)
	}
	t := &tree{s: s, kids: map[*form.Field]map[string]*form.Field{}}
	for _, f := range s.Rows() {
		if controls[f.Type].modelOnly {
			continue
		}
		if f.Type == "audit" {
			t.audit = f
			continue
		}
		m := t.kids[f.Parent()]
		if m == nil {
			m = map[string]*form.Field{}
			t.kids[f.Parent()] = m
		}
		if m[f.Name] == nil {
			m[f.Name] = f
		}
	}
	v, _ := trees.LoadOrStore(s, t)
	return v.(*tree)
}

// elemPath is where fill is in the instance, written out only for an error message (one
// string per element was a tenth of Read).
type elemPath struct {
	up   *elemPath
	name string
}

func (p *elemPath) String() string {
	if p == nil {
		return ""
	}
	return p.up.String() + "/" + p.name
}

// fill copies the answers under n (whose row is parent: nil for the root) into data, the
// answers object of the level (the household, or a row of the enclosing repeat).
func (t *tree) fill(n *node, parent *form.Field, data map[string]any, path *elemPath) error {
	kids := t.kids[parent]
	for _, k := range n.kids {
		if k.template {
			continue
		}
		if parent == nil && k.name == "meta" {
			continue
		}
		f := kids[k.name]
		if f == nil {
			return bad("%s/%s is not a question of survey %s version %s: the form on the device is not the one served here; download it again", path, k.name, t.s.FormID, Version(t.s))
		}
		switch f.Type {
		case "group":
			if err := t.fill(k, f, data, &elemPath{path, k.name}); err != nil {
				return err
			}
		case "repeat":
			row := make(map[string]any, len(k.kids))
			if err := t.fill(k, f, row, &elemPath{path, k.name}); err != nil {
				return err
			}
			rows, _ := data[f.Key].([]any)
			data[f.Key] = append(rows, row)
		case "note":
		default:
			if len(k.kids) > 0 {
				return bad("%s/%s has elements inside; a %s answer is text", path, k.name, f.Type)
			}
			if k.text == "" {
				continue
			}
			data[f.Key] = Value(f.Type, k.text)
		}
	}
	return nil
}

// Value converts the text of an answer from ODK's format to the envelope's. Text that is
// not of the type is passed on as it is, for the validator to name the problem.
func Value(typ, text string) any {
	switch typ {
	case "integer":
		if x, err := strconv.ParseInt(text, 10, 64); err == nil && math.Abs(float64(x)) < 1<<53 {
			return float64(x)
		}
	case "decimal", "range":
		if x, err := strconv.ParseFloat(text, 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
			return x
		}
	case "select_multiple", "rank":
		words := strings.Fields(text)
		list := make([]any, len(words))
		for i, w := range words {
			list[i] = w
		}
		return list
	case "geopoint", "start-geopoint", "background-geopoint":
		return geopoint(text)
	case "datetime", "dateTime", "start", "end":
		return DateTime(text)
	}
	return text
}

func geopoint(text string) any {
	f := strings.Fields(text)
	if len(f) < 2 || len(f) > 4 {
		return text
	}
	nums := make([]float64, len(f))
	for i, w := range f {
		x, err := strconv.ParseFloat(w, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return text
		}
		nums[i] = x
	}
	g := map[string]any{"lat": nums[0], "lon": nums[1]}
	if len(nums) > 2 {
		g["altitude"] = nums[2]
	}
	if len(nums) > 3 {
		g["accuracy"] = nums[3]
	}
	return g
}

// DateTime writes an ODK dateTime (2026-10-05T09:30:00.000+05:45; JavaRosa has written
// +0545 too) as RFC 3339.
func DateTime(s string) string {
	n := len(s)
	if n > 16 && strings.IndexByte(s, 'T') == 10 && (s[n-5] == '+' || s[n-5] == '-') && isDigits(s[n-4:]) {
		return s[:n-2] + ":" + s[n-2:]
	}
	return s
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
