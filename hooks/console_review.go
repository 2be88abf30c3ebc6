package hooks

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/review"
)

// MaxQuestionComments is the most question comments one rejection may carry.
const MaxQuestionComments = 100

type questionComment struct {
	Path  string `db:"path" json:"path"`
	Label string `db:"label" json:"label,omitempty"`
	Text  string `db:"text" json:"text"`
	Actor string `db:"actor_name" json:"by,omitempty"`
	At    string `db:"created" json:"created,omitempty"`
	Ref   string `db:"review" json:"-"`
	Sub   string `db:"submission" json:"-"`
}

// consoleReject is POST /api/console/submissions/{id}/reject: {"note", "comments": [{"path",
// "text"}]}. The rejection (through the review state machine and its audit record) and the
// comments are one transaction: the enumerator's pull carries both or neither.
func (s *Server) consoleReject(e *core.RequestEvent) error {
	if _, err := requireRole(e, RoleSupervisor, RoleSuperuser); err != nil {
		return err
	}
	body, err := readBody(e, 256<<10)
	if err != nil {
		return err
	}
	var req struct {
		Note     string            `json:"note"`
		Comments []questionComment `json:"comments"`
	}
	if err := decodeObject(body, &req); err != nil {
		return err
	}
	id := e.Request.PathValue("id")
	sub, err := findSubmission(s.app, id)
	if err != nil || !canReview(e.Auth, sub) {
		return apiError(http.StatusNotFound, "no submission "+id+" that you can review")
	}
	if len(req.Comments) > MaxQuestionComments {
		return apiError(http.StatusBadRequest, fmt.Sprintf("too many question comments: %d (at most %d)", len(req.Comments), MaxQuestionComments))
	}
	sv, ok := s.Surveys.Survey(sub.GetString("form_id"), sub.GetInt("version"))
	if !ok {
		return fmt.Errorf("console: survey of %s not installed", sub.Id)
	}
	for i := range req.Comments {
		c := &req.Comments[i]
		c.Path, c.Text = strings.TrimSpace(c.Path), strings.TrimSpace(c.Text)
		if c.Text == "" || len(c.Text) > 1000 {
			return apiError(http.StatusBadRequest, fmt.Sprintf("comment %d: the text must be 1 to 1000 characters", i+1))
		}
		label := pathLabel(sv.Form, c.Path)
		if label == c.Path {
			return apiError(http.StatusBadRequest, fmt.Sprintf("comment %d: %q is not a question of %s v%d (a name like a_date, or members[0].b_age)", i+1, c.Path, sv.Form.FormID, sv.Form.Version))
		}
		c.Label = label
	}
	d := review.Decision{Action: "reject", Note: req.Note}
	to, err := review.Check(sub.GetString("status"), d)
	if err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	col, err := s.app.FindCollectionByNameOrId("question_comments")
	if err != nil {
		return err
	}
	err = s.app.RunInTransaction(func(tx core.App) error {
		sub.Set("status", to)
		sub.Set("review_note", strings.TrimSpace(d.Note))
		setActor(sub, e.Auth)
		if err := tx.Save(sub); err != nil {
			return err
		}
		var ref string
		if err := tx.DB().NewQuery("SELECT id FROM reviews WHERE submission = {:s} ORDER BY created DESC, rowid DESC LIMIT 1").
			Bind(dbx.Params{"s": sub.Id}).Row(&ref); err != nil {
			return fmt.Errorf("console: the decision's audit record: %w", err)
		}
		_, _, name := actorOf(sub)
		for _, c := range req.Comments {
			r := core.NewRecord(col)
			r.Set("submission", sub.Id)
			r.Set("review", ref)
			r.Set("path", c.Path)
			r.Set("label", c.Label)
			r.Set("text", c.Text)
			r.Set("actor", e.Auth.Id)
			r.Set("actor_name", name)
			if err := tx.Save(r); err != nil {
				return fmt.Errorf("console: comment on %s: %w", c.Path, err)
			}
		}
		return nil
	})
	if err != nil {
		return apiError(http.StatusBadRequest, err.Error())
	}
	return e.JSON(http.StatusOK, map[string]any{"id": sub.Id, "ok": true, "status": to, "comments": len(req.Comments)})
}

