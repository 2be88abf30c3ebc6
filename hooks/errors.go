package hooks

import (
	"errors"
	"net/http"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/tools/router"
)

// saveErrorStatus classifies an error of app.Save for the answer: a rule a hook enforces
// keeps its own status (400 not allowed, 409 lost a race), a record that does not validate
// is the caller's 400, and anything else is the server's fault: logged, answered 500 with
// no internals.
func (s *Server) saveErrorStatus(err error, record string) (int, string) {
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		return apiErr.Status, apiErr.Message
	}
	var verrs validation.Errors
	if errors.As(err, &verrs) {
		return http.StatusBadRequest, err.Error()
	}
	s.app.Logger().Error("save failed", "record", record, "error", err.Error())
	return http.StatusInternalServerError, "the server could not save this now; nothing was changed: try again"
}
