// Package pb_migrations creates fieldbase's collections, indexes and API rules.
//
// API rules enforce the role table of sync.md for PocketBase's own record API; the custom
// routes in hooks/ check the caller themselves because custom routes bypass these rules.
package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Rule fragments. A user's role lives on the `users` auth record; superusers bypass rules.
const (
	isUser       = "@request.auth.collectionName = 'users'"
	isEnumerator = isUser + " && @request.auth.role = 'enumerator'"
	isSupervisor = isUser + " && @request.auth.role = 'supervisor'"
	isAnalyst    = isUser + " && @request.auth.role = 'analyst'"
)

func init() {
	m.Register(func(app core.App) error {
		teams, err := createTeams(app)
		if err != nil {
			return err
		}
		users, err := updateUsers(app, teams)
		if err != nil {
			return err
		}
		surveys, err := createSurveys(app)
		if err != nil {
			return err
		}
		assignments, err := createAssignments(app, surveys, users, teams)
		if err != nil {
			return err
		}
		subs, err := createSubmissions(app, surveys, users, teams, assignments)
		if err != nil {
			return err
		}
		if err := createRosters(app, subs); err != nil {
			return err
		}
		if err := createReviews(app, subs); err != nil {
			return err
		}
		if err := createDevices(app, users); err != nil {
			return err
		}
		if err := createChanges(app); err != nil {
			return err
		}
		return createExports(app)
	}, func(app core.App) error {
		for _, name := range []string{"exports", "changes", "devices", "reviews", "emigrants", "members", "submissions", "assignments", "surveys"} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				continue
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		users, err := app.FindCollectionByNameOrId("users")
		if err == nil {
			users.Fields.RemoveByName("role")
			users.Fields.RemoveByName("teams")
			users.Fields.RemoveByName("pii_granted")
			if err := app.Save(users); err != nil {
				return err
			}
		}
		if teams, err := app.FindCollectionByNameOrId("teams"); err == nil {
			return app.Delete(teams)
		}
		return nil
	})
}

func timestamps() []core.Field {
	return []core.Field{
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	}
}

func createTeams(app core.App) (*core.Collection, error) {
	c := core.NewBaseCollection("teams")
	c.ListRule = types.Pointer("@request.auth.id != ''")
	c.ViewRule = c.ListRule
	c.Fields.Add(
		&core.TextField{Name: "name", Required: true, Max: 100, Presentable: true},
		&core.TextField{Name: "region", Max: 20},
	)
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_teams_name", true, "`name`", "")
	return c, app.Save(c)
}

func updateUsers(app core.App, teams *core.Collection) (*core.Collection, error) {
	c, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return nil, err
	}
	// Relations to users show the person's name in the admin UI lists.
	if name, ok := c.Fields.GetByName("name").(*core.TextField); ok {
		name.Presentable = true
	}
	c.Fields.Add(
		&core.SelectField{Name: "role", Required: true, MaxSelect: 1, Values: []string{"enumerator", "supervisor", "analyst"}},
		&core.RelationField{Name: "teams", CollectionId: teams.Id, MaxSelect: 20},
		// pii_granted lets an analyst read `sensitive` answers (sync.md: "unless granted").
		&core.BoolField{Name: "pii_granted"},
	)
	self := "id = @request.auth.id"
	// Supervisors see the people of their teams (to assign work and read who collected what).
	c.ListRule = types.Pointer(self + " || (" + isSupervisor + " && @request.auth.teams.id ?= teams.id)")
	c.ViewRule = c.ListRule
	c.CreateRule = nil // accounts are made by a superuser
	c.UpdateRule = types.Pointer(self + " && @request.body.role:isset = false && @request.body.teams:isset = false && @request.body.pii_granted:isset = false")
	c.DeleteRule = nil
	c.AddIndex("idx_users_role", false, "`role`", "")
	return c, app.Save(c)
}

func createSurveys(app core.App) (*core.Collection, error) {
	c := core.NewBaseCollection("surveys")
	c.ListRule = types.Pointer("@request.auth.id != ''")
	c.ViewRule = c.ListRule
	c.Fields.Add(
		&core.TextField{Name: "form_id", Required: true, Max: 64, Pattern: `^[a-z][a-z0-9_]*$`, Presentable: true},
		&core.NumberField{Name: "version", Required: true, OnlyInt: true, Min: types.Pointer(1.0)},
		&core.TextField{Name: "title", Max: 300},
		&core.JSONField{Name: "definition", Required: true, MaxSize: 4 << 20},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"active", "retired"}},
	)
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_surveys_form_version", true, "`form_id`, `version`", "")
	return c, app.Save(c)
}

