package synth

import (
	"fmt"
	"time"
)

// A corruption breaks one hard rule of a valid household, in place, and
// names what it broke and where (the validator's path). ok = false when it
// does not apply to this household (no such member or answer).
type corruption func(r *rng, h *house, today time.Time) (what, path string, ok bool)

// corruptions are the deliberate errors, each one rule of questionnaire.md.
var corruptions = []corruption{
	ageOutOfRange, missingRequired, notRelevantAnswer, unknownChoice, twoHeads,
	sizeMismatch, feeOverAmount, noneWithGround, respondentUnder18, returnedFromNepal,
	emigrantLeftLongAgo, zeroCost, futureDate, stratumMismatch, wrongType, missingConsent,
	headNameForRefusal,
}

// corrupt applies one corruption chosen uniformly among those that apply to
// the household (a random order, first that applies). futureDate always
// applies, so it never fails.
func corrupt(r *rng, h *house, today time.Time) (what, path string) {
	order := make([]int, len(corruptions))
	for i := range order {
		j := r.intn(i + 1)
		order[i], order[j] = order[j], i
	}
	for _, i := range order {
		if what, path, ok := corruptions[i](r, h, today); ok {
			return what, path
		}
	}
	what, path, _ = futureDate(r, h, today)
	return what, path
}

