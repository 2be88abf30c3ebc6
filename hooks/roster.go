package hooks

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// The answers of a member or emigrant row are stored once, in its submission
// (pb_migrations/1764234240_roster_answers_once.go): a member row is data[roster][pos] and
// pii[roster][pos] of its submission, an emigrant row data[emigrants][line-1]. The record
// API (lists, views, expand, realtime) shows them as the row's `data` and a member's `pii`,
// as when they were stored in the row: `data` to every reader the collection's rules let
// see the row, `pii` only to those who may read personal data (mayReadPII).

// bindRosterAnswers fills the rows' answers in wherever a record is shown (filters and sorts
// on them are refused by the rosterAnswerFilters middleware).
func (s *Server) bindRosterAnswers() {
	s.app.OnRecordEnrich("members", "emigrants").BindFunc(func(e *core.RecordEnrichEvent) error {
		s.fillRosterAnswers(e.App, e.Record, e.RequestInfo.Auth)
		return e.Next()
	})
}

// fillRosterAnswers sets rec's data (and a member's pii, to those who may read personal
// data) from its submission, with its GPS answers displaced for those who may not see the
// recorded ones (as the submission's, enrichSubmission). A row whose entry is not there any
// more (a superuser removed it from the submission's answers) shows null, as does a
// member's pii in a survey without sensitive roster answers. The rows' own data and pii
// columns are hidden fields left empty (NULL) since the migration.
func (s *Server) fillRosterAnswers(app core.App, rec *core.Record, auth *core.Record) {
	withPII := mayReadPII(auth)
	var sub struct {
		FormID     string `db:"form_id"`
		Version    int    `db:"version"`
		Team       string `db:"team"`
		Enumerator string `db:"enumerator"`
		PSU        int    `db:"a_psu"`
		Data       string `db:"data"`
		PII        string `db:"pii"`
	}
	member := rec.Collection().Name == "members"
	cols := "form_id, version, team, enumerator, a_psu, data, '' AS pii"
	if member && withPII {
		cols = "form_id, version, team, enumerator, a_psu, data, COALESCE(pii, '') AS pii"
	}
	err := app.DB().NewQuery("SELECT " + cols + " FROM submissions WHERE id = {:id}").
		Bind(dbx.Params{"id": rec.GetString("submission")}).One(&sub)
	var repeat string
	var pos int
	var pl places
	if err == nil {
		if sv, ok, ferr := s.Surveys.Find(sub.FormID, sub.Version); ferr == nil && ok {
			pl = placesOf(sv.Form)
			if member {
				repeat, pos = sv.Design.Roster, rec.GetInt("pos")
			} else {
				repeat, pos = sv.Design.Emigrants, rec.GetInt("line")-1
			}
		}
	} else {
		s.app.Logger().Warn("roster row: submission not readable", "record", rec.Id, "error", err.Error())
	}
	row := repeatRow(sub.Data, repeat, pos)
	if raw, ok := row.(types.JSONRaw); ok && pl.any() && !maySeeGPSOf(auth, sub.Team, sub.Enumerator) {
		var answers map[string]any
		var point map[string]any
		made := false
		at := func() map[string]any {
			if !made {
				point, made = pointOf(s.psuPoint(sub.FormID, sub.PSU)), true
			}
			return point
		}
		if json.Unmarshal(raw, &answers) == nil {
			moved := displaceRow(answers, at)
			if dropShapes(answers, pl.shapes) || moved {
				row = answers
			}
		}
	}
	rec.Set("data", row)
	rec.Unhide("data")
	if !member {
		return
	}
	if withPII {
		rec.Set("pii", repeatRow(sub.PII, repeat, pos))
		rec.Unhide("pii")
	} else {
		rec.Set("pii", nil)
		rec.Hide("pii")
	}
}

// repeatRow is the JSON text of answers[repeat][pos] as stored (nil when there is none).
func repeatRow(answers, repeat string, pos int) any {
	if answers == "" || repeat == "" || pos < 0 {
		return nil
	}
	var top map[string]json.RawMessage
	if json.Unmarshal([]byte(answers), &top) != nil {
		return nil
	}
	var rows []json.RawMessage
	if json.Unmarshal(top[repeat], &rows) != nil || pos >= len(rows) {
		return nil
	}
	return types.JSONRaw(rows[pos])
}

// answerRef finds a reference to the row's own data or pii (not submission.data, not a
// quoted text) in a filter or sort.
var answerRef = regexp.MustCompile(`(^|[^\w.@])(data|pii)\b`)
var quoted = regexp.MustCompile(`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"`)

// rosterAnswerFilters answers a list of members or emigrants filtered or sorted by their
// answers with a 400 that says what to do instead, for every caller: the rows' own data and
// pii columns are empty, so such a filter would match nothing (PocketBase refuses filters on
// hidden fields to all but superusers, with a message that names nothing).
func (s *Server) rosterAnswerFilters(e *core.RequestEvent) error {
	path := e.Request.URL.Path
	if e.Request.Method != http.MethodGet || !strings.HasPrefix(path, "/api/collections/") {
		return e.Next()
	}
	name, rest, _ := strings.Cut(strings.TrimPrefix(path, "/api/collections/"), "/")
	if rest != "records" {
		return e.Next()
	}
	if name != "members" && name != "emigrants" {
		c, err := s.app.FindCachedCollectionByNameOrId(name)
		if err != nil || (c.Name != "members" && c.Name != "emigrants") {
			return e.Next()
		}
		name = c.Name
	}
	q := e.Request.URL.Query()
	for _, k := range []string{"filter", "sort"} {
		if v := q.Get(k); v != "" && answerRef.MatchString(quoted.ReplaceAllString(v, "''")) {
			return apiError(http.StatusBadRequest, k+": the answers of "+name+" rows (data, pii) are stored in their submission; "+
				"filter by the row's own fields (line, status and the typed answers) or by submission.data")
		}
	}
	return e.Next()
}
