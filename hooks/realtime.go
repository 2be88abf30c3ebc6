package hooks

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// bindRealtime makes realtime deliver changes saved inside a transaction (every review
// decision, every assignment change: they write their audit and feed rows in the same
// transaction). PocketBase fires the "after success" model events of a transaction once it
// has committed, but with the transaction's app, whose database handle is finished by then:
// the realtime broadcast's access check (the collection's list/view rule, run as a query)
// failed for every subscriber but superusers, so supervisors and analysts got nothing. Run
// first, this hands the events the app itself: the data is committed, so reading it outside
// the transaction is right.
func (s *Server) bindRealtime() {
	// Only fieldbase's own records: other models (settings, logs, system collections) are
	// saved inside nested transactions (the migrations runner holds the auxiliary database
	// while the data transaction's after-funcs run), where the app itself would deadlock.
	ours := map[string]bool{"submissions": true, "members": true, "emigrants": true, "reviews": true,
		"assignments": true, "devices": true}
	afterTx := func(e *core.ModelEvent) error {
		if rec, ok := e.Model.(*core.Record); ok && e.App != nil && e.App.IsTransactional() && ours[rec.Collection().Name] {
			e.App = s.app
		}
		return e.Next()
	}
	s.app.OnModelAfterCreateSuccess().Bind(&hook.Handler[*core.ModelEvent]{Id: "fieldbaseAfterTxCreate", Priority: -1000, Func: afterTx})
	s.app.OnModelAfterUpdateSuccess().Bind(&hook.Handler[*core.ModelEvent]{Id: "fieldbaseAfterTxUpdate", Priority: -1000, Func: afterTx})
}
