package hooks

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/ui"
)

// consoleRoutes binds the browser app at / and the JSON routes its screens read
// (/api/console/...). Every route checks the caller's role and scope itself: custom routes
// bypass the collections' API rules.
func (s *Server) consoleRoutes(se *core.ServeEvent) {
	api := se.Router.Group("/api/console")
	api.GET("/me", s.consoleMe)
	api.GET("/submissions", s.consoleSubmissions)
	api.GET("/submissions/{id}", s.consoleHousehold)
	api.GET("/compare", s.consoleCompare)
	api.POST("/submissions/{id}/reject", s.consoleReject)
	api.POST("/review/filter", s.consoleBulkFilter)
	api.POST("/assignments/import", s.consoleImportAssignments)
	api.GET("/progress", s.consoleProgress)
	api.GET("/quality", s.consoleQuality)
	s.bindConsoleLive(se)

	// The app: its files, and index.html for any other path outside /api and /_ (the app
	// routes on the hash, so this only matters for a reload of a bookmarked path).
	se.Router.GET("/{path...}", apis.Static(ui.Files(), true)).BindFunc(func(e *core.RequestEvent) error {
		e.Response.Header().Set("Cache-Control", "no-cache")
		return e.Next()
	})
}

// consoleScope is what one caller may see of the submissions, as a SQL condition on the
// submissions table aliased s. Supervisors: their teams; analysts: approved households
// (no personal fields: the routes leave pii and GPS out for them); superusers: all.
type consoleScope struct {
	role  string
	teams []string
	where string
	args  dbx.Params
}

func (s *Server) scopeOf(e *core.RequestEvent) (*consoleScope, error) {
	role, err := requireRole(e, RoleSupervisor, RoleAnalyst, RoleSuperuser)
	if err != nil {
		return nil, err
	}
	sc := &consoleScope{role: role, args: dbx.Params{}}
	switch role {
	case RoleSupervisor:
		sc.teams = teamsOf(e.Auth)
		if len(sc.teams) == 0 {
			sc.where = "0"
			break
		}
		sc.where = "s.team IN (" + bindList(sc.args, "scope_t", sc.teams) + ")"
	case RoleAnalyst:
		sc.where = "s.status = 'approved'"
	default:
		sc.where = "1"
	}
	return sc, nil
}

// personal says whether the caller may see personal answers and exact GPS.
func (sc *consoleScope) personal() bool { return sc.role != RoleAnalyst }

// canSee says whether a loaded submission is in the caller's scope.
func (sc *consoleScope) canSee(sub *core.Record) bool {
	switch sc.role {
	case RoleSupervisor:
		return contains(sc.teams, sub.GetString("team"))
	case RoleAnalyst:
		return sub.GetString("status") == "approved"
	}
	return true
}

// bindList adds values to params as prefix0, prefix1 ... and returns "{:prefix0},{:prefix1}...".
func bindList(params dbx.Params, prefix string, values []string) string {
	marks := make([]string, len(values))
	for i, v := range values {
		k := fmt.Sprintf("%s%d", prefix, i)
		params[k] = v
		marks[i] = "{:" + k + "}"
	}
	return strings.Join(marks, ",")
}

type teamRef struct {
	ID   string `db:"id" json:"id"`
	Name string `db:"name" json:"name"`
}

type personRef struct {
	ID    string `db:"id" json:"id"`
	Name  string `db:"name" json:"name"`
	Email string `db:"email" json:"email,omitempty"`
	Team  string `db:"team" json:"team,omitempty"`
}

// consoleMe is GET /api/console/me: who the caller is, the teams, enumerators and survey
// versions their screens may filter on.
func (s *Server) consoleMe(e *core.RequestEvent) error {
	sc, err := s.scopeOf(e)
	if err != nil {
		return err
	}
	out := map[string]any{"role": sc.role, "id": e.Auth.Id, "email": e.Auth.Email(), "name": e.Auth.GetString("name")}
	teams := []teamRef{}
	people := []personRef{}
	q := s.app.DB().NewQuery("SELECT id, name FROM teams ORDER BY name")
	if sc.role == RoleSupervisor {
		p := dbx.Params{}
		q = s.app.DB().NewQuery("SELECT id, name FROM teams WHERE id IN (" + bindList(p, "t", append([]string{""}, sc.teams...)) + ") ORDER BY name").Bind(p)
	}
	if sc.role != RoleAnalyst {
		if err := q.All(&teams); err != nil {
			return fmt.Errorf("console: teams: %w", err)
		}
		p := dbx.Params{}
		ids := make([]string, len(teams))
		for i, t := range teams {
			ids[i] = t.ID
		}
		if len(ids) > 0 {
			err := s.app.DB().NewQuery(`SELECT u.id, u.name, u.email, j.value AS team FROM users u, json_each(u.teams) j
				WHERE u.role = 'enumerator' AND j.value IN (` + bindList(p, "t", ids) + `) ORDER BY u.name`).Bind(p).All(&people)
			if err != nil {
				return fmt.Errorf("console: enumerators: %w", err)
			}
		}
	}
	var versions []struct {
		ID      string `db:"id" json:"id"`
		FormID  string `db:"form_id" json:"form_id"`
		Version int    `db:"version" json:"version"`
		Title   string `db:"title" json:"title"`
	}
	if err := s.app.DB().NewQuery("SELECT id, form_id, version, title FROM surveys ORDER BY form_id, version").All(&versions); err != nil {
		return fmt.Errorf("console: surveys: %w", err)
	}
	out["teams"], out["enumerators"], out["surveys"] = teams, people, versions
	return e.JSON(http.StatusOK, out)
}

// notFound is the answer for anything outside the caller's scope: the same words as for
// an id that does not exist, so scope cannot be probed.
func notFound(what, id string) error {
	return apiError(http.StatusNotFound, fmt.Sprintf("no %s %s that you can see", what, id))
}
