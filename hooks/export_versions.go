package hooks

import (
	"context"
	"fmt"

	"github.com/pocketbase/dbx"

	"fieldbase/design"
	"fieldbase/export"
	"fieldbase/form"
)

// exportSchema is the export layout of a survey over all its installed versions: sv's (the
// newest) fields, then those only older versions have (export.Pool), and each version's
// round (the codebook says it). An older definition that
// no longer loads is left out of the layout (its households keep the columns they share).
func exportSchema(ctx context.Context, db dbx.Builder, sv *form.Survey) (*export.Schema, error) {
	// Each older definition gets its installed number and label back (form.Survey.SetInstalled),
	// as the registry's do: a version written as text loads as number 0.
	var defs []struct {
		Definition string `db:"definition"`
		Version    int    `db:"version"`
		Label      string `db:"version_label"`
	}
	if err := db.NewQuery("SELECT definition, version, version_label FROM surveys WHERE form_id = {:f} AND version != {:v} ORDER BY version DESC").
		Bind(dbx.Params{"f": sv.FormID, "v": sv.Version}).WithContext(ctx).All(&defs); err != nil {
		return nil, fmt.Errorf("export: versions of %s: %w", sv.FormID, err)
	}
	withRound := func(f *form.Survey) *export.Schema {
		s := export.FromForm(f)
		if d, _ := design.Read(f); d.Round != "" {
			s.Rounds = map[int]string{f.Version: d.Round}
		}
		return s
	}
	var older []*export.Schema
	for _, d := range defs {
		if f, err := form.Load([]byte(d.Definition)); err == nil {
			f.SetInstalled(d.Version, d.Label)
			older = append(older, withRound(f))
		}
	}
	return export.Pool(withRound(sv), older...), nil
}
