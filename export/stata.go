package export

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The do-file's helper programs. Each turns a text column into a Stata value in place (same
// position, same name) and does nothing to a column Stata already read as numbers.
const doPrograms = `capture program drop fb_encode
program define fb_encode
	args var lbl
	capture confirm string variable ` + "`var'" + `
	if _rc exit
	tempvar x
	encode ` + "`var'" + `, generate(` + "`x'" + `) label(` + "`lbl'" + `)
	order ` + "`x'" + `, after(` + "`var'" + `)
	drop ` + "`var'" + `
	rename ` + "`x' `var'" + `
end
capture program drop fb_date
program define fb_date
	args var
	capture confirm string variable ` + "`var'" + `
	if _rc exit
	tempvar x
	generate long ` + "`x'" + ` = date(` + "`var'" + `, "YMD")
	format ` + "`x'" + ` %td
	order ` + "`x'" + `, after(` + "`var'" + `)
	drop ` + "`var'" + `
	rename ` + "`x' `var'" + `
end
capture program drop fb_time
program define fb_time
	args var
	capture confirm string variable ` + "`var'" + `
	if _rc exit
	tempvar x
	generate double ` + "`x'" + ` = clock(substr(` + "`var'" + `, 1, 10) + " " + substr(` + "`var'" + `, 12, 8), "YMDhms")
	format ` + "`x'" + ` %tc
	order ` + "`x'" + `, after(` + "`var'" + `)
	drop ` + "`var'" + `
	rename ` + "`x' `var'" + `
end
`

const selLabel = "fb_sel" // value label of the 0/1 choice columns

// writeDoFile writes labels.do, which reads each CSV that has rows into Stata, applies the
// variable and value labels and saves a .dta beside it.
//
// Value labels need whole numbers. A select_one whose codes are all whole numbers keeps them;
// one with text codes (yes/no/dk) is first given a value label whose texts are the codes, so
// that encode maps each code to its number in choice order (codebook.csv, stata_value) and
// keeps any unexpected code as an extra value instead of losing it; the label's texts are
// then replaced by the choice labels.
func writeDoFile(w io.Writer, s *Schema, tables []*table, m *Manifest) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "* labels.do: reads this export's CSV files into Stata with variable and value labels\n")
	fmt.Fprintf(&b, "* and saves each as a .dta file next to it.\n")
	fmt.Fprintf(&b, "* Survey %s version %d: %s\n", comment(s.FormID), s.Version, comment(s.Title))
	fmt.Fprintf(&b, "* Generated %s, cursor %d.\n", m.GeneratedAt, m.Cursor)
	b.WriteString(`* Use: unzip the export, cd to its folder in Stata, then: do labels.do
* Choices: select_one codes that are whole numbers are kept; text codes (yes, no ...) become
* 1, 2, 3 ... in choice order (codebook.csv, column stata_value), labelled. select_multiple
* columns stay text, with one 0/1 column per choice. Dates become %td, timestamps %tc (UTC).
version 14
clear
set more off

`)
	b.WriteString(doPrograms)
	labels := map[string]string{} // choice list -> value label name
	used := map[string]bool{selLabel: true}
	labelOf := func(list string) string {
		if l, ok := labels[list]; ok {
			return l
		}
		l := stataName(list, used)
		labels[list] = l
		return l
	}
	for _, t := range tables {
		b.WriteString("\n")
		if m.Counts[t.file()] == 0 {
			fmt.Fprintf(&b, "* ---- %s has no rows in this export: not read.\n", t.file())
			continue
		}
		fmt.Fprintf(&b, "* ---- %s (%d rows)\n", t.file(), m.Counts[t.file()])
		doTable(&b, s, t, labelOf)
	}
	b.WriteString(`
* Joins: every file has the household's key; repeat rows also have their line number.
*   use members, clear
*   merge m:1 key using households, keep(match) nogenerate
`)
	_, err := w.Write(b.Bytes())
	return err
}

