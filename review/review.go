// Package review is the submission review state machine of sync.md, in one place: every path
// that changes a submission's status (the review route, bulk review, PocketBase's record API,
// the admin UI) asks it whether the change is allowed.
package review

import (
	"fmt"
	"sort"
	"strings"
)

// Statuses of a stored submission.
const (
	Received   = "received"
	Flagged    = "flagged"
	Invalid    = "invalid"
	Approved   = "approved"
	Rejected   = "rejected"
	Duplicate  = "duplicate"
	Superseded = "superseded"
)

// Actions a reviewer takes, and the status each leads to.
var actionTarget = map[string]string{
	"approve":   Approved,
	"reject":    Rejected,
	"duplicate": Duplicate,
	"reopen":    Flagged,
}

// transitions lists, per current status, the reviewer actions allowed from it.
// Superseded is reached only by a correction arriving through sync, never by a reviewer.
var transitions = map[string][]string{
	Received: {"approve", "reject", "duplicate"},
	Flagged:  {"approve", "reject", "duplicate"},
	Invalid:  {"approve", "reject", "duplicate"},
	Approved: {"reopen"},
}

// Target returns the status an action leads to.
func Target(action string) (string, bool) {
	s, ok := actionTarget[action]
	return s, ok
}

// ActionFor returns the action that moves from one status to another, so an edit of the
// status field (admin UI, record API) is judged like the matching review action.
func ActionFor(from, to string) (string, error) {
	for _, a := range transitions[from] {
		if actionTarget[a] == to {
			return a, nil
		}
	}
	return "", fmt.Errorf("a submission cannot go from %s to %s; %s", from, to, Allowed(from))
}

// Allowed says in words what may happen from a status.
func Allowed(from string) string {
	acts := transitions[from]
	if len(acts) == 0 {
		if from == Rejected {
			return "a rejected submission changes only when its correction arrives from the device (it then becomes superseded)"
		}
		return fmt.Sprintf("a %s submission cannot be reviewed", from)
	}
	var parts []string
	for _, a := range acts {
		parts = append(parts, fmt.Sprintf("%s (to %s)", a, actionTarget[a]))
	}
	sort.Strings(parts)
	return fmt.Sprintf("from %s the allowed actions are: %s", from, strings.Join(parts, ", "))
}

// Decision is a reviewer's request.
type Decision struct {
	Action      string `json:"action"`
	Note        string `json:"note"`
	DuplicateOf string `json:"duplicate_of"`
}

// Check says whether d may be applied to a submission now in status from, and returns the
// new status. Lookups of duplicate_of are the caller's (they need the store).
func Check(from string, d Decision) (string, error) {
	to, ok := Target(d.Action)
	if !ok {
		return "", fmt.Errorf("unknown action %q: use approve, reject, duplicate or reopen", d.Action)
	}
	if _, err := ActionFor(from, to); err != nil {
		return "", err
	}
	note := strings.TrimSpace(d.Note)
	switch d.Action {
	case "reject":
		if note == "" {
			return "", fmt.Errorf("a rejection needs a note telling the enumerator what to correct")
		}
	case "reopen":
		if note == "" {
			return "", fmt.Errorf("reopening an approved submission needs a note saying why")
		}
	case "duplicate":
		if strings.TrimSpace(d.DuplicateOf) == "" {
			return "", fmt.Errorf("marking a duplicate needs duplicate_of, the submission that is kept")
		}
	}
	if len(note) > 2000 {
		return "", fmt.Errorf("the note is too long (%d characters, at most 2000)", len(note))
	}
	return to, nil
}
