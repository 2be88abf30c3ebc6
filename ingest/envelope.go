package ingest

import (
	"encoding/json"

	"fieldbase/form"
)

// parsed is one pushed item after its envelope was read (by form.ReadEnvelope, the one
// parser of every door).
type parsed struct {
	env      form.Envelope
	rawData  map[string]any // data as the device sent it (for the content hash)
	problems []form.Problem // envelope fields of the wrong JSON type
}

// parseItem reads one item of a push. A non-nil Outcome means the item is refused:
// nothing about it can be stored (sync.md: not an object, no id, id not a UUID).
func parseItem(raw json.RawMessage) (*parsed, *Outcome) {
	r, ref := form.ReadEnvelope(raw)
	if ref != nil {
		o := Outcome{ID: ref.ID, Outcome: Refused, Errors: []form.Problem{ref.Problem}, Warnings: []form.Problem{}}
		return nil, &o
	}
	return &parsed{env: r.Env, rawData: r.RawData, problems: r.Problems}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
