package hooks

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Roles of sync.md; superusers are PocketBase admins.
const (
	RoleEnumerator = "enumerator"
	RoleSupervisor = "supervisor"
	RoleAnalyst    = "analyst"
	RoleSuperuser  = "superuser"
)

// roleOf returns the caller's role, or "" for an anonymous or unknown caller.
func roleOf(auth *core.Record) string {
	if auth == nil {
		return ""
	}
	if auth.IsSuperuser() {
		return RoleSuperuser
	}
	if auth.Collection().Name != "users" {
		return ""
	}
	return auth.GetString("role")
}

// requireRole answers 401 without a valid token and 403 for a role not listed.
func requireRole(e *core.RequestEvent, roles ...string) (string, error) {
	if e.Auth == nil {
		return "", apiError(http.StatusUnauthorized, "missing or invalid auth token: sign in and send it in the Authorization header")
	}
	r := roleOf(e.Auth)
	for _, want := range roles {
		if r == want {
			return r, nil
		}
	}
	if r == "" {
		r = "this account"
	}
	return "", apiError(http.StatusForbidden, "the "+r+" role may not do this")
}

func apiError(status int, msg string) *router.ApiError {
	return router.NewApiError(status, msg, nil)
}

// teamsOf returns the ids of the teams a user belongs to.
func teamsOf(auth *core.Record) []string {
	if auth == nil {
		return nil
	}
	return auth.GetStringSlice("teams")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
