package hooks

import (
	"crypto/rand"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	qrcode "github.com/skip2/go-qrcode"

	"fieldbase/openrosa"
)

// bindAppTokens fills a new app token's secret, and checks that it belongs to an
// enumerator (a token is a login without a password: only for collecting).
func (s *Server) bindAppTokens() {
	s.app.OnRecordCreate("app_tokens").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("token") == "" {
			e.Record.Set("token", rand.Text()+rand.Text()[:6])
		}
		return e.Next()
	})
	check := func(e *core.RecordEvent) error {
		user, err := e.App.FindRecordById("users", e.Record.GetString("enumerator"))
		if err != nil || roleOf(user) != RoleEnumerator {
			return router.NewBadRequestError("an app token is for an enumerator: choose a user whose role is enumerator", nil)
		}
		return e.Next()
	}
	s.app.OnRecordValidate("app_tokens").BindFunc(check)
	s.bindOpenRosaCaches()
}

// appTokenRoutes: a superuser gets the Collect settings of a token, as text or QR code.
func (s *Server) appTokenRoutes(api *router.RouterGroup[*core.RequestEvent]) {
	api.GET("/openrosa/tokens/{id}/settings", func(e *core.RequestEvent) error {
		url, settings, err := s.tokenSettings(e)
		if err != nil {
			return err
		}
		return e.JSON(http.StatusOK, map[string]string{"server_url": url, "collect_settings": settings})
	})
	api.GET("/openrosa/tokens/{id}/qr.png", func(e *core.RequestEvent) error {
		_, settings, err := s.tokenSettings(e)
		if err != nil {
			return err
		}
		png, err := qrcode.Encode(settings, qrcode.Medium, 512)
		if err != nil {
			return err
		}
		e.Response.Header().Set("Cache-Control", "no-store")
		return e.Blob(http.StatusOK, "image/png", png)
	})
}

func (s *Server) tokenSettings(e *core.RequestEvent) (string, string, error) {
	if !e.HasSuperuserAuth() {
		return "", "", apiError(http.StatusForbidden, "only a superuser may read app tokens")
	}
	rec, err := s.app.FindRecordById("app_tokens", e.Request.PathValue("id"))
	if err != nil {
		return "", "", apiError(http.StatusNotFound, "no such app token")
	}
	if rec.GetBool("revoked") {
		return "", "", apiError(http.StatusConflict, "this app token is revoked; make a new one")
	}
	scheme := "http"
	if e.IsTLS() || e.Request.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	url := scheme + "://" + e.Request.Host + "/openrosa/key/" + rec.GetString("token")
	name := "fieldbase"
	if l := rec.GetString("label"); l != "" {
		name += " " + l
	}
	settings, err := openrosa.CollectSettings(url, name)
	return url, settings, err
}