func doTable(b *bytes.Buffer, s *Schema, t *table, labelOf func(string) string) {
	var strs, nums []string
	var from, to []string
	for i, c := range t.cols {
		n := strconv.Itoa(i + 1)
		switch c.as {
		case asString:
			strs = append(strs, n)
		case asNumeric:
			nums = append(nums, n)
		}
		if v := "v" + n; v != c.stata {
			from, to = append(from, v), append(to, c.stata)
		}
	}
	fmt.Fprintf(b, "import delimited using %s, clear varnames(nonames) rowrange(2) delimiters(\",\") bindquotes(strict) encoding(\"utf-8\")", quote(t.file(), 0))
	if len(strs) > 0 {
		b.WriteString(" stringcols(" + strings.Join(strs, " ") + ")")
	}
	if len(nums) > 0 {
		b.WriteString(" numericcols(" + strings.Join(nums, " ") + ")")
	}
	b.WriteString("\n")
	// One group rename: a field named like v3 cannot then clash with Stata's own v3.
	if len(from) > 0 {
		b.WriteString("rename (" + wrap(from) + ") ///\n\t(" + wrap(to) + ")\n")
	}

	// Text-coded choices: code texts first (for encode), choice labels after.
	done := map[string]bool{}
	var relabel []string
	for _, c := range t.cols {
		if c.conv != convEncode || done[c.list] {
			continue
		}
		done[c.list] = true
		relabel = append(relabel, c.list)
		if line := labelDefine(s, c.list, labelOf(c.list), true, "replace"); line != "" {
			b.WriteString(line)
		}
	}
	for _, c := range t.cols {
		switch c.conv {
		case convEncode:
			fmt.Fprintf(b, "fb_encode %s %s\n", c.stata, labelOf(c.list))
		case convDate:
			fmt.Fprintf(b, "fb_date %s\n", c.stata)
		case convTime:
			fmt.Fprintf(b, "fb_time %s\n", c.stata)
		}
	}
	for _, list := range relabel {
		b.WriteString(labelDefine(s, list, labelOf(list), false, "modify"))
	}
	// Whole-number choices keep their codes: label them directly.
	dummies := false
	for _, c := range t.cols {
		switch {
		case c.dummy:
			if !dummies {
				fmt.Fprintf(b, "label define %s 0 \"not selected\" 1 \"selected\", replace\n", selLabel)
				dummies = true
			}
			fmt.Fprintf(b, "label values %s %s\n", c.stata, selLabel)
		case c.typ == "select_one" && c.conv != convEncode && c.list != "":
			if !done[c.list] {
				done[c.list] = true
				b.WriteString(labelDefine(s, c.list, labelOf(c.list), false, "replace"))
			}
			if len(s.Lists[c.list]) > 0 {
				fmt.Fprintf(b, "label values %s %s\n", c.stata, labelOf(c.list))
			}
		}
	}
	for _, c := range t.cols {
		fmt.Fprintf(b, "label variable %s %s\n", c.stata, quote(c.label, 80))
	}
	fmt.Fprintf(b, "compress\nsave %s, replace\n", quote(t.name+".dta", 0))
}

// labelDefine is a `label define` line for a list: with the codes as texts (for encode) or
// with the choice labels. Empty for a list without choices.
func labelDefine(s *Schema, list, name string, codesAsText bool, opt string) string {
	choices := s.Lists[list]
	if len(choices) == 0 {
		return ""
	}
	codes := s.stataCodes(list)
	pairs := make([]string, len(choices))
	width := 0
	for i, c := range choices {
		text := c.Label
		if codesAsText || text == "" {
			text = c.Name
		}
		pairs[i] = strconv.Itoa(codes.values[i]) + " " + quote(text, 32000)
		width += len(pairs[i]) + 1
	}
	sep := " "
	if width > 100 { // one choice a line, with Stata's continuation
		sep = " ///\n\t"
	}
	return "label define " + name + sep + strings.Join(pairs, sep) + ", " + opt + "\n"
}

// wrap joins names, breaking the line every 8 names with Stata's /// continuation.
func wrap(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			if i%8 == 0 {
				b.WriteString(" ///\n\t")
			} else {
				b.WriteString(" ")
			}
		}
		b.WriteString(n)
	}
	return b.String()
}

// quote makes text a Stata string literal: double quotes become single ones, the macro
// characters ` and $ cannot expand, line breaks become spaces, and at most max characters are
// kept (0: no limit; a variable label holds 80).
func quote(text string, max int) string {
	r := strings.NewReplacer("\"", "'", "`", "'", "$", "\\$", "\r\n", " ", "\n", " ", "\r", " ", "\t", " ")
	text = r.Replace(text)
	if max > 0 && utf8.RuneCountInString(text) > max {
		text = string([]rune(text)[:max])
		text = strings.TrimSuffix(text, "\\") // never leave a lone escape at the end
	}
	return "\"" + text + "\""
}

// comment makes text safe on one comment line.
func comment(text string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(text)
}

// Stata's reserved names.
var stataReserved = map[string]bool{"_all": true, "_b": true, "byte": true, "_coef": true, "_cons": true,
	"double": true, "float": true, "if": true, "in": true, "int": true, "long": true, "_n": true, "_pi": true,
	"_pred": true, "_rc": true, "_skip": true, "strl": true, "using": true, "with": true}

// stataName makes name a valid Stata name (ASCII letters, digits, _; not starting with a
// digit; at most 32 characters; not reserved) that is not yet in used, and marks it used.
func stataName(name string, used map[string]bool) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	s := string(b)
	if s == "" || s[0] >= '0' && s[0] <= '9' || reserved(s) {
		s = "v_" + s
	}
	if len(s) > 32 {
		s = s[:32]
	}
	out := s
	for i := 2; used[out]; i++ {
		suffix := "_" + strconv.Itoa(i)
		base := s
		if len(base)+len(suffix) > 32 {
			base = base[:32-len(suffix)]
		}
		out = base + suffix
	}
	used[out] = true
	return out
}

func reserved(s string) bool {
	l := strings.ToLower(s)
	if stataReserved[l] {
		return true
	}
	// str1 ... str2045 are storage types.
	if strings.HasPrefix(l, "str") && len(l) > 3 {
		if _, err := strconv.Atoi(l[3:]); err == nil {
			return true
		}
	}
	return false
}
