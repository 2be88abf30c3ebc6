package synth

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// This file is a small, independent reading of questionnaire.md used to test
// the generator without the form package: every answer's presence against
// its relevance, required answers, types, choice codes and the hard
// constraints. Warnings are not checked.

var lists = map[string][]string{
	"yn":       {"yes", "no"},
	"ynd":      {"yes", "no", "dk"},
	"ynr":      {"yes", "no", "refused"},
	"sex":      {"1", "2"},
	"rel":      {"1", "2", "3", "4", "5", "6", "7", "8"},
	"urban":    {"U", "R"},
	"region":   {"R1", "R2", "R3", "R4", "R5", "R6", "R7"},
	"stratum":  {"R1U", "R1R", "R2U", "R2R", "R3U", "R3R", "R4U", "R4R", "R5U", "R5R", "R6U", "R6R", "R7U", "R7R"},
	"country":  {"NPL", "IND", "QAT", "SAU", "ARE", "KWT", "MYS", "KOR", "JPN", "USA", "GBR", "AUS", "OTH"},
	"cit":      {"1", "2", "3"},
	"reason":   {"work", "family", "study", "protection", "other"},
	"fees":     {"agency", "visa", "passport", "medical", "training", "travel", "other"},
	"empstat":  {"1", "2", "3", "4"},
	"contract": {"written", "oral", "none"},
	"benefit":  {"old_age", "disability", "unemployment", "child", "maternity", "injury", "assistance", "none"},
	"port":     {"receiving", "transferred", "claimable", "lost", "dk"},
	"level":    {"pre", "primary", "lower_sec", "upper_sec", "tertiary"},
	"channel":  {"bank", "mto", "mobile", "post", "carried", "informal", "other"},
	"ground":   {"sex", "age", "disability", "ethnicity", "migration", "economic", "residence", "religion", "other", "none"},
	"recog":    {"recognised", "pending", "refused", "not_applied"},
	"wg":       {"1", "2", "3", "4"},
}

// ctx is what a rule can look at: the household, the current repeat row and
// the interview year.
type ctx struct {
	hh, row map[string]any
	year    int
}

type field struct {
	name     string
	kind     string // int, dec, text, date, geo, one:<list>, multi:<list>, calc, repeat
	required bool
	rel      func(c ctx) bool                // nil = always
	check    func(v any, c ctx) (bad string) // constraint, "" when it holds
}

func always(ctx) bool { return true }

func eq(name, val string) func(ctx) bool {
	return func(c ctx) bool { return c.hh[name] == val }
}
func rowEq(name, val string) func(ctx) bool {
	return func(c ctx) bool { return c.row[name] == val }
}
func rowAge(c ctx) int {
	f, ok := numOf(c.row["b_age"])
	if !ok {
		return -1
	}
	return int(f)
}
func migrantAdult(c ctx) bool {
	return rowAge(c) >= 15 && (c.row["c_abroad"] == "yes" || (c.row["c_cob"] != nil && c.row["c_cob"] != "NPL"))
}
func employed(c ctx) bool { return c.row["g_work7"] == "yes" || c.row["g_absent"] == "yes" }
func inRange(lo, hi float64) func(any, ctx) string {
	return func(v any, _ ctx) string {
		f, _ := numOf(v)
		if f < lo || f > hi {
			return fmt.Sprintf("%v not in %v..%v", v, lo, hi)
		}
		return ""
	}
}
func positive(v any, _ ctx) string {
	if f, _ := numOf(v); f <= 0 {
		return "not > 0"
	}
	return ""
}
func nonNegative(v any, _ ctx) string {
	if f, _ := numOf(v); f < 0 {
		return "negative"
	}
	return ""
}
func notNPL(v any, _ ctx) string {
	if v == "NPL" {
		return "NPL not allowed"
	}
	return ""
}
func exclusive(none string) func(any, ctx) string {
	return func(v any, _ ctx) string {
		arr, _ := v.([]any)
		if len(arr) > 1 && slices.Contains(arr, any(none)) {
			return none + " with another choice"
		}
		return ""
	}
}
func textLen(lo, hi int) func(any, ctx) string {
	return func(v any, _ ctx) string {
		n := len([]rune(v.(string)))
		if n < lo || n > hi {
			return fmt.Sprintf("length %d not in %d..%d", n, lo, hi)
		}
		return ""
	}
}
func hasAdult(c ctx) bool {
	rows, _ := c.hh["members"].([]any)
	for _, r := range rows {
		m, _ := r.(map[string]any)
		if a, ok := numOf(m["b_age"]); ok && a >= 18 {
			return true
		}
	}
	return false
}

