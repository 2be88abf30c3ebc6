package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/google/uuid"

	"fieldbase/form"
)

// parsed is one pushed item after its envelope was read.
type parsed struct {
	env      form.Envelope
	rawData  map[string]any // data as the device sent it (for the content hash)
	problems []form.Problem // envelope fields of the wrong JSON type
}

// parseItem reads one item of a push. A non-nil Outcome means the item is refused:
// nothing about it can be stored (sync.md: not an object, no id, id not a UUID).
func parseItem(raw json.RawMessage) (*parsed, *Outcome) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		o := refused("", "", "item is not a JSON object")
		return nil, &o
	}
	if !utf8.Valid(raw) {
		o := refused("", "", "item is not valid UTF-8")
		return nil, &o
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		o := refused("", "", "item is not valid JSON: "+err.Error())
		return nil, &o
	}
	p := &parsed{}
	id, ok := m["id"].(string)
	if !ok || id == "" {
		o := refused("", "id", "id is missing: every submission needs the UUID made on the device")
		o.Errors[0].Rule = "required"
		return nil, &o
	}
	if u, err := uuid.Parse(id); err != nil || len(id) != 36 || u.String() != toLowerASCII(id) {
		o := refused(truncate(id, 64), "id", "id is not a UUID (want 8-4-4-4-12 hex digits)")
		return nil, &o
	}
	p.env.ID = id
	p.env.Survey = p.str(m, "survey")
	switch v := m["version"].(type) {
	case float64:
		if v != float64(int(v)) {
			p.bad("version", "version must be a whole number")
		}
		p.env.Version = int(v)
	case nil:
	default:
		p.bad("version", "version must be a number")
	}
	p.env.StartedAt = p.str(m, "started_at")
	p.env.CompletedAt = p.str(m, "completed_at")
	p.env.DeviceID = p.str(m, "device_id")
	p.env.Assignment = p.str(m, "assignment")
	p.env.Supersedes = p.str(m, "supersedes")
	switch d := m["data"].(type) {
	case map[string]any:
		p.rawData = d
		// Validate fills calculates into env.Data: give it its own copy at the top level
		// so the content hash stays that of what the device sent.
		cp := make(map[string]any, len(d))
		for k, v := range d {
			cp[k] = v
		}
		p.env.Data = cp
	case nil:
		p.rawData = map[string]any{}
		p.env.Data = map[string]any{}
		p.problems = append(p.problems, form.Problem{Path: "data", Rule: "required", Message: "data (the answers) is missing"})
	default:
		p.rawData = map[string]any{}
		p.env.Data = map[string]any{}
		p.bad("data", "data must be an object of answers")
	}
	return p, nil
}

func (p *parsed) str(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		p.bad(key, fmt.Sprintf("%s must be a string", key))
		return ""
	}
}

func (p *parsed) bad(path, msg string) {
	p.problems = append(p.problems, form.Problem{Path: path, Rule: "type", Message: msg})
}

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
