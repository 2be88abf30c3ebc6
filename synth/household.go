package synth

import (
	"math"
	"time"
)

// house is one interview before it becomes an Item.
type house struct {
	id                 string
	started, completed time.Time
	date               time.Time // a_date
	data               map[string]any
}

// household builds the valid interview of the k-th selected dwelling of PSU
// p. It depends only on (seed, PSU number, k), so it can be rebuilt at will.
func (f *Frame) household(seed int64, p *PSU, k int) *house {
	r := newRNG(seed, tagHousehold, uint64(p.Number), uint64(k))
	h := &house{id: r.uuid4()}

	// A visit takes a few days: about seven interviews a day.
	h.date = f.Date(p.Day + k/7)
	h.started = time.Date(h.date.Year(), h.date.Month(), h.date.Day(), r.between(7, 17), r.intn(60), r.intn(60), 0, nepal)
	h.completed = h.started.Add(time.Duration(r.between(20*60, 60*60)) * time.Second)

	d := map[string]any{
		"a_psu": p.Number, "a_dwelling": p.Dwelling(k),
		"a_stratum": p.Stratum, "a_region": p.Region, "a_urban": p.Urban,
		"a_weight": p.Weight,
		"a_date":   h.date.Format("2006-01-02"),
	}
	h.data = d
	if !r.chance(0.03) { // sometimes no GPS fix
		d["a_gps"] = r.gps(p, k)
	}
	consent := r.chance(0.96)
	d["a_consent"] = yn(consent)
	if !consent {
		return h // nothing else is relevant
	}

	y := h.date.Year()
	people := r.roster()
	// Households differ in how much they migrate (networks, land, caste):
	// the same factor drives returnees, emigrants and remittances.
	migr := []float64{0.4, 1, 1, 2.2}[r.intn(4)]
	members := make([]any, len(people))
	returnee := false
	for i, pp := range people {
		m := r.member(pp, i+1, y, migr)
		returnee = returnee || m["c_abroad"] == "yes"
		members[i] = m
	}
	d["a_head_name"] = people[0].name
	d["a_hh_size"] = len(people)
	d["members"] = members

	emig := r.chance(math.Min(0.9, 0.28*migr))
	d["d_any"] = yn(emig)
	if emig {
		n := []int{1, 1, 1, 1, 1, 1, 2, 2, 2, 3}[r.intn(10)]
		rows := make([]any, n)
		for i := range rows {
			rows[i] = r.emigrant(y)
		}
		d["d_n"] = n
		d["emigrants"] = rows
	}
	pRem := 0.08
	switch {
	case emig:
		pRem = 0.75
	case returnee:
		pRem = 0.2
	}
	if r.chance(pRem) {
		r.remittances(d, emig)
	} else {
		d["e_any"] = "no"
	}
	r.discrimination(d, people)
	return h
}

// gps places dwelling k of PSU p on a sunflower spiral around the PSU centre
// (neighbours about p.Spacing metres apart, so distinct dwellings are rarely
// within 30 m), then adds a GPS error of about the reported accuracy.
func (r *rng) gps(p *PSU, k int) map[string]any {
	const golden = 2.399963229728653 // radians
	c := p.Spacing / math.Sqrt(math.Pi)
	rad := c * math.Sqrt(float64(k)+0.5)
	// Each dwelling's true place is fixed by (PSU, k); the jitter comes from
	// a stream of its own so that a re-interview finds the same dwelling.
	place := newRNG(int64(p.Number), tagPlace, uint64(k), 0)
	x := rad*math.Cos(golden*float64(k)) + place.uniform(-6, 6)
	y := rad*math.Sin(golden*float64(k)) + place.uniform(-6, 6)
	acc := round(clamp(3+math.Abs(6*r.norm()), 3, 30), 1)
	x += acc / 2 * r.norm()
	y += acc / 2 * r.norm()
	return map[string]any{
		"lat":      round(p.Lat+y/metresPerDegree, 6),
		"lon":      round(p.Lon+x/(metresPerDegree*math.Cos(p.Lat*math.Pi/180)), 6),
		"accuracy": acc,
	}
}

const metresPerDegree = 111_195.0

// emigrant is one row of the emigrants repeat: a former member now abroad
// who left within the last five years (year − 4 … year, inside any reading
// of "the last 5 years").
func (r *rng) emigrant(y int) map[string]any {
	male := r.chance(0.82)
	age := r.between(18, 45)
	reason := r.pick(weighted{{"work", 85}, {"study", 6}, {"family", 6}, {"protection", 0.5}, {"other", 2.5}})
	country := r.pick(destinations)
	if r.chance(0.04) { // a child who went with a parent
		age, reason = r.between(2, 17), "family"
	}
	if reason == "study" {
		country = r.pick(weighted{{"AUS", 35}, {"JPN", 20}, {"USA", 15}, {"GBR", 10}, {"KOR", 10}, {"IND", 10}})
	}
	return map[string]any{
		"d_sex": sexOf(male), "d_age": age, "d_country": country,
		"d_year_left": y - r.between(0, 4), "d_reason": reason,
	}
}

// remittances fills e_* for a household that received money.
func (r *rng) remittances(d map[string]any, emig bool) {
	d["e_any"] = "yes"
	amt := math.Exp(math.Log(250_000) + 0.6*r.norm())
	if !emig {
		amt = math.Exp(math.Log(60_000) + 0.7*r.norm())
	}
	if r.chance(0.002) {
		amt = r.uniform(10_000_001, 15_000_000) // very large: a warning only
	}
	amt = math.Max(1000, round(amt, -2))
	d["e_amt12"] = amt
	channels := r.subset([]choice{
		{"bank", 0.35}, {"mto", 0.4}, {"mobile", 0.15}, {"post", 0.01},
		{"carried", 0.08}, {"informal", 0.1}, {"other", 0.02},
	})
	d["e_channel"] = channels
	for _, c := range channels {
		if c == "bank" || c == "mobile" {
			d["e_acct"] = yn(r.chance(0.85))
			break
		}
	}
	if r.chance(0.92) {
		last := math.Max(1000, round(amt/float64(r.between(2, 8)), -2))
		d["e_last_amt"] = last
		if r.chance(0.85) {
			d["e_last_fee"] = math.Min(last, math.Round(last*r.uniform(0, 0.06)))
		}
	}
}

// discrimination picks the respondent (a random member aged 18+) and their
// answer; without an adult neither question is asked.
func (r *rng) discrimination(d map[string]any, people []person) {
	var adults []int
	for i, p := range people {
		if p.age >= 18 {
			adults = append(adults, i+1)
		}
	}
	if len(adults) == 0 {
		return
	}
	resp := adults[r.intn(len(adults))]
	d["l_resp"] = resp
	if r.chance(0.82) {
		d["l_12m"] = []any{"none"}
		return
	}
	p := people[resp-1]
	pMig := 0.1
	if p.foreign {
		pMig = 0.5
	}
	d["l_12m"] = r.subset([]choice{
		{"sex", pIf(p.sex == "2", 0.35) + 0.05}, {"age", 0.15}, {"disability", 0.05}, {"ethnicity", 0.3},
		{"migration", pMig}, {"economic", 0.25}, {"residence", 0.05}, {"religion", 0.05}, {"other", 0.05},
	})
}
