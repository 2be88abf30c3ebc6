package xform

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"fieldbase/form"
)

// languages returns the languages of the survey's labels, hints and media (the default one
// first), and the default. A survey with media but no translation has the one language
// "default", as pyxform writes it; one with neither has none (labels are written inline).
func languages(s *form.Survey) ([]string, string) {
	set := map[string]bool{}
	media := false
	note := func(labels map[string]string, cols map[string]string) {
		for l := range labels {
			set[l] = true
		}
		for k := range cols {
			if col, lang, ok := strings.Cut(k, "::"); ok {
				if col == "hint" || isMediaColumn(col) {
					set[lang] = true
				}
			} else if isMediaColumn(k) {
				media = true
			}
		}
	}
	for _, f := range s.Rows() {
		note(f.Labels, f.Columns)
	}
	for _, name := range s.ListNames() {
		for _, c := range s.Choices(name) {
			note(c.Labels, c.Extra)
		}
	}
	if len(set) == 0 && !media {
		return nil, ""
	}
	if len(set) == 0 {
		set["default"] = true
	}
	langs := slices.Sorted(maps.Keys(set))
	def := s.Settings.DefaultLanguage
	if !set[def] {
		def = langs[0]
	}
	out := []string{def}
	for _, l := range langs {
		if l != def {
			out = append(out, l)
		}
	}
	return out, def
}

func isMediaColumn(k string) bool {
	k = strings.TrimPrefix(k, "media::")
	col, _, _ := strings.Cut(k, "::")
	for _, m := range mediaForms {
		if col == m.column {
			return true
		}
	}
	return false
}

func (b *builder) itext() bool { return len(b.langs) > 0 }

func (b *builder) hasMedia(cols map[string]string) bool {
	for k := range cols {
		if isMediaColumn(k) {
			return true
		}
	}
	return false
}

// translations writes <itext>: choice labels (list-index), then each row's label and hint,
// in every language; a missing translation falls back to the default label, as Collect
// would show it.
func (b *builder) translations() {
	b.w("<itext>")
	for _, lang := range b.langs {
		b.w("<translation")
		b.attr("lang", lang)
		if lang == b.defLang {
			b.attr("default", "true()")
		}
		b.w(">")
		for _, name := range b.s.ListNames() {
			if !b.used[name] {
				continue
			}
			for i, c := range b.s.Choices(name) {
				b.textEntry(name+"-"+strconv.Itoa(i), pick(c.Labels, lang, c.Label, c.Name), c.Extra, lang, nil)
			}
		}
		for _, f := range b.s.Rows() {
			if controls[f.Type].modelOnly || (f.Type != "group" && f.Type != "repeat" && controls[f.Type].body == "") {
				continue
			}
			if (f.Type == "group" || f.Type == "repeat") && !b.hasLabel(f) {
				continue
			}
			def := f.Label
			if def == "" && f.Type != "group" && f.Type != "repeat" {
				def = f.Name
			}
			b.textEntry(b.path(f)+":label", pick(f.Labels, lang, def, "-"), f.Columns, lang, f)
			if b.hasHintTranslations(f) {
				h := f.Columns["hint::"+lang]
				if h == "" {
					h = f.Columns["hint"]
				}
				if h == "" {
					h = "-"
				}
				b.textEntry(b.path(f)+":hint", h, nil, lang, f)
			}
		}
		b.w("</translation>")
	}
	b.w("</itext>")
}

func pick(labels map[string]string, lang, def, none string) string {
	if l := labels[lang]; l != "" {
		return l
	}
	if def != "" {
		return def
	}
	return none
}

// textEntry writes one <text> with its label and the media of cols for lang.
func (b *builder) textEntry(id, label string, cols map[string]string, lang string, ctx *form.Field) {
	b.w("<text")
	b.attr("id", id)
	b.w("><value>")
	b.richText(label, ctx)
	b.w("</value>")
	for _, m := range mediaForms {
		file := ""
		for _, k := range []string{m.column + "::" + lang, "media::" + m.column + "::" + lang, m.column, "media::" + m.column} {
			if v := cols[k]; v != "" {
				file = v
				break
			}
		}
		if file != "" {
			b.w(`<value form="` + m.form + `">`)
			b.text(m.scheme + file)
			b.w("</value>")
		}
	}
	b.w("</text>")
}
