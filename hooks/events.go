package hooks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/design"
	"fieldbase/ingest"
	"fieldbase/store"
)

// afterPush runs once a push is on disk. Pushes write with prepared SQL, not app.Save, so
// PocketBase fires nothing by itself: this fires the model "after success" events a Save
// would have fired. PocketBase turns them into OnRecordAfterCreateSuccess /
// OnRecordAfterUpdateSuccess hooks and into realtime messages (apis/realtime.go), which it
// sends only to subscribers whose list/view rule allows the record, with pii hidden by
// bindEnrich unless the subscriber may read it. (Finer scoping by role hooks in here.)
func (s *Server) afterPush(ctx context.Context, written []ingest.Written) {
	ids := make([]string, len(written))
	for i, w := range written {
		ids[i] = w.Record
	}
	recs, err := s.app.FindRecordsByIds("submissions", ids)
	if err != nil {
		s.app.Logger().Error("push: records for the events not readable", "error", err.Error())
		return
	}
	byID := make(map[string]*core.Record, len(recs))
	for _, r := range recs {
		byID[r.Id] = r
	}
	for _, w := range written {
		rec := byID[w.Record]
		if rec == nil {
			continue
		}
		e := &core.ModelEvent{App: s.app, Context: ctx}
		e.Model = rec
		var err error
		if w.Op == "update" {
			e.Type = core.ModelEventTypeUpdate
			err = s.app.OnModelAfterUpdateSuccess().Trigger(e)
		} else {
			e.Type = core.ModelEventTypeCreate
			err = s.app.OnModelAfterCreateSuccess().Trigger(e)
		}
		if err != nil {
			s.app.Logger().Error("push: record event handler failed", "record", rec.Id, "error", err.Error())
		}
	}
}

// bindEdits keeps derived data right when the answers of a stored submission are edited on
// another path than a push (a superuser in the admin UI, the record API): the change seq
// moves, so the indicator cache and incremental exports see the edit, and the indicator
// facts of the household and its member rows are computed again from the new answers.
func (s *Server) bindEdits() {
	s.app.OnRecordUpdate("submissions").BindFunc(func(e *core.RecordEvent) error {
		orig := e.Record.Original()
		if jsonEqual(orig.Get("data"), e.Record.Get("data")) && jsonEqual(orig.Get("pii"), e.Record.Get("pii")) {
			return e.Next()
		}
		return e.App.RunInTransaction(func(tx core.App) error {
			var seq int64
			if err := tx.DB().NewQuery(store.SubmissionChangeSeq.NextSQL()).Row(&seq); err != nil {
				return fmt.Errorf("edit: next seq: %w", err)
			}
			e.Record.Set("seq", seq)
			members, err := s.refreshFacts(e.Record)
			if err != nil {
				return err
			}
			e.App = tx
			if err := e.Next(); err != nil {
				return err
			}
			for line, facts := range members {
				if _, err := tx.DB().Update("members", dbx.Params{"facts": facts},
					dbx.HashExp{"submission": e.Record.Id, "line": line}).Execute(); err != nil {
					return fmt.Errorf("edit: member facts: %w", err)
				}
			}
			return nil
		})
	})
}

// refreshFacts sets the household facts of rec from its answers and returns the facts of
// each member row by line.
func (s *Server) refreshFacts(rec *core.Record) (map[int]string, error) {
	if s.Facts == nil {
		return nil, nil
	}
	sv, ok, err := s.Surveys.Find(rec.GetString("form_id"), rec.GetInt("version"))
	if err != nil {
		return nil, fmt.Errorf("edit: survey: %w", err)
	}
	if !ok {
		return nil, nil
	}
	answers := mergePII(rec.Get("data"), rec.Get("pii"))
	hh, memberFacts := s.Facts(sv.Form, answers)
	rec.Set("facts", hh)
	rows := design.Rows(answers, sv.Design.Roster)
	out := make(map[int]string, len(memberFacts))
	for i, f := range memberFacts {
		var m map[string]any
		if i < len(rows) {
			m, _ = rows[i].(map[string]any)
		}
		out[sv.Design.Line(m, i)] = f
	}
	return out, nil
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
