package indicators

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"fieldbase/form"
)

// One catalog covers every version of its survey (spec/indicators.md: the mhs catalog pools
// v1 and v2 households where the fields exist). It is compiled once per version: an
// indicator that reads a field or a setting the version does not have is, for that
// version's households, not measured (Indicator.Missing says why) rather than refused, so
// that those households stay in the design but in none of its population.

// LoadPooled is Load for one version among several of the catalog's survey: an indicator
// whose expressions name fields (${name}) or settings (setting('name')) that this version
// lacks is kept, marked Missing, and adds no facts entries. Every other problem is refused
// as Load refuses it. Load itself stays strict: the shipped catalog must compile entirely
// against the survey's newest version.
func LoadPooled(catalogJSON []byte, sv *form.Survey) (*Catalog, error) {
	return load(catalogJSON, sv, true)
}

// Measured reports whether the indicator can be computed from households of the version the
// catalog was compiled against.
func (in *Indicator) Measured() bool { return in.Missing == "" }

var (
	fieldRef   = regexp.MustCompile(`\$\{([^}]*)\}`)
	settingRef = regexp.MustCompile(`setting\(\s*'([^']*)'\s*\)`)
)

// missing lists, in a sentence, the fields and settings that srcs name and sv lacks ("" if
// none).
func missing(sv *form.Survey, srcs ...string) string {
	var fields, settings []string
	for _, src := range srcs {
		for _, m := range fieldRef.FindAllStringSubmatch(src, -1) {
			if name := strings.TrimSpace(m[1]); sv.Field(name) == nil && !slices.Contains(fields, name) {
				fields = append(fields, name)
			}
		}
		for _, m := range settingRef.FindAllStringSubmatch(src, -1) {
			if _, ok := settingValue(sv, m[1]); !ok && !slices.Contains(settings, m[1]) {
				settings = append(settings, m[1])
			}
		}
	}
	var parts []string
	if len(fields) > 0 {
		parts = append(parts, "field "+strings.Join(fields, ", "))
	}
	if len(settings) > 0 {
		parts = append(parts, "setting "+strings.Join(settings, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("%s version %s has no %s", sv.FormID, versionText(sv), strings.Join(parts, " and no "))
}

func versionText(sv *form.Survey) string {
	if sv.Settings.VersionText != "" {
		return sv.Settings.VersionText
	}
	return strconv.Itoa(sv.Version)
}

// settingValue is a survey setting by name: the known ones and the others (Settings.Extra).
func settingValue(sv *form.Survey, name string) (string, bool) {
	st := sv.Settings
	switch name {
	case "form_id":
		return st.FormID, true
	case "title":
		return st.Title, st.Title != ""
	case "country":
		return st.Country, st.Country != ""
	case "fieldwork_start":
		return st.FieldworkStart, st.FieldworkStart != ""
	case "version":
		return versionText(sv), true
	}
	v, ok := st.Extra[name]
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// expandSettings writes each setting('name') of src as the literal value of the setting in
// sv: a number when it reads as one (poverty_line 6000), else a quoted text. The catalog's
// expressions thus read a version's own settings (each version its own poverty line)
// without a function the survey engine, and ODK, would not know.
func expandSettings(sv *form.Survey, src string) (string, error) {
	var bad error
	out := settingRef.ReplaceAllStringFunc(src, func(m string) string {
		name := settingRef.FindStringSubmatch(m)[1]
		v, ok := settingValue(sv, name)
		if !ok {
			if bad == nil {
				bad = fmt.Errorf("setting('%s'): survey %s version %s has no setting %s", name, sv.FormID, versionText(sv), name)
			}
			return m
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		if strings.Contains(v, "'") {
			return `"` + strings.ReplaceAll(v, `"`, "") + `"`
		}
		return "'" + v + "'"
	})
	return out, bad
}