var householdFields = []field{
	{name: "a_psu", kind: "int", required: true, check: inRange(1, 99999)},
	{name: "a_dwelling", kind: "int", required: true, check: inRange(1, 9999)},
	{name: "a_stratum", kind: "one:stratum", required: true, check: func(v any, c ctx) string {
		if v != fmt.Sprint(c.hh["a_region"], c.hh["a_urban"]) {
			return "disagrees with region/urban"
		}
		return ""
	}},
	{name: "a_region", kind: "one:region", required: true},
	{name: "a_urban", kind: "one:urban", required: true},
	{name: "a_weight", kind: "dec", required: true, check: positive},
	{name: "a_gps", kind: "geo"},
	{name: "a_date", kind: "date", required: true},
	{name: "a_consent", kind: "one:yn", required: true},
	{name: "a_head_name", kind: "text", required: true, rel: eq("a_consent", "yes"), check: textLen(2, 80)},
	{name: "a_hh_size", kind: "int", required: true, rel: eq("a_consent", "yes"), check: inRange(1, 40)},
	{name: "members", kind: "repeat", rel: eq("a_consent", "yes")},
	{name: "d_any", kind: "one:yn", required: true, rel: eq("a_consent", "yes")},
	{name: "d_n", kind: "int", required: true, rel: eq("d_any", "yes"), check: inRange(1, 20)},
	{name: "emigrants", kind: "repeat", rel: eq("d_any", "yes")},
	{name: "e_any", kind: "one:yn", required: true, rel: eq("a_consent", "yes")},
	{name: "e_amt12", kind: "dec", required: true, rel: eq("e_any", "yes"), check: nonNegative},
	{name: "e_channel", kind: "multi:channel", required: true, rel: eq("e_any", "yes")},
	{name: "e_acct", kind: "one:yn", required: true, rel: func(c ctx) bool {
		ch, _ := c.hh["e_channel"].([]any)
		return c.hh["e_any"] == "yes" && (slices.Contains(ch, any("bank")) || slices.Contains(ch, any("mobile")))
	}},
	{name: "e_last_amt", kind: "dec", rel: eq("e_any", "yes"), check: positive},
	{name: "e_last_fee", kind: "dec", rel: eq("e_any", "yes"), check: func(v any, c ctx) string {
		fee, _ := numOf(v)
		if fee < 0 {
			return "negative"
		}
		if amt, ok := numOf(c.hh["e_last_amt"]); ok && fee > amt {
			return "fee > amount"
		}
		return ""
	}},
	{name: "l_resp", kind: "int", required: true, rel: func(c ctx) bool { return c.hh["a_consent"] == "yes" && hasAdult(c) },
		check: func(v any, c ctx) string {
			line, _ := numOf(v)
			rows, _ := c.hh["members"].([]any)
			for _, r := range rows {
				m, _ := r.(map[string]any)
				b, _ := numOf(m["b_line"])
				a, _ := numOf(m["b_age"])
				if b == line && a >= 18 {
					return ""
				}
			}
			return "not the line of a member aged 18+"
		}},
	{name: "l_12m", kind: "multi:ground", required: true, rel: func(c ctx) bool { return c.hh["l_resp"] != nil }, check: exclusive("none")},
}

