package form

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"github.com/google/uuid"
)

// Envelope is one household interview as synced from a device.
type Envelope struct {
	ID          string         `json:"id" validate:"required,uuid"`
	Survey      string         `json:"survey" validate:"required"`
	Version     int            `json:"version" validate:"required"`
	StartedAt   string         `json:"started_at" validate:"required,rfc3339"`
	CompletedAt string         `json:"completed_at" validate:"required,rfc3339"`
	DeviceID    string         `json:"device_id" validate:"required,max=200"`
	Assignment  string         `json:"assignment,omitempty" validate:"omitempty,max=200"`
	Supersedes  string         `json:"supersedes,omitempty" validate:"omitempty,uuid"`
	Data        map[string]any `json:"data"`
}

// envelopeValidator is shared: validator caches struct metadata and is
// safe for concurrent use.
var envelopeValidator = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Report problems under the JSON names the device sent.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		return name
	})
	// RFC 3339 without time.Parse, which allocates a zone per offset.
	v.RegisterValidation("rfc3339", func(fl validator.FieldLevel) bool {
		_, _, ok := parseInstant(fl.Field().String())
		return ok
	})
	return v
}()

// envelope checks the envelope's own fields.
func (st *vstate) envelope(env *Envelope) {
	add := func(path, rule, msg string) {
		st.add(false, key{top: -1}, path, rule, msg)
	}
	var verrs validator.ValidationErrors
	if err := envelopeValidator.Struct(env); errors.As(err, &verrs) {
		for _, fe := range verrs {
			path := fe.Field()
			got := describe(fmt.Sprint(fe.Value()))
			switch fe.Tag() {
			case "required":
				add(path, "required", path+" is missing")
			case "uuid":
				add(path, "type", fmt.Sprintf("%s must be a UUID such as 3f2c8a4e-1b7d-4c59-9e0a-6d2f4b8c1a73 (got %s)", path, got))
			case "rfc3339":
				add(path, "type", fmt.Sprintf("%s must be a date and time such as 2026-10-05T09:30:00+05:45 (got %s)", path, got))
			case "max":
				add(path, "type", fmt.Sprintf("%s is too long (at most %s characters)", path, fe.Param()))
			default:
				add(path, "type", fmt.Sprintf("%s is not valid (%s)", path, fe.Tag()))
			}
		}
	} else if err != nil {
		add("", "type", "the submission cannot be checked: "+err.Error())
	}
	if env.Survey != "" && env.Survey != st.s.FormID {
		add("survey", "type", fmt.Sprintf("this submission is for survey %s, not %s", describe(env.Survey), st.s.FormID))
	}
	if env.Version != 0 && env.Version != st.s.Version {
		add("version", "type", fmt.Sprintf("this submission is for version %d of the survey; the server has version %d", env.Version, st.s.Version))
	}
	s1, n1, ok1 := parseInstant(env.StartedAt)
	s2, n2, ok2 := parseInstant(env.CompletedAt)
	if ok1 && ok2 && (s2 < s1 || (s2 == s1 && n2 < n1)) {
		add("completed_at", "type", fmt.Sprintf("the interview was completed (%s) before it started (%s)", env.CompletedAt, env.StartedAt))
	}
	if env.Supersedes != "" && strings.EqualFold(env.Supersedes, env.ID) {
		add("supersedes", "type", "a submission cannot supersede itself")
	}
}

// Read is a submission item after ReadEnvelope: the envelope, the answers exactly as sent
// (for the content hash) and the envelope fields that had the wrong JSON type.
type Read struct {
	Env      Envelope
	RawData  map[string]any // data as the device sent it; Env.Data is a top-level copy
	Problems []Problem      // fields of the wrong JSON type, in the same form as Validate's
}

// Refusal is why an item cannot be stored at all, with its id when it had one.
type Refusal struct {
	ID      string
	Problem Problem
}

// ReadEnvelope is the one parser of a submission item, for every door (the JSON push, the
// `fieldbase check` command, OpenRosa once its XML is turned into an envelope). A non-nil
// refusal means nothing about the item can be stored (sync.md: not an object, not UTF-8,
// not JSON, no id, an id that is not a UUID); a field of the wrong type is a problem of the
// item, which is then stored as invalid.
func ReadEnvelope(raw []byte) (*Read, *Refusal) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return refuse("", "type", "item is not a JSON object")
	}
	if !utf8.Valid(raw) {
		return refuse("", "type", "item is not valid UTF-8")
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return refuse("", "type", "item is not valid JSON: "+err.Error())
	}
	return ReadEnvelopeMap(m)
}

// refuse is an item refused whole, with the problem that says why.
func refuse(path, rule, msg string) (*Read, *Refusal) {
	return nil, &Refusal{Problem: Problem{Path: path, Rule: rule, Message: msg}}
}

// ReadEnvelopeMap is ReadEnvelope for an item already decoded as JSON decodes it (values
// of JSON's types: string, float64, bool, nil, []any, map[string]any; strings valid
// UTF-8): the same checks and the same Read, without writing it as JSON to read it back
// (OpenRosa: xform.Instance.Read). m's data object is used as RawData.
func ReadEnvelopeMap(m map[string]any) (*Read, *Refusal) {
	id, ok := m["id"].(string)
	if !ok || id == "" {
		return refuse("id", "required", "id is missing: every submission needs the UUID made on the device")
	}
	if u, err := uuid.Parse(id); err != nil || len(id) != 36 || u.String() != strings.ToLower(id) {
		r, ref := refuse("id", "type", "id is not a UUID (want 8-4-4-4-12 hex digits)")
		ref.ID = id
		if len(ref.ID) > 64 {
			ref.ID = ref.ID[:64]
		}
		return r, ref
	}
	p := &Read{}
	p.Env.ID = id
	p.Env.Survey = p.str(m, "survey")
	switch v := m["version"].(type) {
	case float64:
		if v != float64(int(v)) {
			p.bad("version", "version must be a whole number")
		}
		p.Env.Version = int(v)
	case nil:
	default:
		p.bad("version", "version must be a number")
	}
	p.Env.StartedAt = p.str(m, "started_at")
	p.Env.CompletedAt = p.str(m, "completed_at")
	p.Env.DeviceID = p.str(m, "device_id")
	p.Env.Assignment = p.str(m, "assignment")
	p.Env.Supersedes = p.str(m, "supersedes")
	switch d := m["data"].(type) {
	case map[string]any:
		p.RawData = d
		// Validate fills calculates into Env.Data: give it its own copy at the top level
		// so the content hash stays that of what the device sent.
		cp := make(map[string]any, len(d))
		for k, v := range d {
			cp[k] = v
		}
		p.Env.Data = cp
	case nil:
		p.RawData, p.Env.Data = map[string]any{}, map[string]any{}
		p.Problems = append(p.Problems, Problem{Path: "data", Rule: "required", Message: "data (the answers) is missing"})
	default:
		p.RawData, p.Env.Data = map[string]any{}, map[string]any{}
		p.bad("data", "data must be an object of answers")
	}
	return p, nil
}

func (p *Read) str(m map[string]any, key string) string {
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

func (p *Read) bad(path, msg string) {
	p.Problems = append(p.Problems, Problem{Path: path, Rule: "type", Message: msg})
}

// ParseEnvelope decodes a submission body with ReadEnvelope and returns the envelope with
// its problems: the refusal, or the fields of the wrong type (env is nil when refused).
func ParseEnvelope(body []byte) (*Envelope, []Problem) {
	r, refusal := ReadEnvelope(body)
	if refusal != nil {
		return nil, []Problem{refusal.Problem}
	}
	return &r.Env, r.Problems
}
