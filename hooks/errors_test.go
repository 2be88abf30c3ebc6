package hooks_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// A decision that lost a race to another one is 409 (reload and decide again); a database
// failure while saving it is the server's 500, not the reviewer's 400.
func TestReviewSaveErrorClasses(t *testing.T) {
	s := newServer(t)
	id := submissionIn(t, s, "received", 31)

	// Another decision commits between the reviewer's read and this save.
	raced := false
	s.App.OnRecordUpdate("submissions").Bind(&hook.Handler[*core.RecordEvent]{Priority: -100, Func: func(e *core.RecordEvent) error {
		if !raced && e.Record.Id == id {
			raced = true
			if _, err := e.App.DB().NewQuery("UPDATE submissions SET status = 'rejected' WHERE id = {:id}").
				Bind(map[string]any{"id": id}).Execute(); err != nil {
				t.Error(err)
			}
		}
		return e.Next()
	}})
	code, body := reviewAs(s, "supA", id, map[string]any{"action": "approve"})
	if code != 409 || !strings.Contains(fmt.Sprint(body["message"]), "someone else") {
		t.Fatalf("lost race: %d %v", code, body)
	}

	// The audit record cannot be written: nothing changes and the answer is 500.
	other := submissionIn(t, s, "received", 37)
	if _, err := s.App.NonconcurrentDB().NewQuery(`CREATE TRIGGER fail_audit BEFORE INSERT ON reviews
		BEGIN SELECT RAISE(ABORT, 'forced failure'); END`).Execute(); err != nil {
		t.Fatal(err)
	}
	code, body = reviewAs(s, "supA", other, map[string]any{"action": "approve"})
	if code != 500 || strings.Contains(fmt.Sprint(body), "forced failure") {
		t.Fatalf("database fault: %d %v", code, body)
	}
	if st := statusOf(t, s, other); st != "received" {
		t.Fatalf("a failed decision left status %s", st)
	}
	// A decision the state machine does not allow stays the reviewer's 400.
	s.App.NonconcurrentDB().NewQuery("DROP TRIGGER fail_audit").Execute()
	code, _ = reviewAs(s, "supA", other, map[string]any{"action": "reopen"})
	if code != 400 {
		t.Fatalf("reopen of a received submission: %d", code)
	}
}