var memberFields = []field{
	{name: "b_line", kind: "calc"},
	{name: "b_name", kind: "text", required: true, check: textLen(1, 60)},
	{name: "b_rel", kind: "one:rel", required: true},
	{name: "b_sex", kind: "one:sex", required: true},
	{name: "b_age", kind: "int", required: true, check: inRange(0, 120)},
	{name: "c_cob", kind: "one:country", required: true},
	{name: "c_cit", kind: "one:cit", required: true},
	{name: "c_arr_year", kind: "int", required: true, rel: func(c ctx) bool { return c.row["c_cob"] != "NPL" },
		check: func(v any, c ctx) string { return yearBetween(v, c.year-rowAge(c), c.year) }},
	{name: "c_abroad", kind: "one:yn", required: true, rel: func(c ctx) bool { return c.row["c_cob"] == "NPL" && rowAge(c) >= 15 }},
	{name: "c_ret_year", kind: "int", required: true, rel: rowEq("c_abroad", "yes"),
		check: func(v any, c ctx) string { return yearBetween(v, c.year-rowAge(c)+15, c.year) }},
	{name: "c_ret_from", kind: "one:country", required: true, rel: rowEq("c_abroad", "yes"), check: notNPL},
	{name: "mig_status", kind: "calc"},
	{name: "f_first", kind: "one:yn", required: true, rel: migrantAdult},
	{name: "f_dest", kind: "one:country", required: true, rel: rowEq("f_first", "yes")},
	{name: "f_paid_any", kind: "one:yn", required: true, rel: rowEq("f_first", "yes")},
	{name: "f_items", kind: "multi:fees", required: true, rel: rowEq("f_paid_any", "yes")},
	{name: "f_cost", kind: "dec", required: true, rel: rowEq("f_paid_any", "yes"), check: positive},
	{name: "f_borrowed", kind: "one:yn", required: true, rel: rowEq("f_paid_any", "yes")},
	{name: "f_earn1", kind: "dec", required: true, rel: rowEq("f_first", "yes"), check: positive},
	{name: "f_docs", kind: "one:ynr", required: true, rel: migrantAdult},
	{name: "f_wage_wh", kind: "one:ynr", required: true, rel: migrantAdult},
	{name: "f_debt_stay", kind: "one:ynr", required: true, rel: migrantAdult},
	{name: "f_deceived", kind: "one:ynr", required: true, rel: migrantAdult},
	{name: "g_work7", kind: "one:yn", required: true, rel: func(c ctx) bool { return rowAge(c) >= 15 }},
	{name: "g_absent", kind: "one:yn", required: true, rel: rowEq("g_work7", "no")},
	{name: "g_status", kind: "one:empstat", required: true, rel: employed},
	{name: "g_ss", kind: "one:ynd", required: true, rel: rowEq("g_status", "1")},
	{name: "g_leave", kind: "one:ynd", required: true, rel: rowEq("g_status", "1")},
	{name: "g_contract", kind: "one:contract", required: true, rel: rowEq("g_status", "1")},
	{name: "g_union", kind: "one:yn", required: true, rel: rowEq("g_status", "1")},
	{name: "g_reg", kind: "one:ynd", required: true, rel: func(c ctx) bool { return c.row["g_status"] == "2" || c.row["g_status"] == "3" }},
	{name: "g_seek4", kind: "one:yn", required: true, rel: func(c ctx) bool { return rowAge(c) >= 15 && !employed(c) }},
	{name: "g_avail", kind: "one:yn", required: true, rel: func(c ctx) bool { return rowAge(c) >= 15 && !employed(c) }},
	{name: "g_injury", kind: "one:yn", required: true, rel: employed},
	{name: "h_benefit", kind: "multi:benefit", required: true, check: exclusive("none")},
	{name: "h_contrib", kind: "one:ynd", required: true, rel: func(c ctx) bool { return rowAge(c) >= 15 }},
	{name: "h_ss_abroad", kind: "one:yn", required: true, rel: rowEq("c_abroad", "yes")},
	{name: "h_port", kind: "one:port", required: true, rel: rowEq("h_ss_abroad", "yes")},
	{name: "i_ever", kind: "one:yn", required: true, rel: func(c ctx) bool { return rowAge(c) >= 3 && rowAge(c) <= 24 }},
	{name: "i_attend", kind: "one:yn", required: true, rel: rowEq("i_ever", "yes")},
	{name: "i_level", kind: "one:level", required: true, rel: rowEq("i_attend", "yes")},
	{name: "j_ins", kind: "one:ynd", required: true},
	{name: "k_acct", kind: "one:yn", required: true, rel: func(c ctx) bool { return rowAge(c) >= 15 }},
	{name: "k_mm", kind: "one:yn", required: true, rel: func(c ctx) bool { return rowAge(c) >= 15 }},
	{name: "m_qual", kind: "one:yn", required: true, rel: migrantAdult},
	{name: "m_recog", kind: "one:recog", required: true, rel: rowEq("m_qual", "yes")},
}

