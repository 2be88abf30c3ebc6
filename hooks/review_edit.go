package hooks

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"fieldbase/review"
)

// editReviewFields handles a save of a submission that keeps its status: a change of its
// review note or duplicate_of (record API, admin UI) is checked like a decision and audited
// like one (action "edit", from and to the same status); any other save passes untouched.
func editReviewFields(e *core.RecordEvent) error {
	orig := e.Record.Original()
	note, dup := e.Record.GetString("review_note"), e.Record.GetString("duplicate_of")
	noteChanged := note != orig.GetString("review_note")
	dupChanged := dup != orig.GetString("duplicate_of")
	if !noteChanged && !dupChanged {
		return e.Next()
	}
	status := e.Record.GetString("status")
	if dupChanged {
		switch {
		case status != review.Duplicate:
			return router.NewBadRequestError(fmt.Sprintf("duplicate_of is set by the duplicate decision (status duplicate), not on a %s submission", status), nil)
		case dup == "":
			return router.NewBadRequestError("a duplicate must name the submission it duplicates (duplicate_of)", nil)
		}
		if err := checkKept(e.App, e.Record); err != nil {
			return router.NewBadRequestError(err.Error(), nil)
		}
	}
	if status == review.Rejected && noteChanged && note == "" {
		return router.NewBadRequestError("a rejected submission keeps a note saying what to correct", nil)
	}
	actor, role, name := actorOf(e.Record)
	return e.App.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := e.Next(); err != nil {
			return err
		}
		if err := saveAudit(tx, auditRow{submission: e.Record.Id, actor: actor, actorName: name, role: role,
			from: status, to: status, action: "edit", note: note, duplicateOf: dup}); err != nil {
			return err
		}
		switch status {
		case review.Approved, review.Rejected, review.Duplicate:
			// The device holds the decision: it gets the new note (or kept id) on its next pull.
			return appendChange(tx, e.Record.GetString("enumerator"), "decision", e.Record.Id, "edit")
		}
		return nil
	})
}
