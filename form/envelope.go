package form

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
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

// ParseEnvelope decodes a submission body. When the body is not an
// envelope (not JSON, or a field of the wrong JSON type, such as "version":
// "1") it returns the problem, with the rule type and the field as path, in
// the same form as Validate's so that clients see one kind of answer.
func ParseEnvelope(body []byte) (*Envelope, []Problem) {
	var env Envelope
	err := json.Unmarshal(body, &env)
	if err == nil {
		return &env, nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		p := te.Field
		if p == "" {
			return nil, []Problem{{Path: "", Rule: "type", Message: "the submission must be a JSON object"}}
		}
		return nil, []Problem{{Path: p, Rule: "type", Message: fmt.Sprintf("%s must not be a JSON %s", p, te.Value)}}
	}
	return nil, []Problem{{Path: "", Rule: "type", Message: "the submission is not valid JSON: " + err.Error()}}
}
