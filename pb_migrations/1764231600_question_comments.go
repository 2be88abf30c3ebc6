package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// question_comments are a reviewer's comments on single questions of a household, written
// with a rejection (hooks/console_review.go) and sent to the enumerator with the decision on
// pull, each with its question's path. Written only by hooks/; read by the household's
// readers like the audit trail.
func init() {
	m.Register(func(app core.App) error {
		subs, err := app.FindCollectionByNameOrId("submissions")
		if err != nil {
			return err
		}
		c := core.NewBaseCollection("question_comments")
		c.ListRule = types.Pointer("(" + isSupervisor + " && @request.auth.teams.id ?= submission.team) || (" +
			isEnumerator + " && submission.enumerator = @request.auth.id)")
		c.ViewRule = c.ListRule
		c.Fields.Add(
			&core.RelationField{Name: "submission", Required: true, CollectionId: subs.Id, MaxSelect: 1, CascadeDelete: true},
			&core.TextField{Name: "review", Max: 15}, // the reviews (audit) record of the decision
			&core.TextField{Name: "path", Required: true, Max: 200},
			&core.TextField{Name: "label", Max: 400},
			&core.TextField{Name: "text", Required: true, Max: 1000},
			&core.TextField{Name: "actor", Max: 40},
			&core.TextField{Name: "actor_name", Max: 200},
		)
		c.Fields.Add(timestamps()...)
		c.AddIndex("idx_question_comments_submission", false, "`submission`, `review`", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId("question_comments")
		if err != nil {
			return nil
		}
		return app.Delete(c)
	})
}