// questionComments lists a submission's comments; with review set, only that decision's.
func (s *Server) questionComments(sub, ref string) ([]questionComment, error) {
	out := []questionComment{}
	q := "SELECT submission, review, path, label, text, actor_name, created FROM question_comments WHERE submission = {:s}"
	if ref != "" {
		q += " AND review = {:r}"
	}
	err := s.app.DB().NewQuery(q + " ORDER BY created, id").Bind(dbx.Params{"s": sub, "r": ref}).All(&out)
	if err != nil {
		return nil, fmt.Errorf("console: question comments: %w", err)
	}
	return out, nil
}

// decisionComments gives, per rejected submission id, the question comments of its latest
// decision: what the pull sends with the decision.
func (s *Server) decisionComments(ids []string) (map[string][]questionComment, error) {
	out := map[string][]questionComment{}
	if len(ids) == 0 {
		return out, nil
	}
	p := dbx.Params{}
	var rows []questionComment
	err := s.app.DB().NewQuery(`SELECT c.submission, c.review, c.path, c.label, c.text, c.actor_name, c.created
		FROM question_comments c WHERE c.submission IN (` + bindList(p, "s", ids) + `)
		AND c.review = (SELECT r.id FROM reviews r WHERE r.submission = c.submission ORDER BY r.created DESC, r.rowid DESC LIMIT 1)
		ORDER BY c.created, c.id`).Bind(p).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("pull: question comments: %w", err)
	}
	for _, r := range rows {
		out[r.Sub] = append(out[r.Sub], r)
	}
	return out, nil
}

func commentsOrEmpty(c []questionComment) []questionComment {
	if c == nil {
		return []questionComment{}
	}
	return c
}

// MaxFilterReview is the most households one "approve this filter" decides.
const MaxFilterReview = 5000

// consoleBulkFilter is POST /api/console/review/filter: {"action": "approve", "note",
// "filter": {...the submissions table's query...}}: every household the filter shows that can
// take the action, decided one by one through the review rules, with per-item results.
func (s *Server) consoleBulkFilter(e *core.RequestEvent) error {
	if _, err := requireRole(e, RoleSupervisor, RoleSuperuser); err != nil {
		return err
	}
	sc, err := s.scopeOf(e)
	if err != nil {
		return err
	}
	body, err := readBody(e, 64<<10)
	if err != nil {
		return err
	}
	var req struct {
		review.Decision
		Filter map[string]string `json:"filter"`
	}
	if err := decodeObject(body, &req); err != nil {
		return err
	}
	if req.Action != "approve" && req.Action != "reject" {
		return apiError(http.StatusBadRequest, "a filter review takes action approve or reject")
	}
	q := url.Values{}
	for k, v := range req.Filter {
		q.Set(k, v)
	}
	f, err := parseListFilter(q, sc)
	if err != nil {
		return err
	}
	// Only the states the action can leave; the others would each fail the same way.
	from := []string{}
	for _, st := range []string{"received", "flagged", "invalid", "approved", "rejected", "duplicate"} {
		if _, err := review.Check(st, req.Decision); err == nil {
			from = append(from, st)
		}
	}
	if len(from) == 0 {
		_, err := review.Check("received", req.Decision)
		return apiError(http.StatusBadRequest, err.Error())
	}
	var ids []string
	args := dbx.Params{"lim": MaxFilterReview + 1}
	for k, v := range f.args {
		args[k] = v
	}
	err = s.app.DB().NewQuery("SELECT s.id FROM submissions s WHERE " + f.sql(false) + " AND s.status IN (" + bindList(args, "from", from) +
		") ORDER BY s.created, s.id LIMIT {:lim}").Bind(args).Column(&ids)
	if err != nil {
		return fmt.Errorf("console: filter review: %w", err)
	}
	if len(ids) > MaxFilterReview {
		return apiError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the filter shows more than %d households that can be decided: narrow it (a team, an enumerator, a date range)", MaxFilterReview))
	}
	out := struct {
		Results []reviewResult `json:"results"`
		Done    int            `json:"done"`
		Failed  int            `json:"failed"`
		Skipped int            `json:"skipped"`
	}{Results: []reviewResult{}}
	for _, id := range ids {
		r := s.applyDecision(e.Auth, id, req.Decision)
		if r.OK {
			out.Done++
		} else {
			out.Failed++
			out.Results = append(out.Results, r) // only the failures: a filter may hold thousands
		}
	}
	var total int
	if err := s.app.DB().NewQuery("SELECT COUNT(*) FROM submissions s WHERE " + f.sql(false)).Bind(f.args).Row(&total); err == nil {
		out.Skipped = total - out.Done - out.Failed
	}
	return e.JSON(http.StatusOK, out)
}
