package hooks

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"

	"fieldbase/review"
	"fieldbase/store"
)

// Keys of unsaved record data that carry who is reviewing from a request hook (or a custom
// route) to the model hook that writes the audit record.
const (
	actorKey      = "@actor"
	actorRoleKey  = "@actor_role"
	actorNameKey  = "@actor_name"
	actorTeamsKey = "@actor_teams"
)

// reviewFields are the only submission fields a supervisor may change through the record API.
var reviewFields = map[string]bool{"status": true, "review_note": true, "duplicate_of": true}

func (s *Server) bindReview() {
	// Request level (record API and admin UI): who is acting, and what they may touch.
	s.app.OnRecordUpdateRequest("submissions").BindFunc(func(e *core.RecordRequestEvent) error {
		if !e.HasSuperuserAuth() {
			info, err := e.RequestInfo()
			if err != nil {
				return err
			}
			for k := range info.Body {
				if !reviewFields[k] {
					return router.NewBadRequestError(fmt.Sprintf("only status, review_note and duplicate_of can be changed by a reviewer (not %q)", k), nil)
				}
			}
		}
		setActor(e.Record, e.Auth)
		return e.Next()
	})
	s.app.OnRecordDeleteRequest("submissions", "reviews").BindFunc(func(e *core.RecordRequestEvent) error {
		return e.Next() // delete rules are nil: only superusers reach here
	})
	s.app.OnRecordUpdateRequest("reviews").BindFunc(func(e *core.RecordRequestEvent) error {
		return e.Next() // update rule is nil: only superusers reach here
	})

	// Model level: every save of a submission, whatever the path, passes the state machine,
	// and each transition writes its audit record and pull change in the same transaction.
	s.app.OnRecordUpdate("submissions").BindFunc(func(e *core.RecordEvent) error {
		from := e.Record.Original().GetString("status")
		to := e.Record.GetString("status")
		if from == to {
			return editReviewFields(e)
		}
		action, err := review.ActionFor(from, to)
		if err != nil {
			return router.NewBadRequestError(err.Error(), nil)
		}
		d := review.Decision{Action: action, Note: e.Record.GetString("review_note"), DuplicateOf: e.Record.GetString("duplicate_of")}
		if action != "reject" && action != "reopen" && e.Record.GetString("review_note") == e.Record.Original().GetString("review_note") {
			d.Note = "" // an old note is not this decision's note
			e.Record.Set("review_note", "")
		}
		if _, err := review.Check(from, d); err != nil {
			return router.NewBadRequestError(err.Error(), nil)
		}
		if action == "duplicate" {
			if err := checkKept(e.App, e.Record); err != nil {
				return router.NewBadRequestError(err.Error(), nil)
			}
		} else if action != "reopen" {
			e.Record.Set("duplicate_of", e.Record.Original().GetString("duplicate_of"))
		}
		actor, role, name := actorOf(e.Record)

		e.Record.Set("reviewed_by", actor)
		e.Record.Set("reviewed_at", types.NowDateTime())
		return e.App.RunInTransaction(func(tx core.App) error {
			// The transition was checked against the status read before this transaction;
			// another decision may have committed since. Writes are serialised, so this
			// read sees the status this update replaces.
			var now string
			if err := tx.DB().NewQuery("SELECT status FROM submissions WHERE id = {:id}").
				Bind(dbx.Params{"id": e.Record.Id}).Row(&now); err != nil {
				return err
			}
			if now != from {
				return router.NewApiError(http.StatusConflict, fmt.Sprintf("submission %s was decided by someone else meanwhile: it is now %s, not %s; reload it and decide again", e.Record.Id, now, from), nil)
			}
			var seq int64
			if err := tx.DB().NewQuery(store.SubmissionChangeSeq.NextSQL()).Row(&seq); err != nil {
				return err
			}
			e.Record.Set("seq", seq)
			e.App = tx
			if err := e.Next(); err != nil {
				return err
			}
			for _, t := range []string{"members", "emigrants"} {
				if _, err := tx.DB().Update(t, dbx.Params{"status": to}, dbx.HashExp{"submission": e.Record.Id}).Execute(); err != nil {
					return fmt.Errorf("review: roster status: %w", err)
				}
			}
			if err := saveAudit(tx, auditRow{submission: e.Record.Id, actor: actor, actorName: name, role: role,
				from: from, to: to, action: action, note: d.Note, duplicateOf: e.Record.GetString("duplicate_of")}); err != nil {
				return err
			}
			return appendChange(tx, e.Record.GetString("enumerator"), "decision", e.Record.Id, action)
		})
	})
}

