package pb_migrations

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// mhsDesign is the design mhs declares in its settings (docs/design.md): which fields are
// the PSU, the stratum, the weight, the roster … Versions 1 and 2 were installed before
// surveys declared it; this migration adds it to their stored definitions (settings only: the
// questions, and so the answers and the XForms, do not change). A copy frozen here, as the
// other migrations' data.
//
//go:embed data/1764233400_mhs_design.json
var mhsDesign []byte

func init() {
	// json_insert adds a setting only where the stored definition has none (a deployment's own
	// value stands); SQLite's JSON functions keep the definition's key order.
	m.Register(func(app core.App) error {
		return patchMHSDesign(app, "json_insert", true)
	}, func(app core.App) error {
		return patchMHSDesign(app, "json_remove", false)
	})
}

// patchMHSDesign sets (or removes) the design settings of mhs versions 1 and 2 as stored, in
// SQL: the survey record hooks, which compile the definition, belong to the running server.
func patchMHSDesign(app core.App, fn string, withValues bool) error {
	var patch struct {
		Settings map[string]string `json:"settings"`
	}
	if err := json.Unmarshal(mhsDesign, &patch); err != nil {
		return fmt.Errorf("mhs design: %w", err)
	}
	keys := make([]string, 0, len(patch.Settings))
	for k := range patch.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	params := dbx.Params{}
	var args []string
	for i, k := range keys {
		params[fmt.Sprintf("k%d", i)] = "$.settings." + k
		args = append(args, fmt.Sprintf("{:k%d}", i))
		if withValues {
			params[fmt.Sprintf("v%d", i)] = patch.Settings[k]
			args = append(args, fmt.Sprintf("{:v%d}", i))
		}
	}
	q := fmt.Sprintf("UPDATE surveys SET definition = %s(definition, %s) WHERE form_id = 'mhs' AND version IN (1, 2)", fn, strings.Join(args, ", "))
	if _, err := app.DB().NewQuery(q).Bind(params).Execute(); err != nil {
		return fmt.Errorf("mhs design: %w", err)
	}
	return nil
}