// members returns the roster rows (nil without consent).
func members(h *house) []map[string]any {
	rows, _ := h.data["members"].([]any)
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		if m, ok := r.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// pickMember is a random member satisfying keep, with its index.
func pickMember(r *rng, h *house, keep func(m map[string]any) bool) (map[string]any, int, bool) {
	var idx []int
	ms := members(h)
	for i, m := range ms {
		if keep(m) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil, 0, false
	}
	i := idx[r.intn(len(idx))]
	return ms[i], i, true
}

func age(m map[string]any) int { a, _ := m["b_age"].(int); return a }

func memberPath(i int, name string) string { return fmt.Sprintf("members[%d].%s", i, name) }

func ageOutOfRange(r *rng, h *house, _ time.Time) (string, string, bool) {
	// An adult of 25+, so that no skip depending on age changes: the only
	// problem is the range.
	m, i, ok := pickMember(r, h, func(m map[string]any) bool { return age(m) >= 25 })
	if !ok {
		return "", "", false
	}
	m["b_age"] = 130
	return "age 130", memberPath(i, "b_age"), true
}

func missingRequired(r *rng, h *house, _ time.Time) (string, string, bool) {
	// Answers nothing else depends on.
	q := []string{"b_sex", "b_name", "j_ins", "h_benefit"}[r.intn(4)]
	m, i, ok := pickMember(r, h, func(map[string]any) bool { return true })
	if !ok {
		return "", "", false
	}
	delete(m, q)
	return "missing " + q, memberPath(i, q), true
}

func notRelevantAnswer(r *rng, h *house, _ time.Time) (string, string, bool) {
	switch r.intn(3) {
	case 0: // schooling asked of someone aged 25+
		m, i, ok := pickMember(r, h, func(m map[string]any) bool { return age(m) >= 25 })
		if ok {
			m["i_ever"] = "yes"
			return "i_ever not relevant (age 25+)", memberPath(i, "i_ever"), true
		}
	case 1: // "absent from work" asked of someone who worked
		m, i, ok := pickMember(r, h, func(m map[string]any) bool { return m["g_work7"] == "yes" })
		if ok {
			m["g_absent"] = "no"
			return "g_absent not relevant (worked)", memberPath(i, "g_absent"), true
		}
	}
	// year of arrival for someone born in Nepal
	m, i, ok := pickMember(r, h, func(m map[string]any) bool { return m["c_cob"] == "NPL" })
	if !ok {
		return "", "", false
	}
	m["c_arr_year"] = h.date.Year() - 1
	return "c_arr_year not relevant (born in NPL)", memberPath(i, "c_arr_year"), true
}

func unknownChoice(r *rng, h *house, _ time.Time) (string, string, bool) {
	m, i, ok := pickMember(r, h, func(map[string]any) bool { return true })
	if !ok {
		return "", "", false
	}
	switch r.intn(3) {
	case 0:
		m["j_ins"] = "maybe"
		return "unknown choice j_ins", memberPath(i, "j_ins"), true
	case 1:
		m["h_benefit"] = []any{"pension"}
		return "unknown choice h_benefit", memberPath(i, "h_benefit"), true
	}
	if m["b_rel"] == "1" {
		return "", "", false // the head: a bad code would also mean no head
	}
	m["b_rel"] = "9"
	return "unknown choice b_rel", memberPath(i, "b_rel"), true
}

func twoHeads(r *rng, h *house, _ time.Time) (string, string, bool) {
	m, _, ok := pickMember(r, h, func(m map[string]any) bool { return m["b_rel"] != "1" })
	if !ok {
		return "", "", false
	}
	m["b_rel"] = "1"
	return "two heads", "", true
}

func sizeMismatch(r *rng, h *house, _ time.Time) (string, string, bool) {
	n, ok := h.data["a_hh_size"].(int)
	if !ok {
		return "", "", false
	}
	h.data["a_hh_size"] = n + 1
	// The repeat_count rule or the form check may report it; the path of
	// the repeat is the likelier one but either is right.
	return "a_hh_size != roster count", "", true
}

func feeOverAmount(r *rng, h *house, _ time.Time) (string, string, bool) {
	amt, ok1 := h.data["e_last_amt"].(float64)
	_, ok2 := h.data["e_last_fee"]
	if !ok1 || !ok2 {
		return "", "", false
	}
	h.data["e_last_fee"] = amt + 500
	return "e_last_fee > e_last_amt", "e_last_fee", true
}

func noneWithGround(r *rng, h *house, _ time.Time) (string, string, bool) {
	if _, ok := h.data["l_12m"]; !ok {
		return "", "", false
	}
	h.data["l_12m"] = []any{"migration", "none"}
	return "l_12m none with a ground", "l_12m", true
}

func respondentUnder18(r *rng, h *house, _ time.Time) (string, string, bool) {
	if _, ok := h.data["l_resp"]; !ok {
		return "", "", false
	}
	m, _, ok := pickMember(r, h, func(m map[string]any) bool { return age(m) < 18 })
	if !ok {
		return "", "", false
	}
	h.data["l_resp"] = m["b_line"]
	return "l_resp under 18", "l_resp", true
}

func returnedFromNepal(r *rng, h *house, _ time.Time) (string, string, bool) {
	m, i, ok := pickMember(r, h, func(m map[string]any) bool { return m["c_abroad"] == "yes" })
	if !ok {
		return "", "", false
	}
	m["c_ret_from"] = "NPL"
	return "c_ret_from NPL", memberPath(i, "c_ret_from"), true
}

func emigrantLeftLongAgo(r *rng, h *house, _ time.Time) (string, string, bool) {
	rows, _ := h.data["emigrants"].([]any)
	if len(rows) == 0 {
		return "", "", false
	}
	i := r.intn(len(rows))
	rows[i].(map[string]any)["d_year_left"] = h.date.Year() - 9
	return "d_year_left 9 years ago", fmt.Sprintf("emigrants[%d].d_year_left", i), true
}

func zeroCost(r *rng, h *house, _ time.Time) (string, string, bool) {
	m, i, ok := pickMember(r, h, func(m map[string]any) bool { _, ok := m["f_cost"]; return ok })
	if !ok {
		return "", "", false
	}
	m["f_cost"] = 0.0
	return "f_cost 0", memberPath(i, "f_cost"), true
}

func futureDate(r *rng, h *house, today time.Time) (string, string, bool) {
	h.data["a_date"] = today.AddDate(0, 0, r.between(2, 30)).Format("2006-01-02")
	return "a_date after today", "a_date", true
}

func stratumMismatch(r *rng, h *house, _ time.Time) (string, string, bool) {
	if h.data["a_urban"] == "U" {
		h.data["a_urban"] = "R"
	} else {
		h.data["a_urban"] = "U"
	}
	// The constraint sits on a_stratum ("must agree with a_region and a_urban").
	return "a_stratum disagrees with a_urban", "a_stratum", true
}

func wrongType(r *rng, h *house, _ time.Time) (string, string, bool) {
	m, i, ok := pickMember(r, h, func(m map[string]any) bool { return true })
	if !ok {
		h.data["a_psu"] = fmt.Sprint(h.data["a_psu"], "a")
		return "a_psu not an integer", "a_psu", true
	}
	m["b_age"] = "thirty"
	return "b_age not an integer", memberPath(i, "b_age"), true
}

func missingConsent(r *rng, h *house, _ time.Time) (string, string, bool) {
	delete(h.data, "a_consent")
	return "missing a_consent", "a_consent", true
}

func headNameForRefusal(r *rng, h *house, _ time.Time) (string, string, bool) {
	if h.data["a_consent"] != "no" {
		return "", "", false
	}
	h.data["a_head_name"] = "Ram Thapa"
	return "a_head_name not relevant (no consent)", "a_head_name", true
}
