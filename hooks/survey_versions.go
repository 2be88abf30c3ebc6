package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/form"
)

// A survey version has two names. version is the sync protocol's number: a JSON push names
// it, and it orders the versions. version_label is the version as the XLSForm wrote it,
// which may be any text ("2025-05-01 22-47", "v1") or nothing: OpenRosa clients are served
// it (form list, the XForm's version attribute) and send it back with each instance. As
// pyxform and ODK Central do, a deployment orders versions by install time: a whole-number
// settings.version keeps its number (and is its own label), any other text or none gets
// the next number of its form_id, and none is labelled by that number.

// installedVersion numbers a version of f being installed into col. Installing a number
// or a label that its form_id already has is refused, naming the version installed: the
// clients that hold the old form would send instances another form now answers to.
func installedVersion(app core.App, col *core.Collection, f *form.Survey) (int, string, error) {
	version, label := f.Version, f.Settings.VersionText
	if version < 1 {
		var max int
		if err := app.DB().NewQuery("SELECT COALESCE(MAX(version), 0) FROM surveys WHERE form_id = {:f}").
			Bind(dbx.Params{"f": f.FormID}).Row(&max); err != nil {
			return 0, "", fmt.Errorf("versions of survey %s: %w", f.FormID, err)
		}
		version = max + 1
	}
	if label == "" {
		label = strconv.Itoa(version)
	}
	if old, _ := app.FindFirstRecordByFilter(col, "form_id = {:f} && version = {:v}", dbx.Params{"f": f.FormID, "v": version}); old != nil {
		return 0, "", fmt.Errorf("survey %s version %d is already installed (record %s); raise settings.version for a new version", f.FormID, version, old.Id)
	}
	if old, _ := app.FindFirstRecordByFilter(col, "form_id = {:f} && version_label = {:l}", dbx.Params{"f": f.FormID, "l": label}); old != nil {
		return 0, "", fmt.Errorf("survey %s version %q is already installed (as version %d, record %s); change settings.version for a new version",
			f.FormID, label, old.GetInt("version"), old.Id)
	}
	return version, label, nil
}

// matchVersion checks a surveys record against its definition: the same form_id, the same
// number when the definition's version is a whole number, the same label (filled in when
// the record has none, as a record made in the admin UI).
func matchVersion(rec *core.Record, f *form.Survey) error {
	formID, version, label := rec.GetString("form_id"), rec.GetInt("version"), rec.GetString("version_label")
	want := f.Settings.VersionText
	if want == "" {
		want = strconv.Itoa(version)
	}
	if label == "" {
		label = want
		rec.Set("version_label", label)
	}
	if f.FormID != formID || (f.Version >= 1 && f.Version != version) || label != want {
		return fmt.Errorf("form_id/version/version_label (%s/%d/%q) must match the definition's settings (form_id %s, version %q)",
			formID, version, label, f.FormID, f.Settings.VersionText)
	}
	return nil
}

// VersionOf returns the number of the version of formID labelled label (what an OpenRosa
// instance's version attribute says); ok false when there is none.
func (r *Registry) VersionOf(formID, label string) (int, bool, error) {
	key := formID + "@" + label
	r.mu.RLock()
	v, ok := r.labels[key]
	r.mu.RUnlock()
	if ok {
		return v, true, nil
	}
	err := r.app.DB().NewQuery("SELECT version FROM surveys WHERE form_id = {:f} AND version_label = {:l}").
		Bind(dbx.Params{"f": formID, "l": label}).Row(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("survey %s version %q: %w", formID, label, err)
	}
	r.mu.Lock()
	r.labels[key] = v
	r.mu.Unlock()
	return v, true, nil
}