var emigrantFields = []field{
	{name: "d_sex", kind: "one:sex", required: true},
	{name: "d_age", kind: "int", required: true, check: inRange(0, 120)},
	{name: "d_country", kind: "one:country", required: true, check: notNPL},
	{name: "d_year_left", kind: "int", required: true, check: func(v any, c ctx) string { return yearBetween(v, c.year-4, c.year) }},
	{name: "d_reason", kind: "one:reason", required: true},
}

func init() {
	for _, n := range []string{"n_see", "n_hear", "n_walk", "n_cog", "n_self", "n_comm"} {
		memberFields = append(memberFields, field{name: n, kind: "one:wg", required: true, rel: func(c ctx) bool { return rowAge(c) >= 5 }})
	}
}

func yearBetween(v any, lo, hi int) string {
	y, _ := numOf(v)
	if int(y) < lo || int(y) > hi {
		return fmt.Sprintf("year %v not in %d..%d", v, lo, hi)
	}
	return ""
}

// numOf reads a JSON number in any of the forms a decoder produces.
func numOf(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// checkData returns every problem of an answers object ("path: what").
func checkData(data map[string]any, today time.Time) []string {
	var out []string
	year := 0
	if s, ok := data["a_date"].(string); ok && len(s) >= 4 {
		year, _ = strconv.Atoi(s[:4])
	}
	c := ctx{hh: data, year: year}
	out = append(out, checkFields("", householdFields, data, c)...)
	known := map[string]bool{}
	for _, f := range householdFields {
		known[f.name] = true
	}
	for k := range data {
		if !known[k] {
			out = append(out, k+": unknown field")
		}
	}
	if s, ok := data["a_date"].(string); ok {
		if d, err := time.Parse("2006-01-02", s); err != nil || !dateRE.MatchString(s) {
			out = append(out, "a_date: not a date")
		} else if d.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
			out = append(out, "a_date: after today")
		}
	}
	if data["a_consent"] == "yes" {
		rows, _ := data["members"].([]any)
		n, _ := numOf(data["a_hh_size"])
		if int(n) != len(rows) {
			out = append(out, fmt.Sprintf("members: %d rows, a_hh_size %v", len(rows), data["a_hh_size"]))
		}
		heads := 0
		for i, r := range rows {
			m, ok := r.(map[string]any)
			if !ok {
				out = append(out, fmt.Sprintf("members[%d]: not an object", i))
				continue
			}
			if m["b_rel"] == "1" {
				heads++
			}
			rc := ctx{hh: data, row: m, year: year}
			out = append(out, checkFields(fmt.Sprintf("members[%d].", i), memberFields, m, rc)...)
			out = append(out, checkUnknown(fmt.Sprintf("members[%d].", i), memberFields, m)...)
			if b, _ := numOf(m["b_line"]); int(b) != i+1 {
				out = append(out, fmt.Sprintf("members[%d].b_line: %v, want %d", i, m["b_line"], i+1))
			}
			cob, _ := m["c_cob"].(string)
			cit, _ := m["c_cit"].(string)
			if m["mig_status"] != migStatus(cob, cit, m["c_abroad"] == "yes") {
				out = append(out, fmt.Sprintf("members[%d].mig_status: %v", i, m["mig_status"]))
			}
		}
		if heads != 1 {
			out = append(out, fmt.Sprintf(": %d heads", heads))
		}
	}
	if data["d_any"] == "yes" {
		rows, _ := data["emigrants"].([]any)
		n, _ := numOf(data["d_n"])
		if int(n) != len(rows) {
			out = append(out, fmt.Sprintf("emigrants: %d rows, d_n %v", len(rows), data["d_n"]))
		}
		for i, r := range rows {
			m, _ := r.(map[string]any)
			rc := ctx{hh: data, row: m, year: year}
			out = append(out, checkFields(fmt.Sprintf("emigrants[%d].", i), emigrantFields, m, rc)...)
			out = append(out, checkUnknown(fmt.Sprintf("emigrants[%d].", i), emigrantFields, m)...)
		}
	}
	return out
}

