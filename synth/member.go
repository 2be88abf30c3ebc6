package synth

import "math"

// member fills in one roster row for person p at 1-based line, interviewed in
// year y. Only questions relevant to this person are set (questionnaire.md,
// members table); migr scales the household's propensity to migrate.
func (r *rng) member(p person, line, y int, migr float64) map[string]any {
	age := p.age
	m := map[string]any{"b_line": line, "b_name": p.name, "b_rel": p.rel, "b_sex": p.sex, "b_age": age}

	// Birth and citizenship. Ranges are kept inside [interview year − age,
	// interview year] so that either reading of "birth year" (year − age or
	// year − age − 1) accepts them.
	cob, cit := "NPL", "1"
	if p.foreign {
		cob = r.pick(birthCountries)
		cit = r.pick(weighted{{"1", 55}, {"2", 42}, {"3", 3}})
		// Most came as adults (marriage, work); children came with them.
		arrAge := r.between(0, age)
		if age >= 20 && r.chance(0.7) {
			arrAge = r.between(min(18, age), age)
		}
		m["c_arr_year"] = y - age + arrAge
	}
	m["c_cob"], m["c_cit"] = cob, cit

	abroad := false
	if cob == "NPL" && age >= 15 {
		p0 := 0.03
		switch {
		case p.sex == "1" && age >= 20 && age <= 60:
			p0 = 0.22
		case p.sex == "2" && age >= 20 && age <= 50:
			p0 = 0.06
		}
		abroad = r.chance(math.Min(0.9, p0*migr))
		m["c_abroad"] = yn(abroad)
		if abroad {
			// Returned within the last 12 years, never before turning 15.
			m["c_ret_year"] = y - r.between(0, min(12, age-15))
			m["c_ret_from"] = r.pick(destinations)
		}
	}
	m["mig_status"] = migStatus(cob, cit, abroad)

	migrant := age >= 15 && (abroad || cob != "NPL")
	if migrant {
		r.recruitment(m, abroad)
		for _, q := range []string{"f_docs", "f_wage_wh", "f_debt_stay", "f_deceived"} {
			m[q] = r.pick(weighted{{"yes", 8}, {"no", 87}, {"refused", 5}})
		}
	}

	employed := false
	if age >= 15 {
		employed = r.labour(m, p.sex, age)
	}

	disabled := r.washingtonGroup(m, age)
	m["h_benefit"] = r.benefits(p.sex, age, employed, disabled)
	if age >= 15 {
		pc := 0.06
		if m["g_ss"] == "yes" {
			pc = 0.8
		}
		m["h_contrib"] = r.pick(weighted{{"yes", pc}, {"no", 0.96 - pc}, {"dk", 0.04}})
	}
	if abroad {
		kept := r.chance(0.2)
		m["h_ss_abroad"] = yn(kept)
		if kept {
			m["h_port"] = r.pick(weighted{{"receiving", 15}, {"transferred", 15}, {"claimable", 30}, {"lost", 25}, {"dk", 15}})
		}
	}
	if age >= 3 && age <= 24 {
		r.education(m, age)
	}
	m["j_ins"] = r.pick(weighted{{"yes", 22}, {"no", 73}, {"dk", 5}})
	if age >= 15 {
		m["k_acct"] = yn(r.chance(0.55))
		m["k_mm"] = yn(r.chance(0.3))
	}
	if migrant {
		qual := r.chance(0.2)
		m["m_qual"] = yn(qual)
		if qual {
			m["m_recog"] = r.pick(weighted{{"recognised", 30}, {"pending", 15}, {"refused", 10}, {"not_applied", 45}})
		}
	}
	return m
}

// migStatus is the questionnaire's mig_status calculation.
func migStatus(cob, cit string, abroad bool) string {
	switch {
	case cob != "NPL" && cit == "1":
		return "FB_CIT"
	case cob != "NPL":
		return "FB_NCIT"
	case abroad:
		return "NB_RET"
	}
	return "NB_NM"
}

// recruitment fills f_first … f_earn1 for a migrant aged 15+.
func (r *rng) recruitment(m map[string]any, returned bool) {
	pFirst := 0.25
	if returned {
		pFirst = 0.75
	}
	first := r.chance(pFirst)
	m["f_first"] = yn(first)
	if !first {
		return
	}
	dest := r.pick(destinations)
	switch {
	case returned && r.chance(0.85):
		dest = m["c_ret_from"].(string)
	case !returned && r.chance(0.7):
		dest = "NPL" // born abroad, first job abroad was here
	}
	m["f_dest"] = dest
	earn := firstEarnings(r, dest)
	paid := r.chance(0.8)
	m["f_paid_any"] = yn(paid)
	if paid {
		m["f_items"] = r.subset([]choice{
			{"agency", 0.8}, {"visa", 0.6}, {"passport", 0.5}, {"medical", 0.6},
			{"training", 0.3}, {"travel", 0.5}, {"other", 0.1},
		})
		// Cost in months of first earnings: lognormal around 3 months; a few
		// very high (over 24 months draws a warning, not an error).
		months := clamp(math.Exp(math.Log(3)+0.7*r.norm()), 0.2, 20)
		if r.chance(0.02) {
			months = r.uniform(25, 40)
		}
		m["f_cost"] = math.Max(100, round(months*earn, -2))
		m["f_borrowed"] = yn(r.chance(0.55))
	}
	m["f_earn1"] = earn
}

