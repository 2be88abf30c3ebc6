package review

import (
	"strings"
	"testing"
)

func TestCheckEveryTransition(t *testing.T) {
	statuses := []string{Received, Flagged, Invalid, Approved, Rejected, Duplicate, Superseded}
	allowed := map[string]map[string]string{ // from -> action -> to
		Received: {"approve": Approved, "reject": Rejected, "duplicate": Duplicate},
		Flagged:  {"approve": Approved, "reject": Rejected, "duplicate": Duplicate},
		Invalid:  {"approve": Approved, "reject": Rejected, "duplicate": Duplicate},
		Approved: {"reopen": Flagged},
	}
	for _, from := range statuses {
		for _, action := range []string{"approve", "reject", "duplicate", "reopen"} {
			d := Decision{Action: action, Note: "checked with the household", DuplicateOf: "abc"}
			to, err := Check(from, d)
			want, ok := allowed[from][action]
			if ok && (err != nil || to != want) {
				t.Errorf("%s --%s--> got (%q, %v), want %s", from, action, to, err, want)
			}
			if !ok && err == nil {
				t.Errorf("%s --%s--> allowed, want refused", from, action)
			}
		}
	}
}

func TestCheckNeedsNoteAndDuplicate(t *testing.T) {
	if _, err := Check(Received, Decision{Action: "reject"}); err == nil || !strings.Contains(err.Error(), "note") {
		t.Errorf("reject without note: %v", err)
	}
	if _, err := Check(Approved, Decision{Action: "reopen", Note: "  "}); err == nil {
		t.Error("reopen with a blank note was allowed")
	}
	if _, err := Check(Flagged, Decision{Action: "duplicate"}); err == nil || !strings.Contains(err.Error(), "duplicate_of") {
		t.Errorf("duplicate without duplicate_of: %v", err)
	}
	if _, err := Check(Flagged, Decision{Action: "delete"}); err == nil || !strings.Contains(err.Error(), "unknown action") {
		t.Errorf("unknown action: %v", err)
	}
}

func TestRefusalSaysWhatIsAllowed(t *testing.T) {
	_, err := Check(Approved, Decision{Action: "reject", Note: "x"})
	if err == nil || !strings.Contains(err.Error(), "reopen (to flagged)") {
		t.Errorf("message does not list the allowed action: %v", err)
	}
	_, err = ActionFor(Rejected, Approved)
	if err == nil || !strings.Contains(err.Error(), "correction") {
		t.Errorf("rejected message: %v", err)
	}
}