func createAssignments(app core.App, surveys, users, teams *core.Collection) (*core.Collection, error) {
	c := core.NewBaseCollection("assignments")
	ownTeam := isSupervisor + " && @request.auth.teams.id ?= team"
	c.ListRule = types.Pointer("(" + isEnumerator + " && enumerator = @request.auth.id) || (" + ownTeam + ")")
	c.ViewRule = c.ListRule
	c.CreateRule = types.Pointer(isSupervisor + " && @request.auth.teams.id ?= @request.body.team")
	c.UpdateRule = types.Pointer("(" + ownTeam + ") && (@request.body.team:isset = false || @request.auth.teams.id ?= @request.body.team)")
	c.DeleteRule = types.Pointer(ownTeam)
	c.Fields.Add(
		&core.RelationField{Name: "survey", Required: true, CollectionId: surveys.Id, MaxSelect: 1},
		&core.RelationField{Name: "enumerator", Required: true, CollectionId: users.Id, MaxSelect: 1},
		&core.RelationField{Name: "team", Required: true, CollectionId: teams.Id, MaxSelect: 1},
		&core.NumberField{Name: "a_psu", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Max: types.Pointer(99999.0)},
		&core.NumberField{Name: "a_dwelling", Required: true, OnlyInt: true, Min: types.Pointer(1.0), Max: types.Pointer(9999.0)},
		&core.TextField{Name: "a_stratum", Max: 20},
		&core.TextField{Name: "a_region", Max: 20},
		&core.TextField{Name: "a_urban", Max: 2},
		&core.NumberField{Name: "a_weight", Min: types.Pointer(0.0)},
		&core.TextField{Name: "notes", Max: 2000},
		&core.SelectField{Name: "status", MaxSelect: 1, Values: []string{"active", "done", "cancelled"}},
	)
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_assignments_enum", false, "`enumerator`", "")
	c.AddIndex("idx_assignments_team", false, "`team`", "")
	c.AddIndex("idx_assignments_key", false, "`survey`, `a_psu`, `a_dwelling`", "")
	return c, app.Save(c)
}

