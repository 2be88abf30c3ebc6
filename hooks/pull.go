package hooks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"fieldbase/store"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

const (
	defaultPullLimit = 100
	maxPullLimit     = 1000
)

type change struct {
	Seq  int64  `db:"seq"`
	Kind string `db:"kind"`
	Ref  string `db:"ref"`
	Op   string `db:"op"`
}

type pullResponse struct {
	Cursor      string           `json:"cursor"`
	HasMore     bool             `json:"has_more"`
	Surveys     []map[string]any `json:"surveys"`
	Assignments []map[string]any `json:"assignments"`
	Decisions   []map[string]any `json:"decisions"`
}

// pull is GET /api/sync/pull?cursor=&limit= (sync.md). The cursor is the last change
// sequence number the device has seen; it is opaque to devices.
func (s *Server) pull(e *core.RequestEvent) error {
	if _, err := requireRole(e, RoleEnumerator); err != nil {
		return err
	}
	q := e.Request.URL.Query()
	var cursor int64
	if c := q.Get("cursor"); c != "" {
		v, err := strconv.ParseInt(c, 10, 64)
		if err != nil || v < 0 {
			return apiError(http.StatusBadRequest, "cursor is not one this server gave out: send the cursor of the last pull, or none")
		}
		cursor = v
	}
	if cursor > 0 {
		// A cursor beyond the feed was handed out by a data dir this one was restored over
		// (a backup restore rolls the feed back): paging on from it would skip changes.
		var last int64
		if err := s.app.DB().NewQuery(store.FeedSeq.LastSQL()).Row(&last); err != nil {
			return fmt.Errorf("pull: read feed end: %w", err)
		}
		if cursor > last {
			return apiError(http.StatusConflict, fmt.Sprintf("cursor %d is ahead of this server's feed (%d): the server was restored from a backup; pull again without a cursor", cursor, last))
		}
	}
	limit := defaultPullLimit
	if l := q.Get("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil || v < 1 || v > maxPullLimit {
			return apiError(http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 1 to %d", maxPullLimit))
		}
		limit = v
	}
	me := e.Auth.Id
	var feed []change
	err := s.app.DB().NewQuery(`SELECT seq, kind, ref, op FROM (
			SELECT seq, kind, ref, op FROM changes WHERE enumerator = {:me} AND seq > {:c}
			UNION ALL
			SELECT seq, kind, ref, op FROM changes WHERE enumerator = '' AND seq > {:c})
		ORDER BY seq LIMIT {:n}`).Bind(dbx.Params{"me": me, "c": cursor, "n": limit + 1}).All(&feed)
	if err != nil {
		return fmt.Errorf("pull: read changes: %w", err)
	}
	resp := pullResponse{Cursor: strconv.FormatInt(cursor, 10), Surveys: []map[string]any{},
		Assignments: []map[string]any{}, Decisions: []map[string]any{}}
	if len(feed) > limit {
		resp.HasMore = true
		feed = feed[:limit]
	}
	seen := map[string]bool{}
	var decided []string
	if cursor == 0 {
		// A new device gets every active survey, whether or not its install left a change: the
		// newest active version of each (older versions stay installed, so devices that still
		// run them keep syncing, but nobody starts on one).
		var ids []string
		s.app.DB().NewQuery(`SELECT id FROM surveys s WHERE status = 'active' AND version =
			(SELECT MAX(version) FROM surveys t WHERE t.form_id = s.form_id AND t.status = 'active') ORDER BY form_id`).Column(&ids)
		for _, id := range ids {
			seen["survey:"+id] = true
			if sv := s.surveyJSON(id); sv != nil {
				resp.Surveys = append(resp.Surveys, sv)
			}
		}
	}
	for _, c := range feed {
		resp.Cursor = strconv.FormatInt(c.Seq, 10)
		key := c.Kind + ":" + c.Ref
		if seen[key] {
			continue // the current state is sent once per page
		}
		seen[key] = true
		switch c.Kind {
		case "survey":
			if sv := s.surveyJSON(c.Ref); sv != nil {
				resp.Surveys = append(resp.Surveys, sv)
			}
		case "assignment":
			resp.Assignments = append(resp.Assignments, s.assignmentJSON(c.Ref, me))
		case "decision":
			decided = append(decided, c.Ref)
		}
	}
	// Decisions are read in one query: a device back after days offline may have hundreds.
	ds, err := s.decisionsJSON(decided, me)
	if err != nil {
		return fmt.Errorf("pull: read decisions: %w", err)
	}
	resp.Decisions = append(resp.Decisions, ds...)
	device := q.Get("device_id")
	if device == "" {
		device = e.Request.Header.Get("X-Device-Id")
	}
	s.touchDevice(e, device, q.Get("app_version"), nil)
	return e.JSON(http.StatusOK, resp)
}

func (s *Server) surveyJSON(id string) map[string]any {
	r, err := s.app.FindRecordById("surveys", id)
	if err != nil {
		return nil
	}
	return map[string]any{"id": r.Id, "form_id": r.GetString("form_id"), "version": r.GetInt("version"),
		"title": r.GetString("title"), "status": r.GetString("status"), "definition": r.Get("definition")}
}