// auditRow is one row of the reviews collection: who moved a submission from one status to
// another (or edited its review fields), and why.
type auditRow struct {
	submission, actor, actorName, role, from, to, action, note, duplicateOf string
}

// saveAudit writes the audit row in the caller's transaction, so the decision and its record
// stand or fall together.
func saveAudit(tx core.App, a auditRow) error {
	audit, err := tx.FindCollectionByNameOrId("reviews")
	if err != nil {
		return fmt.Errorf("review: audit: %w", err)
	}
	rec := core.NewRecord(audit)
	rec.Set("submission", a.submission)
	rec.Set("actor", a.actor)
	rec.Set("actor_name", a.actorName)
	rec.Set("role", a.role)
	rec.Set("from", a.from)
	rec.Set("to", a.to)
	rec.Set("action", a.action)
	rec.Set("note", a.note)
	rec.Set("duplicate_of", a.duplicateOf)
	if err := tx.Save(rec); err != nil {
		return fmt.Errorf("review: audit: %w", err)
	}
	return nil
}

// errNoKept answers a duplicate_of that is absent or outside the reviewer's teams alike.
var errNoKept = errors.New("duplicate_of does not name a submission you can review")

// checkKept verifies duplicate_of names a live submission of the same survey.
func checkKept(app core.App, rec *core.Record) error {
	id := rec.GetString("duplicate_of")
	if id == rec.Id {
		return fmt.Errorf("a submission cannot be a duplicate of itself")
	}
	kept, err := app.FindRecordById("submissions", id)
	// A submission the reviewer may not review reads as absent: its existence, survey and
	// status are not theirs to learn.
	if err != nil || !actorMayReview(rec, kept) {
		return errNoKept
	}
	if kept.GetString("form_id") != rec.GetString("form_id") {
		return fmt.Errorf("duplicate_of %q belongs to another survey", id)
	}
	switch kept.GetString("status") {
	case review.Rejected, review.Duplicate, review.Superseded:
		return fmt.Errorf("duplicate_of %q is %s, not a live submission to keep", id, kept.GetString("status"))
	}
	return nil
}

func setActor(rec *core.Record, auth *core.Record) {
	if auth == nil {
		return
	}
	rec.SetRaw(actorKey, auth.Id)
	rec.SetRaw(actorRoleKey, roleOf(auth))
	name := auth.GetString("name")
	if name == "" {
		name = auth.Email()
	}
	rec.SetRaw(actorNameKey, name)
	rec.SetRaw(actorTeamsKey, teamsOf(auth))
}

// actorMayReview applies canReview to the actor recorded on rec by setActor; a save with no
// actor (Go code: the seeder, a migration) is the system's and may name any submission.
func actorMayReview(rec, other *core.Record) bool {
	id, role, _ := actorOf(rec)
	switch {
	case id == "" || role == RoleSuperuser:
		return true
	case role == RoleSupervisor:
		teams, _ := rec.GetRaw(actorTeamsKey).([]string)
		return contains(teams, other.GetString("team"))
	}
	return false
}

func actorOf(rec *core.Record) (id, role, name string) {
	id, _ = rec.GetRaw(actorKey).(string)
	role, _ = rec.GetRaw(actorRoleKey).(string)
	name, _ = rec.GetRaw(actorNameKey).(string)
	if id == "" {
		return "", "system", "system"
	}
	return id, role, name
}

// canReview says whether the caller may review a submission (404 is answered otherwise,
// so a supervisor of another team cannot even learn that the submission exists).
func canReview(auth *core.Record, sub *core.Record) bool {
	switch roleOf(auth) {
	case RoleSuperuser:
		return true
	case RoleSupervisor:
		return contains(teamsOf(auth), sub.GetString("team"))
	}
	return false
}

type reviewResult struct {
	ID      string `json:"id"`
	Record  string `json:"record,omitempty"`
	OK      bool   `json:"ok"`
	Status  string `json:"status,omitempty"`
	From    string `json:"from,omitempty"`
	Message string `json:"message,omitempty"`
	code    int
}