func createSubmissions(app core.App, surveys, users, teams, assignments *core.Collection) (*core.Collection, error) {
	c := core.NewBaseCollection("submissions")
	read := "(" + isEnumerator + " && enumerator = @request.auth.id) || " +
		"(" + isSupervisor + " && @request.auth.teams.id ?= team) || " +
		"(" + isAnalyst + " && status = 'approved')"
	c.ListRule = types.Pointer(read)
	c.ViewRule = c.ListRule
	c.CreateRule = nil // tablets use POST /api/sync/push
	// Supervisors review their teams' submissions; hooks/ restrict which fields may change
	// and enforce the review state machine on every path.
	c.UpdateRule = types.Pointer(isSupervisor + " && @request.auth.teams.id ?= team")
	c.DeleteRule = nil
	// The first columns are what the admin UI list shows a reviewer: household key,
	// status, who collected it, and why it needs a look.
	c.Fields.Add(
		&core.TextField{Name: "uuid", Required: true, Max: 36, Presentable: true},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"received", "flagged", "invalid", "approved", "rejected", "duplicate", "superseded"}},
		&core.NumberField{Name: "a_psu", OnlyInt: true},
		&core.NumberField{Name: "a_dwelling", OnlyInt: true},
		&core.RelationField{Name: "enumerator", CollectionId: users.Id, MaxSelect: 1},
		&core.RelationField{Name: "team", CollectionId: teams.Id, MaxSelect: 1},
		&core.NumberField{Name: "warning_count", OnlyInt: true},
		&core.NumberField{Name: "error_count", OnlyInt: true},
		&core.JSONField{Name: "flags"},
		&core.TextField{Name: "a_date", Max: 10},
		&core.NumberField{Name: "hh_size", OnlyInt: true},
		&core.NumberField{Name: "duration_s"},
		&core.TextField{Name: "form_id", Required: true, Max: 64},
		&core.NumberField{Name: "version", OnlyInt: true},
		&core.RelationField{Name: "survey", CollectionId: surveys.Id, MaxSelect: 1},
		&core.TextField{Name: "a_stratum", Max: 20},
		&core.TextField{Name: "a_region", Max: 20},
		&core.TextField{Name: "a_urban", Max: 2},
		&core.NumberField{Name: "a_weight"},
		&core.TextField{Name: "device_id", Max: 200},
		&core.RelationField{Name: "assignment", CollectionId: assignments.Id, MaxSelect: 1},
		&core.DateField{Name: "started_at"},
		&core.DateField{Name: "completed_at"},
		&core.JSONField{Name: "errors"},
		&core.JSONField{Name: "warnings"},
		&core.JSONField{Name: "data", MaxSize: 2 << 20},
		// Sensitive answers (a_head_name, b_name ...) live apart so they can be hidden per role.
		&core.JSONField{Name: "pii", MaxSize: 1 << 20},
		&core.TextField{Name: "content_hash", Max: 64},
		// SHA-256 of the item exactly as the device sent it: a byte-identical resend (the
		// usual retry after a lost answer) is recognised without parsing it.
		&core.TextField{Name: "raw_hash", Max: 64},
		&core.NumberField{Name: "lat"},
		&core.NumberField{Name: "lon"},
		&core.NumberField{Name: "gps_accuracy"},
		&core.TextField{Name: "head_key", Max: 64},
		&core.TextField{Name: "roster_sig", Max: 2000},
		// Indicator facts of the household (see indicators/): derived, rebuilt when the catalog changes.
		&core.TextField{Name: "facts", Max: 20000, Hidden: true},
		&core.TextField{Name: "duplicate_of", Max: 15},
		&core.TextField{Name: "conflict_of", Max: 15},
		&core.TextField{Name: "supersedes", Max: 15},
		&core.TextField{Name: "superseded_by", Max: 15},
		&core.TextField{Name: "review_note", Max: 2000},
		&core.TextField{Name: "reviewed_by", Max: 40},
		&core.DateField{Name: "reviewed_at"},
		&core.NumberField{Name: "seq", OnlyInt: true},
	)
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_submissions_uuid", false, "`uuid`", "")
	c.AddIndex("idx_submissions_hash", false, "`form_id`, `content_hash`", "")
	c.AddIndex("idx_submissions_raw_hash", false, "`raw_hash`", "")
	c.AddIndex("idx_submissions_key", false, "`form_id`, `a_psu`, `a_dwelling`", "")
	c.AddIndex("idx_submissions_status", false, "`form_id`, `status`", "")
	c.AddIndex("idx_submissions_team_status", false, "`team`, `status`", "")
	c.AddIndex("idx_submissions_enum", false, "`enumerator`, `status`", "")
	c.AddIndex("idx_submissions_created", false, "`created`", "")
	c.AddIndex("idx_submissions_seq", false, "`seq`", "")
	c.AddIndex("idx_submissions_a_date", false, "`a_date`", "")
	return c, app.Save(c)
}

// createRosters makes the flattened repeat rows: one row per member and per emigrant, with the
// household's status copied so aggregation reads approved rows with one index range scan.
func createRosters(app core.App, subs *core.Collection) error {
	read := "(" + isEnumerator + " && submission.enumerator = @request.auth.id) || " +
		"(" + isSupervisor + " && @request.auth.teams.id ?= submission.team) || " +
		"(" + isAnalyst + " && status = 'approved')"
	members := core.NewBaseCollection("members")
	members.ListRule, members.ViewRule = types.Pointer(read), types.Pointer(read)
	members.Fields.Add(
		&core.RelationField{Name: "submission", Required: true, CollectionId: subs.Id, MaxSelect: 1, CascadeDelete: true},
		&core.TextField{Name: "form_id", Max: 64},
		&core.TextField{Name: "status", Max: 20},
		&core.NumberField{Name: "line", OnlyInt: true},
		&core.TextField{Name: "b_rel", Max: 4},
		&core.TextField{Name: "b_sex", Max: 4},
		&core.NumberField{Name: "b_age", OnlyInt: true},
		&core.TextField{Name: "mig_status", Max: 10},
		&core.JSONField{Name: "data", MaxSize: 256 << 10},
		&core.JSONField{Name: "pii", MaxSize: 64 << 10},
		&core.TextField{Name: "facts", Max: 20000, Hidden: true},
	)
	members.AddIndex("idx_members_submission", false, "`submission`", "")
	members.AddIndex("idx_members_status", false, "`form_id`, `status`", "")
	if err := app.Save(members); err != nil {
		return err
	}
	emigrants := core.NewBaseCollection("emigrants")
	emigrants.ListRule, emigrants.ViewRule = types.Pointer(read), types.Pointer(read)
	emigrants.Fields.Add(
		&core.RelationField{Name: "submission", Required: true, CollectionId: subs.Id, MaxSelect: 1, CascadeDelete: true},
		&core.TextField{Name: "form_id", Max: 64},
		&core.TextField{Name: "status", Max: 20},
		&core.NumberField{Name: "line", OnlyInt: true},
		&core.TextField{Name: "d_sex", Max: 4},
		&core.NumberField{Name: "d_age", OnlyInt: true},
		&core.TextField{Name: "d_country", Max: 8},
		&core.NumberField{Name: "d_year_left", OnlyInt: true},
		&core.TextField{Name: "d_reason", Max: 20},
		&core.JSONField{Name: "data", MaxSize: 64 << 10},
	)
	emigrants.AddIndex("idx_emigrants_submission", false, "`submission`", "")
	emigrants.AddIndex("idx_emigrants_status", false, "`form_id`, `status`", "")
	return app.Save(emigrants)
}

