package ingest

import "fieldbase/form"

// Outcomes of one pushed item (sync.md).
const (
	Created  = "created"
	Exists   = "exists"
	Conflict = "conflict"
	Refused  = "refused"
)

// Flag is a reason a stored submission needs a person's look.
type Flag struct {
	Kind    string   `json:"kind"` // possible_duplicate | conflict | reused_id | correction
	Other   string   `json:"other,omitempty"`
	OtherID string   `json:"other_uuid,omitempty"`
	Score   float64  `json:"score,omitzero"` // omitzero: PocketBase writes JSON with encoding/json/v2
	Reasons []string `json:"reasons,omitempty"`
	// Who recorded the other submission: the evidence is shown by role (hooks/ reads these;
	// a device is told only about its enumerator's own submissions).
	OtherEnumerator string `json:"other_enumerator,omitempty"`
	OtherTeam       string `json:"other_team,omitempty"`
}

// Outcome is the per-item receipt the device gets back.
type Outcome struct {
	ID          string         `json:"id"`
	Outcome     string         `json:"outcome"`
	Status      string         `json:"status,omitempty"`
	Record      string         `json:"record,omitempty"`
	Errors      []form.Problem `json:"errors"`
	Warnings    []form.Problem `json:"warnings"`
	DuplicateOf string         `json:"duplicate_of,omitempty"`
	Flags       []Flag         `json:"flags,omitempty"`
}

func refused(id string, path, msg string) Outcome {
	return Outcome{ID: id, Outcome: Refused, Errors: []form.Problem{{Path: path, Rule: "type", Message: msg}}, Warnings: []form.Problem{}}
}
