package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Submission files (photos, recordings ...) by the same roles as the JSON API's attachment
// routes (hooks/media.go): the enumerator who sent them, the supervisors of the team, and
// analysts with pii_granted for an approved household (media identify people, like the
// sensitive answers analysts read only with that grant).
func init() {
	m.Register(func(app core.App) error {
		return setSubmissionFilesRule(app, "("+isEnumerator+" && enumerator = @request.auth.id) || "+
			"("+isSupervisor+" && @request.auth.teams.id ?= team) || "+
			"("+isAnalyst+" && @request.auth.pii_granted = true && submission.status = 'approved')")
	}, func(app core.App) error {
		return setSubmissionFilesRule(app, "("+isEnumerator+" && enumerator = @request.auth.id) || "+
			"("+isSupervisor+" && @request.auth.teams.id ?= team)")
	})
}

func setSubmissionFilesRule(app core.App, rule string) error {
	c, err := app.FindCollectionByNameOrId("submission_files")
	if err != nil {
		return err
	}
	c.ListRule = types.Pointer(rule)
	c.ViewRule = c.ListRule
	return app.Save(c)
}