func createReviews(app core.App, subs *core.Collection) error {
	c := core.NewBaseCollection("reviews")
	// The audit trail: readable by the submission's readers, written only by hooks/,
	// never editable or deletable except by a superuser (nil rules).
	c.ListRule = types.Pointer("(" + isSupervisor + " && @request.auth.teams.id ?= submission.team) || (" +
		isEnumerator + " && submission.enumerator = @request.auth.id)")
	c.ViewRule = c.ListRule
	c.Fields.Add(
		&core.RelationField{Name: "submission", Required: true, CollectionId: subs.Id, MaxSelect: 1},
		&core.TextField{Name: "actor", Max: 40},
		&core.TextField{Name: "actor_name", Max: 200},
		&core.TextField{Name: "role", Max: 20},
		&core.TextField{Name: "from", Max: 20},
		&core.TextField{Name: "to", Max: 20},
		&core.TextField{Name: "action", Max: 20},
		&core.TextField{Name: "note", Max: 2000},
		&core.TextField{Name: "duplicate_of", Max: 15},
	)
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_reviews_submission", false, "`submission`", "")
	c.AddIndex("idx_reviews_created", false, "`created`", "")
	return app.Save(c)
}

func createDevices(app core.App, users *core.Collection) error {
	c := core.NewBaseCollection("devices")
	c.ListRule = types.Pointer("(" + isEnumerator + " && enumerator = @request.auth.id) || (" +
		isSupervisor + " && @request.auth.teams.id ?= enumerator.teams.id)")
	c.ViewRule = c.ListRule
	c.Fields.Add(
		&core.TextField{Name: "device_id", Required: true, Max: 200, Presentable: true},
		&core.RelationField{Name: "enumerator", CollectionId: users.Id, MaxSelect: 1},
		&core.TextField{Name: "app_version", Max: 100},
		&core.DateField{Name: "last_seen"},
		&core.DateField{Name: "last_push"},
		&core.DateField{Name: "last_pull"},
		&core.JSONField{Name: "last_push_counts"},
	)
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_devices_device", true, "`device_id`, `enumerator`", "")
	return app.Save(c)
}

// createChanges makes the pull feed: a sequence number written in the same transaction as
// each change, so a cursor never skips a change committed while a pull runs.
func createChanges(app core.App) error {
	c := core.NewBaseCollection("changes")
	c.Fields.Add(
		&core.NumberField{Name: "seq", Required: true, OnlyInt: true},
		&core.TextField{Name: "enumerator", Max: 15}, // "" = for every enumerator (surveys)
		&core.TextField{Name: "kind", Max: 20},       // survey | assignment | decision
		&core.TextField{Name: "ref", Max: 15},
		&core.TextField{Name: "op", Max: 20},
	)
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_changes_seq", true, "`seq`", "")
	c.AddIndex("idx_changes_enum_seq", false, "`enumerator`, `seq`", "")
	return app.Save(c)
}

func createExports(app core.App) error {
	c := core.NewBaseCollection("exports")
	c.Fields.Add(
		&core.TextField{Name: "actor", Max: 40},
		&core.TextField{Name: "role", Max: 20},
		&core.TextField{Name: "kind", Max: 20},
		&core.JSONField{Name: "filter"},
		&core.NumberField{Name: "rows", OnlyInt: true},
	)
	c.Fields.Add(timestamps()...)
	return app.Save(c)
}