func checkUnknown(prefix string, fs []field, m map[string]any) []string {
	var out []string
	for k := range m {
		if !slices.ContainsFunc(fs, func(f field) bool { return f.name == k }) {
			out = append(out, prefix+k+": unknown field")
		}
	}
	return out
}

func checkFields(prefix string, fs []field, m map[string]any, c ctx) []string {
	var out []string
	for _, f := range fs {
		rel := f.rel == nil || f.rel(c)
		v, present := m[f.name]
		present = present && v != nil
		path := prefix + f.name
		switch {
		case present && !rel:
			out = append(out, path+": answered but not relevant")
			continue
		case !present && rel && f.required:
			out = append(out, path+": required")
			continue
		case !present:
			continue
		}
		if bad := checkType(f.kind, v); bad != "" {
			out = append(out, path+": "+bad)
			continue
		}
		if f.check != nil {
			if bad := f.check(v, c); bad != "" {
				out = append(out, path+": "+bad)
			}
		}
	}
	return out
}

func checkType(kind string, v any) string {
	switch {
	case kind == "int":
		f, ok := numOf(v)
		if !ok || f != math.Trunc(f) {
			return fmt.Sprintf("%v is not an integer", v)
		}
	case kind == "dec":
		if _, ok := numOf(v); !ok {
			return fmt.Sprintf("%v is not a number", v)
		}
	case kind == "text", kind == "date":
		if _, ok := v.(string); !ok {
			return "not a string"
		}
	case kind == "geo":
		g, ok := v.(map[string]any)
		if !ok {
			return "not a geopoint"
		}
		lat, ok1 := numOf(g["lat"])
		lon, ok2 := numOf(g["lon"])
		acc, ok3 := numOf(g["accuracy"])
		if !ok1 || !ok2 || !ok3 || lat < -90 || lat > 90 || lon < -180 || lon > 180 || acc < 0 {
			return "bad geopoint"
		}
	case kind == "repeat":
		if _, ok := v.([]any); !ok {
			return "not an array"
		}
	case len(kind) > 4 && kind[:4] == "one:":
		s, ok := v.(string)
		if !ok || !slices.Contains(lists[kind[4:]], s) {
			return fmt.Sprintf("%v is not a choice of %s", v, kind[4:])
		}
	case len(kind) > 6 && kind[:6] == "multi:":
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return "not a non-empty array"
		}
		seen := map[any]bool{}
		for _, e := range arr {
			s, ok := e.(string)
			if !ok || !slices.Contains(lists[kind[6:]], s) || seen[e] {
				return fmt.Sprintf("%v is not a choice of %s", e, kind[6:])
			}
			seen[e] = true
		}
	}
	return ""
}