// findSubmission accepts a record id or the device's UUID.
func findSubmission(app core.App, id string) (*core.Record, error) {
	if r, err := app.FindRecordById("submissions", id); err == nil {
		return r, nil
	}
	return app.FindFirstRecordByFilter("submissions", "uuid = {:u} && conflict_of = ''", dbx.Params{"u": id})
}

// applyDecision runs one review decision for the caller through the model hook above.
func (s *Server) applyDecision(auth *core.Record, id string, d review.Decision) reviewResult {
	res := reviewResult{ID: id}
	sub, err := findSubmission(s.app, id)
	if err != nil || !canReview(auth, sub) {
		res.code, res.Message = http.StatusNotFound, "no submission "+id+" that you can review"
		return res
	}
	res.Record, res.From = sub.Id, sub.GetString("status")
	to, err := review.Check(sub.GetString("status"), d)
	if err != nil {
		res.code, res.Message = http.StatusBadRequest, err.Error()
		return res
	}
	if d.Action == "duplicate" {
		kept, err := findSubmission(s.app, strings.TrimSpace(d.DuplicateOf))
		// Out of the reviewer's scope reads like absent, so ids of other teams' households
		// cannot be probed through duplicate_of.
		if err != nil || !canReview(auth, kept) {
			res.code, res.Message = http.StatusBadRequest, errNoKept.Error()
			return res
		}
		sub.Set("duplicate_of", kept.Id)
	}
	sub.Set("status", to)
	sub.Set("review_note", strings.TrimSpace(d.Note))
	setActor(sub, auth)
	if err := s.app.Save(sub); err != nil {
		res.code, res.Message = s.saveErrorStatus(err, sub.Id)
		return res
	}
	res.OK, res.Status, res.code = true, to, http.StatusOK
	return res
}

// reviewOne is POST /api/submissions/{id}/review.
func (s *Server) reviewOne(e *core.RequestEvent) error {
	if _, err := requireRole(e, RoleSupervisor, RoleSuperuser); err != nil {
		return err
	}
	body, err := readBody(e, 64<<10)
	if err != nil {
		return err
	}
	var d review.Decision
	if err := decodeObject(body, &d); err != nil {
		return err
	}
	res := s.applyDecision(e.Auth, e.Request.PathValue("id"), d)
	if !res.OK {
		return apiError(res.code, res.Message)
	}
	return e.JSON(http.StatusOK, res)
}

// MaxBulkReview is the most submissions one bulk review may decide.
const MaxBulkReview = 500

// reviewBulk is POST /api/review/bulk: {"action", "note", "ids": [...]} with per-item results.
func (s *Server) reviewBulk(e *core.RequestEvent) error {
	if _, err := requireRole(e, RoleSupervisor, RoleSuperuser); err != nil {
		return err
	}
	body, err := readBody(e, 1<<20)
	if err != nil {
		return err
	}
	var req struct {
		review.Decision
		IDs []string `json:"ids"`
	}
	if err := decodeObject(body, &req); err != nil {
		return err
	}
	if req.Action != "approve" && req.Action != "reject" {
		return apiError(http.StatusBadRequest, "bulk review takes action approve or reject")
	}
	if len(req.IDs) == 0 {
		return apiError(http.StatusBadRequest, `"ids" must list the submissions to review`)
	}
	if len(req.IDs) > MaxBulkReview {
		return apiError(http.StatusRequestEntityTooLarge, fmt.Sprintf("too many ids: %d (at most %d)", len(req.IDs), MaxBulkReview))
	}
	out := struct {
		Results []reviewResult `json:"results"`
		Done    int            `json:"done"`
		Failed  int            `json:"failed"`
	}{Results: make([]reviewResult, 0, len(req.IDs))}
	for _, id := range req.IDs {
		r := s.applyDecision(e.Auth, id, req.Decision)
		if r.OK {
			out.Done++
		} else {
			out.Failed++
		}
		out.Results = append(out.Results, r)
	}
	return e.JSON(http.StatusOK, out)
}

// Decide applies a review decision as auth (a supervisor or superuser record), with the same
// rules and audit as the review route. Used by the demo seeder and tools.
func (s *Server) Decide(auth *core.Record, id string, d review.Decision) error {
	r := s.applyDecision(auth, id, d)
	if !r.OK {
		return fmt.Errorf("%s", r.Message)
	}
	return nil
}