// firstEarnings is a plausible net monthly wage, local currency (NPR).
func firstEarnings(r *rng, dest string) float64 {
	lo, hi := 30_000.0, 70_000.0
	switch dest {
	case "IND", "NPL":
		lo, hi = 12_000, 35_000
	case "MYS":
		lo, hi = 30_000, 60_000
	case "KOR", "JPN":
		lo, hi = 150_000, 250_000
	case "USA", "GBR", "AUS":
		lo, hi = 200_000, 400_000
	case "OTH":
		lo, hi = 40_000, 100_000
	}
	return round(r.uniform(lo, hi), -2)
}

// labour fills the g_* block for a person aged 15+ and says whether employed.
func (r *rng) labour(m map[string]any, sex string, age int) bool {
	pw := 0.25
	switch {
	case age < 25:
		pw = 0.35
	case age < 60 && sex == "1":
		pw = 0.8
	case age < 60:
		pw = 0.5
	case age < 65:
		pw = 0.45
	}
	employed := r.chance(pw)
	m["g_work7"] = yn(employed)
	if !employed {
		employed = r.chance(0.05) // has a job but was absent last week
		m["g_absent"] = yn(employed)
	}
	if !employed {
		pSeek := 0.02
		if age < 60 {
			pSeek = 0.12
		}
		seek := r.chance(pSeek)
		m["g_seek4"] = yn(seek)
		m["g_avail"] = yn((seek && r.chance(0.85)) || (!seek && r.chance(0.15)))
		return false
	}
	status := r.pick(weighted{{"1", 40}, {"2", 3}, {"3", 40}, {"4", 17}})
	m["g_status"] = status
	switch status {
	case "1":
		m["g_ss"] = r.pick(weighted{{"yes", 25}, {"no", 65}, {"dk", 10}})
		m["g_leave"] = r.pick(weighted{{"yes", 40}, {"no", 52}, {"dk", 8}})
		m["g_contract"] = r.pick(weighted{{"written", 30}, {"oral", 55}, {"none", 15}})
		m["g_union"] = yn(r.chance(0.1))
	case "2", "3":
		m["g_reg"] = r.pick(weighted{{"yes", 20}, {"no", 72}, {"dk", 8}})
	}
	m["g_injury"] = yn(r.chance(0.03))
	return true
}

// washingtonGroup fills n_* for persons aged 5+ and says whether any domain is
// coded 3 or 4 (a lot of difficulty or cannot do).
func (r *rng) washingtonGroup(m map[string]any, age int) bool {
	if age < 5 {
		return false
	}
	domains := []string{"n_see", "n_hear", "n_walk", "n_cog", "n_self", "n_comm"}
	pDis, pSome := 0.02, 0.04
	switch {
	case age >= 65:
		pDis, pSome = 0.2, 0.25
	case age >= 50:
		pDis, pSome = 0.07, 0.12
	}
	disabled := r.chance(pDis)
	hard := -1
	if disabled {
		hard = r.intn(len(domains))
	}
	for i, q := range domains {
		switch {
		case i == hard:
			m[q] = r.pick(weighted{{"3", 80}, {"4", 20}})
		case r.chance(pSome):
			m[q] = "2"
		default:
			m[q] = "1"
		}
	}
	return disabled
}

// benefits is h_benefit: the benefits received, or just "none".
func (r *rng) benefits(sex string, age int, employed, disabled bool) []any {
	var out []any
	add := func(code string, p float64) {
		if r.chance(p) {
			out = append(out, code)
		}
	}
	// In the order of the choice list, as a device would send them.
	add("old_age", pIf(age >= 68, 0.75))
	add("disability", pIf(disabled, 0.4))
	add("unemployment", pIf(age >= 15 && !employed, 0.01))
	add("child", pIf(age < 5, 0.15))
	add("maternity", pIf(sex == "2" && age >= 18 && age <= 45, 0.02))
	add("injury", pIf(employed, 0.005))
	add("assistance", 0.02)
	if len(out) == 0 {
		out = []any{"none"}
	}
	return out
}

func pIf(cond bool, p float64) float64 {
	if cond {
		return p
	}
	return 0
}

// education fills i_* for ages 3–24.
func (r *rng) education(m map[string]any, age int) {
	pEver, pAttend := 0.96, 0.92
	switch {
	case age <= 4:
		pEver, pAttend = 0.45, 0.85
	case age >= 18:
		pEver, pAttend = 0.92, 0.35
	}
	ever := r.chance(pEver)
	m["i_ever"] = yn(ever)
	if !ever {
		return
	}
	attend := r.chance(pAttend)
	m["i_attend"] = yn(attend)
	if !attend {
		return
	}
	level := "tertiary"
	switch {
	case age <= 5:
		level = "pre"
	case age <= 10:
		level = "primary"
	case age <= 13:
		level = "lower_sec"
	case age <= 18:
		level = "upper_sec"
	case r.chance(0.3):
		level = "upper_sec"
	}
	m["i_level"] = level
}

// subset draws each choice with its probability, keeping list order; never
// empty (falls back to the most likely choice).
func (r *rng) subset(cs []choice) []any {
	var out []any
	best := 0
	for i, c := range cs {
		if c.w > cs[best].w {
			best = i
		}
		if r.chance(c.w) {
			out = append(out, c.code)
		}
	}
	if len(out) == 0 {
		out = []any{cs[best].code}
	}
	return out
}

func yn(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
