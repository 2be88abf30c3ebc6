package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// OpenRosa (ODK Collect, KoboCollect, Enketo): per-enumerator app tokens, and the files
// (photos, audio ...) that come with a submission.
//
// An app token is a secret in the server URL an enumerator's Collect is set to
// (…/openrosa/key/<token>), as ODK Central's App Users: Collect never prompts for a
// password, and a superuser revokes a lost tablet's token by setting `revoked` (or
// deleting the record). Only superusers see or manage tokens (no API rule).
//
// Submission files are PocketBase files, protected (a file token is needed to download
// one) and readable by the same roles as their submission.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		subs, err := app.FindCollectionByNameOrId("submissions")
		if err != nil {
			return err
		}
		teams, err := app.FindCollectionByNameOrId("teams")
		if err != nil {
			return err
		}
		tokens := core.NewBaseCollection("app_tokens")
		tokens.Fields.Add(
			&core.RelationField{Name: "enumerator", CollectionId: users.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.TextField{Name: "label", Max: 100, Presentable: true},
			// Filled by hooks/ on create when left empty: 48 random characters.
			&core.TextField{Name: "token", Max: 100, Hidden: true, Pattern: `^[A-Za-z0-9]{32,100}$`},
			&core.BoolField{Name: "revoked"},
			&core.DateField{Name: "last_used"},
		)
		tokens.Fields.Add(timestamps()...)
		tokens.AddIndex("idx_app_tokens_token", true, "`token`", "token != ''")
		if err := app.Save(tokens); err != nil {
			return err
		}

		files := core.NewBaseCollection("submission_files")
		read := "(" + isEnumerator + " && enumerator = @request.auth.id) || " +
			"(" + isSupervisor + " && @request.auth.teams.id ?= team)"
		files.ListRule = types.Pointer(read)
		files.ViewRule = files.ListRule
		files.Fields.Add(
			&core.RelationField{Name: "submission", CollectionId: subs.Id, MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.TextField{Name: "instance_id", Required: true, Max: 64},
			&core.TextField{Name: "name", Required: true, Max: 255, Presentable: true},
			&core.FileField{Name: "file", MaxSelect: 1, MaxSize: 10 << 20, Protected: true},
			&core.NumberField{Name: "size", OnlyInt: true},
			&core.TextField{Name: "md5", Max: 32},
			&core.RelationField{Name: "enumerator", CollectionId: users.Id, MaxSelect: 1},
			&core.RelationField{Name: "team", CollectionId: teams.Id, MaxSelect: 1},
		)
		files.Fields.Add(timestamps()...)
		files.AddIndex("idx_submission_files_name", true, "`submission`, `name`", "")
		return app.Save(files)
	}, func(app core.App) error {
		for _, name := range []string{"submission_files", "app_tokens"} {
			if c, err := app.FindCollectionByNameOrId(name); err == nil {
				if err := app.Delete(c); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
