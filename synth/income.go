package synth

import (
	"hash/fnv"
	"math"
)

// tagIncome keeps the income stream apart from the others (the v1 answers of a household do
// not change when it is made a v2 one).
const tagIncome uint64 = 101

// V2 makes a generated mhs v1 envelope an mhs version 2 one (questionnaire.md, "Version 2"):
// version 2, each employed member's earnings g_earn and the household income items n_*, drawn
// from the seed and the household's id, so the same household always gets the same income.
// Every v1 answer is kept as it is. An envelope without consent only changes version.
func V2(env map[string]any, seed int64) {
	env["version"] = 2
	d, _ := env["data"].(map[string]any)
	if d == nil || d["a_consent"] != "yes" {
		return
	}
	id, _ := env["id"].(string)
	h := fnv.New64a()
	h.Write([]byte(id))
	r := newRNG(seed, tagIncome, h.Sum64(), 0)
	amount := func(median, spread float64) float64 {
		return math.Max(0, round(math.Exp(math.Log(median)+spread*r.norm()), -2))
	}
	rows, _ := d["members"].([]any)
	if typed, ok := d["members"].([]map[string]any); ok {
		for _, m := range typed {
			rows = append(rows, m)
		}
	}
	for _, row := range rows {
		m, _ := row.(map[string]any)
		if m == nil || (m["g_work7"] != "yes" && m["g_absent"] != "yes") {
			continue
		}
		switch {
		case m["g_status"] == "4" || r.chance(0.05): // contributing family workers: no pay of their own
			m["g_earn"] = 0.0
		case m["g_status"] == "2":
			m["g_earn"] = amount(30_000, 0.8)
		default:
			m["g_earn"] = amount(14_000, 0.7)
		}
	}
	rural := d["a_urban"] == "R"
	d["n_business"], d["n_farm"], d["n_transfers"], d["n_other"] = 0.0, 0.0, 0.0, 0.0
	if r.chance(0.25) {
		d["n_business"] = amount(12_000, 0.9)
	}
	farm := 0.1
	if rural {
		farm = 0.65
	}
	if r.chance(farm) {
		d["n_farm"] = amount(6_000, 0.8)
	}
	if r.chance(0.2) {
		d["n_transfers"] = amount(3_000, 0.5)
	}
	if r.chance(0.1) {
		d["n_other"] = amount(4_000, 0.9)
	}
}
