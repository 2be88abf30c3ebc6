package hooks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

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
//
// The events are made only when something can take them (eventsHeard): building a
// household's record and running the hooks was a tenth of an OpenRosa submission's CPU,
// spent for nobody while no one watches.
func (s *Server) afterPush(ctx context.Context, written []ingest.Written) {
	col, err := s.app.FindCachedCollectionByNameOrId("submissions")
	if err != nil {
		s.app.Logger().Error("push: submissions collection for the events", "error", err.Error())
		return
	}
	s.notifyPushed(written)
	if !s.eventsHeard(col) {
		return
	}
	recs := make([]*core.Record, len(written))
	var reread []string
	for i, w := range written {
		if w.Row == nil {
			reread = append(reread, w.Record)
			continue
		}
		// A household just created: its record is made from the row as inserted, not read
		// back (a read of every column, data and pii included, was a seventh of an OpenRosa
		// submission's CPU).
		if recs[i], err = recordOf(col, w.Row.Values()); err != nil {
			s.app.Logger().Error("push: record for the event", "record", w.Record, "error", err.Error())
		}
	}
	if len(reread) > 0 {
		// A superseded household: its row was updated, so it is read as it now is.
		found, err := s.app.FindRecordsByIds(col, reread)
		if err != nil {
			s.app.Logger().Error("push: records for the events not readable", "error", err.Error())
		}
		byID := make(map[string]*core.Record, len(found))
		for _, r := range found {
			byID[r.Id] = r
		}
		for i, w := range written {
			if w.Row == nil {
				recs[i] = byID[w.Record]
			}
		}
	}
	for i, w := range written {
		rec := recs[i]
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

// recordOf is the record of a row as PocketBase loads it from the database: every field
// prepared from its column's value, a column the INSERT did not name from nil (the field's
// zero value, which is what PocketBase's column default stores).
func recordOf(col *core.Collection, row map[string]any) (*core.Record, error) {
	rec := core.NewRecord(col)
	for _, f := range col.Fields {
		name := f.GetName()
		raw := row[name]
		if _, ok := f.(*core.JSONField); ok {
			// PocketBase keeps a string that is JSON as it is, after decoding it whole to
			// check (a fifth of recordOf, for the answers). The JSON columns of a row a
			// push inserted are JSON by construction (ingest.Written: written by its
			// jsonText, which writes json.Marshal's bytes), so they are taken as they are,
			// not checked again (json.Valid was a sixth of recordOf). Anything else takes
			// PocketBase's own path.
			if str, ok := raw.(string); ok && str != "" && (str[0] == '{' || str[0] == '[') {
				raw = types.JSONRaw(str)
			}
		}
		v, err := f.PrepareValue(rec, raw)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", name, err)
		}
		rec.SetRaw(name, v)
	}
	if err := rec.PostScan(); err != nil {
		return nil, err
	}
	return rec, nil
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

// recordHooks counts the handlers of the four hooks a push's events run through.
func recordHooks(app core.App) int64 {
	return int64(app.OnModelAfterCreateSuccess().Length() + app.OnModelAfterUpdateSuccess().Length() +
		app.OnRecordAfterCreateSuccess().Length() + app.OnRecordAfterUpdateSuccess().Length())
}

// eventsHeard says whether a push's record events can reach anyone: a realtime client
// subscribed to the collection (its records or one of them: PocketBase's topics
// "submissions/*", "submissions/<id>", the older "submissions", or the same by collection
// id), or a record hook bound since serving began. It errs towards firing: unknown
// baseline, changed count.
func (s *Server) eventsHeard(col *core.Collection) bool {
	if base := s.recordHookBase.Load(); base < 0 || recordHooks(s.app) != base {
		return true
	}
	for _, c := range s.app.SubscriptionsBroker().Clients() {
		if len(c.Subscriptions(col.Name+"/", col.Name+"?", col.Id+"/", col.Id+"?")) > 0 {
			return true
		}
	}
	return false
}