// assignmentJSON gives the assignment as the device should now hold it: revoked when it was
// deleted, cancelled, or moved to another enumerator.
func (s *Server) assignmentJSON(id, me string) map[string]any {
	r, err := s.app.FindRecordById("assignments", id)
	if err != nil || r.GetString("enumerator") != me || r.GetString("status") == "cancelled" {
		return map[string]any{"id": id, "revoked": true}
	}
	out := map[string]any{"id": r.Id, "revoked": false, "status": r.GetString("status"), "survey": r.GetString("survey")}
	for _, f := range []string{"a_psu", "a_dwelling", "a_weight"} {
		out[f] = r.GetFloat(f)
	}
	for _, f := range []string{"a_stratum", "a_region", "a_urban", "notes"} {
		out[f] = r.GetString(f)
	}
	if sv, err := s.app.FindRecordById("surveys", r.GetString("survey")); err == nil {
		out["form_id"], out["version"] = sv.GetString("form_id"), sv.GetInt("version")
	}
	return out
}

// decisionsSQL reads a pull page's decided submissions (%s: the ids), by primary key, every
// column from idx_submissions_decision: the rows themselves (the answers first, in column
// order) are read only for the rejected ones, whose answers go back (rejectedAnswers). The
// unary + keeps SQLite off idx_submissions_enum, which walks every submission the enumerator
// ever sent.
const decisionsSQL = `SELECT s.id, s.uuid, s.status, s.review_note, s.reviewed_at,
		COALESCE(d.uuid, '') AS dup_uuid
	FROM submissions s INDEXED BY idx_submissions_decision
	LEFT JOIN submissions d INDEXED BY idx_submissions_decision ON d.id = s.duplicate_of AND s.duplicate_of != ''
	WHERE +s.enumerator = {:me} AND s.id IN (%s)`

// decisionsJSON tells the enumerator what happened to their submissions ids, in that order;
// a rejected one comes back with the supervisor's note and the full answers to correct.
// Submissions of another enumerator are left out.
func (s *Server) decisionsJSON(ids []string, me string) ([]map[string]any, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	params := dbx.Params{"me": me}
	var rows []struct {
		ID         string `db:"id"`
		UUID       string `db:"uuid"`
		Status     string `db:"status"`
		Note       string `db:"review_note"`
		ReviewedAt string `db:"reviewed_at"`
		DupUUID    string `db:"dup_uuid"`
	}
	err := s.app.DB().NewQuery(fmt.Sprintf(decisionsSQL, bindList(params, "id", ids))).Bind(params).All(&rows)
	if err != nil {
		return nil, err
	}
	var rejected []string
	for _, r := range rows {
		if r.Status == "rejected" {
			rejected = append(rejected, r.ID)
		}
	}
	answers, err := s.rejectedAnswers(rejected)
	if err != nil {
		return nil, err
	}
	comments, err := s.decisionComments(rejected) // hooks/console_review.go
	if err != nil {
		return nil, err
	}
	byID := make(map[string]map[string]any, len(rows))
	for _, r := range rows {
		out := map[string]any{"id": r.UUID, "record": r.ID, "status": r.Status, "note": r.Note, "decided_at": r.ReviewedAt}
		if r.DupUUID != "" {
			out["duplicate_of"] = r.DupUUID
		}
		if r.Status == "rejected" {
			out["data"] = answers[r.ID]
			out["comments"] = commentsOrEmpty(comments[r.ID])
		}
		byID[r.ID] = out
	}
	list := make([]map[string]any, 0, len(rows))
	for _, id := range ids {
		if d, ok := byID[id]; ok {
			list = append(list, d)
		}
	}
	return list, nil
}

// rejectedAnswers reads the answers of rejected submissions, their personal data merged in
// (for their own enumerator: decisionsJSON has checked), by id.
func (s *Server) rejectedAnswers(ids []string) (map[string]map[string]any, error) {
	out := make(map[string]map[string]any, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	p := dbx.Params{}
	var rows []struct {
		ID   string `db:"id"`
		Data string `db:"data"`
		PII  string `db:"pii"`
	}
	err := s.app.DB().NewQuery(`SELECT id, COALESCE(data, '') AS data, COALESCE(pii, '') AS pii
		FROM submissions WHERE id IN (` + bindList(p, "r", ids) + `)`).Bind(p).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("pull: rejected answers: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = mergePII(json.RawMessage(orNull(r.Data)), json.RawMessage(orNull(r.PII)))
	}
	return out, nil
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// mergePII puts the sensitive answers back into the answers (for their own enumerator).
// The result is a new map: the caller's values are not changed.
func mergePII(data, pii any) map[string]any {
	d, p := answerMap(data), answerMap(pii)
	if d == nil {
		d = map[string]any{}
	}
	for k, v := range p {
		rows, isRows := v.([]any)
		target, _ := d[k].([]any)
		if !isRows {
			d[k] = v
			continue
		}
		for i, pr := range rows {
			pm, _ := pr.(map[string]any)
			if i < len(target) {
				if tm, ok := target[i].(map[string]any); ok {
					for kk, vv := range pm {
						tm[kk] = vv
					}
				}
			}
		}
	}
	return d
}

// answerMap decodes stored answers (raw JSON as a row or a record holds them, or values) into
// a map of their own; nil when they are not a JSON object.
func answerMap(v any) map[string]any {
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case types.JSONRaw:
		raw = x
	default:
		b, err := json.Marshal(v) // a copy, so that merging never writes into the caller's map
		if err != nil {
			return nil
		}
		raw = b
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}
