package ingest

import (
	"context"
	"encoding/json"

	"fieldbase/design"
	"fieldbase/form"
	"fieldbase/store"
)

// receipt is the outcome a stored submission answers a resend with.
// duplicate_of is given only when the kept submission is the caller's own.
func (s *Store) receipt(ctx context.Context, uuidOf func(context.Context, string) (string, string, error), st store.Stored, uuid string, c Caller) (Outcome, error) {
	out := Outcome{ID: uuid, Outcome: Exists, Status: st.Status, Record: st.ID,
		Errors: problems(st.Errors), Warnings: problems(st.Warnings), Flags: flags(st.Flags)}
	if st.DuplicateOf != "" {
		u, enum, err := uuidOf(ctx, st.DuplicateOf)
		if err != nil {
			return Outcome{}, err
		}
		if enum == c.UserID {
			out.DuplicateOf = u
		}
	}
	return out, nil
}

func problems(s string) []form.Problem {
	p := []form.Problem{}
	if s != "" {
		json.Unmarshal([]byte(s), &p)
	}
	if p == nil {
		p = []form.Problem{}
	}
	return p
}

func flags(s string) []Flag {
	var f []Flag
	if s != "" {
		json.Unmarshal([]byte(s), &f)
	}
	return f
}

// assignment is the part of an assignments record a push needs.
type assignment = store.Assignment

// preload fills the cover answers the device left out from the assignment (sync.md): the
// fields the survey's design names as PSU, dwelling, stratum, region, urban and weight.
func preload(d *design.Design, a *assignment, data map[string]any) {
	set := func(k string, v any, ok bool) {
		if _, present := data[k]; !present && ok && k != "" {
			data[k] = v
		}
	}
	set(d.PSU, a.PSU, a.PSU > 0)
	set(d.Dwelling, a.Dwelling, a.Dwelling > 0)
	set(d.Stratum, a.Stratum, a.Stratum != "")
	set(d.Region, a.Region, a.Region != "")
	set(d.Urban, a.Urban, a.Urban != "")
	set(d.Weight, a.Weight, a.Weight > 0)
}
