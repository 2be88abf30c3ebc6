package hooks

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

func (s *Server) bindAssignments() {
	// The enumerator must be an enumerator of the assignment's team, whichever path saves it.
	s.app.OnRecordValidate("assignments").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("status") == "" {
			e.Record.Set("status", "active")
		}
		// One answer for a user who does not exist, is no enumerator, or is in another team:
		// an assignment error names no one's email or role (sync.md).
		enum, err := e.App.FindRecordById("users", e.Record.GetString("enumerator"))
		if err != nil || enum.GetString("role") != RoleEnumerator || !contains(teamsOf(enum), e.Record.GetString("team")) {
			return router.NewBadRequestError("enumerator: not an enumerator of this assignment's team", nil)
		}
		return e.Next()
	})

	// Each change reaches the devices through the pull feed, written in the same transaction.
	s.app.OnRecordCreate("assignments").BindFunc(func(e *core.RecordEvent) error {
		return e.App.RunInTransaction(func(tx core.App) error {
			e.App = tx
			if err := e.Next(); err != nil {
				return err
			}
			return appendChange(tx, e.Record.GetString("enumerator"), "assignment", e.Record.Id, "assigned")
		})
	})
	s.app.OnRecordUpdate("assignments").BindFunc(func(e *core.RecordEvent) error {
		return e.App.RunInTransaction(func(tx core.App) error {
			e.App = tx
			if err := e.Next(); err != nil {
				return err
			}
			before, now := e.Record.Original().GetString("enumerator"), e.Record.GetString("enumerator")
			if before != now {
				// Moved: the first device drops it on its next pull.
				if err := appendChange(tx, before, "assignment", e.Record.Id, "revoked"); err != nil {
					return err
				}
				return appendChange(tx, now, "assignment", e.Record.Id, "assigned")
			}
			return appendChange(tx, now, "assignment", e.Record.Id, "changed")
		})
	})
	s.app.OnRecordDelete("assignments").BindFunc(func(e *core.RecordEvent) error {
		return e.App.RunInTransaction(func(tx core.App) error {
			e.App = tx
			if err := e.Next(); err != nil {
				return err
			}
			return appendChange(tx, e.Record.GetString("enumerator"), "assignment", e.Record.Id, "revoked")
		})
	})
}

func (s *Server) bindUsers() {
	s.app.OnRecordValidate("users").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("role") == RoleEnumerator && len(teamsOf(e.Record)) != 1 {
			return router.NewBadRequestError("teams: an enumerator belongs to exactly one team", nil)
		}
		return e.Next()
	})
}

// bindEnrich hides personal data (`sensitive` answers) from roles without the right to it.
func (s *Server) bindEnrich() {
	s.app.OnRecordEnrich("submissions").BindFunc(func(e *core.RecordEnrichEvent) error {
		// pii is a hidden field (only superusers may filter by it); show it to those who may
		// read it. (A member row's pii is its submission's: hooks/roster.go.)
		if mayReadPII(e.RequestInfo.Auth) {
			e.Record.Unhide("pii")
		} else {
			e.Record.Hide("pii")
		}
		return e.Next()
	})
	s.app.OnRecordEnrich("submissions").BindFunc(s.enrichSubmission)
	s.app.OnRecordsListRequest().BindFunc(guardGPSFilters)
}

// mayReadPII: superusers; supervisors (of the teams the rules already limit them to);
// enumerators (their own households); analysts only when granted.
func mayReadPII(auth *core.Record) bool {
	switch roleOf(auth) {
	case RoleSuperuser, RoleSupervisor, RoleEnumerator:
		return true
	case RoleAnalyst:
		return auth.GetBool("pii_granted")
	}
	return false
}
