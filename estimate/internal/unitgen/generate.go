package unitgen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Unit is one household or person row.
type Unit struct {
	Type    byte  // 'H' or 'P'
	Member  int8  // 0 for a household, 1.. for its persons
	HH      int32 // household number, 1..
	Stratum int32 // index into Data.Strata
	PSU     int32 // PSU number within the stratum, 1..
	Weight  float64
	// RespWeight is DIS1/DIS2's weight: household weight × members 18+.
	RespWeight float64
	Codes      [NumDims]uint8 // index into Codes[d]
}

// Column is one indicator's population: unit indices (increasing) with
// their y and x; X is nil when x = 1 for every unit.
type Column struct {
	Units []int32
	Y, X  []float64
}

// Data is a generated data set.
type Data struct {
	Strata  []string
	Units   []Unit
	Columns [numIndicators]Column
}

// W is unit u's weight for indicator ind.
func (d *Data) W(ind int, u int32) float64 {
	if ind == iDIS1 || ind == iDIS2 {
		return d.Units[u].RespWeight
	}
	return d.Units[u].Weight
}

// X is the x value of the i-th population unit of indicator ind.
func (c *Column) XAt(i int) float64 {
	if c.X == nil {
		return 1
	}
	return c.X[i]
}

// LonelyHouseholds is the size of the single PSU of the last stratum, which
// is also the only PSU of region R7: its cells have 0 degrees of freedom.
const LonelyHouseholds = 30

type psuInfo struct {
	stratum, number int32
	urban, region   uint8
	weight          float64
	households      int
}

// Generate returns about `households` households (at least 100) and their
// persons, the same for the same seed. Rigged for the reference test:
//   - the last stratum has a single PSU (R's lonely PSU, "adjust"), which
//     is all of region R7, so R7 cells have 0 degrees of freedom;
//   - PSU numbers restart at 1 in each stratum (nest = TRUE matters);
//   - EDU1 is 100% in urban PSUs and MIG3 is 0% for women (intervals
//     [p, p]);
//   - region R6 and the migrant indicators are small, so cells fall under
//     25 and in 25–49 units.
func Generate(households int, seed uint64) *Data {
	if households < 100 {
		households = 100
	}
	r := rand.New(rand.NewPCG(seed, 0x6669656c64626173))
	d := &Data{}
	psus := layout(r, households, d)
	g := gen{r: r, d: d}
	for _, p := range psus {
		for k := 0; k < p.households; k++ {
			g.household(p)
		}
	}
	return d
}

// layout draws PSUs of 12–28 households, spreads them over strata (at
// least two PSUs each) and adds the lonely stratum.
func layout(r *rand.Rand, households int, d *Data) []psuInfo {
	var sizes []int
	for left := households - LonelyHouseholds; left > 0; {
		n := min(12+r.IntN(17), left)
		if left-n < 12 {
			n = left
		}
		sizes = append(sizes, n)
		left -= n
	}
	nStrata := min(max(len(sizes)/4, 2), 60)
	for h := 0; h <= nStrata; h++ {
		d.Strata = append(d.Strata, fmt.Sprintf("ST%02d", h+1))
	}
	stratumWeight := make([]float64, nStrata)
	for h := range stratumWeight {
		stratumWeight[h] = 80 + 400*r.Float64()
	}
	count := make([]int32, nStrata)
	regionCum := []float64{0.3, 0.5, 0.7, 0.85, 0.96, 1} // R1..R6
	var psus []psuInfo
	for k, n := range sizes {
		h := k % nStrata
		if k >= 2*nStrata {
			h = r.IntN(nStrata)
		}
		count[h]++
		p := psuInfo{stratum: int32(h), number: count[h], households: n}
		if r.Float64() < 0.35 {
			p.urban = 0 // U
		} else {
			p.urban = 1 // R
		}
		u := r.Float64()
		for p.region = 0; u > regionCum[p.region]; p.region++ {
		}
		p.weight = stratumWeight[h] * (0.6 + 0.8*r.Float64())
		psus = append(psus, p)
	}
	psus = append(psus, psuInfo{stratum: int32(nStrata), number: 1, urban: 1, region: 6,
		weight: 150, households: LonelyHouseholds})
	return psus
}

type gen struct {
	r  *rand.Rand
	d  *Data
	hh int32
}

func (g *gen) bern(p float64) bool { return g.r.Float64() < p }

func (g *gen) add(ind int, u int32, y float64) {
	c := &g.d.Columns[ind]
	c.Units = append(c.Units, u)
	c.Y = append(c.Y, y)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

type person struct {
	age      int
	female   bool
	mig      uint8 // MIGRATORY_STATUS code
	disabled bool
}

func (g *gen) household(p psuInfo) {
	g.hh++
	d := g.d
	w := math.Round(p.weight*(0.9+0.2*g.r.Float64())*100) / 100
	hu := Unit{Type: 'H', HH: g.hh, Stratum: p.stratum, PSU: p.number, Weight: w}
	hu.Codes[dURB], hu.Codes[dREGION] = p.urban, p.region
	for _, dim := range []int{dSEX, dAGE, dMIG, dHHMIG, dDIS} {
		hu.Codes[dim] = uint8(len(Codes[dim]) - 1) // _Z
	}
	hIdx := int32(len(d.Units))
	d.Units = append(d.Units, hu)
	if p.region != 6 && !g.bern(0.95) {
		return // no consent: in the design, in no population
	}
	members := g.members()
	adults := 0
	for _, m := range members {
		if m.age >= 18 {
			adults++
		}
	}
	// Household codes: sex of the head, first matching migration status.
	abroad := g.bern(0.3)
	h := &d.Units[hIdx]
	h.Codes[dSEX] = b2u(members[0].female)
	h.Codes[dHHMIG] = 3 // H_NONE
	for _, m := range members {
		switch {
		case abroad:
			h.Codes[dHHMIG] = 0
		case m.mig == 1:
			h.Codes[dHHMIG] = 1
		case m.mig >= 2 && h.Codes[dHHMIG] == 3:
			h.Codes[dHHMIG] = 2
		}
	}
	hv := *h // h dies with the next append
	g.householdFacts(hIdx, abroad)
	resp := g.r.IntN(adults) // respondent among the adults
	for i, m := range members {
		u := hv
		u.Type, u.Member = 'P', int8(i+1)
		u.RespWeight = w * float64(adults)
		u.Codes[dSEX] = b2u(m.female)
		u.Codes[dAGE] = ageCode(m.age)
		u.Codes[dMIG] = m.mig
		switch {
		case m.age < 5:
			u.Codes[dDIS] = 2
		case m.disabled:
			u.Codes[dDIS] = 0
		default:
			u.Codes[dDIS] = 1
		}
		idx := int32(len(d.Units))
		d.Units = append(d.Units, u)
		isResp := false
		if m.age >= 18 {
			isResp = resp == 0
			resp--
		}
		g.personFacts(idx, m, p.urban == 0, isResp)
	}
}

// pick is a if c, else b.
func pick(c bool, a, b float64) float64 {
	if c {
		return a
	}
	return b
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func ageCode(age int) uint8 {
	switch {
	case age < 15:
		return 0
	case age < 25:
		return 1
	case age < 55:
		return 2
	case age < 65:
		return 3
	}
	return 4
}

// members draws a roster: head, maybe a spouse, children and elders.
func (g *gen) members() []person {
	n := 1 + g.r.IntN(5) + g.r.IntN(5)
	foreign := g.bern(0.12)
	citizen := g.bern(0.4)
	var ms []person
	for i := 0; i < n; i++ {
		var m person
		switch {
		case i == 0:
			m = person{age: 22 + g.r.IntN(55), female: g.bern(0.28)}
		case i == 1:
			m = person{age: max(18, ms[0].age-5+g.r.IntN(10)), female: !ms[0].female}
		case g.bern(0.15):
			m = person{age: 60 + g.r.IntN(25), female: g.bern(0.55)}
		default:
			m = person{age: g.r.IntN(25), female: g.bern(0.5)}
		}
		switch {
		case foreign && (m.age >= 10 || g.bern(0.5)):
			m.mig = 3 // FB_NCIT
			if citizen {
				m.mig = 2 // FB_CIT
			}
		case m.age >= 18 && g.bern(pick(m.female, 0.08, 0.2)):
			m.mig = 1 // NB_RET
		}
		m.disabled = m.age >= 5 && g.bern(0.04+float64(m.age)/1000)
		ms = append(ms, m)
	}
	return ms
}

func (g *gen) householdFacts(u int32, abroad bool) {
	g.add(iHH1, u, b2f(abroad))
	remits := g.bern(pick(abroad, 0.7, 0.08))
	g.add(iREM1, u, b2f(remits))
	if !remits {
		return
	}
	if g.bern(0.97) && g.bern(0.9) { // amount > 0 and fee answered
		amt := math.Round(math.Exp(9.5 + 0.6*g.r.NormFloat64()))
		fee := math.Round(amt*(0.015+0.08*g.r.Float64())*100) / 100
		g.add(iREM2, u, fee)
		c := &g.d.Columns[iREM2]
		c.X = append(c.X, amt)
	}
	if g.bern(0.95) {
		g.add(iREM3, u, b2f(g.bern(0.45)))
	}
}

func (g *gen) personFacts(u int32, m person, urban, resp bool) {
	migrant := m.mig != 0
	if m.age >= 15 {
		g.add(iFIN1, u, b2f(g.bern(0.45+0.2*b2f(urban)+0.1*b2f(!m.female))))
		g.add(iSP1, u, b2f(g.bern(0.3)))
	}
	if g.bern(0.97) {
		g.add(iHLT1, u, b2f(g.bern(0.25+0.1*b2f(urban))))
	}
	attending := false
	if m.age >= 6 && m.age <= 24 {
		attending = urban && m.age <= 17 || g.bern(pick(m.age <= 17, 0.8, 0.3))
	}
	if m.age >= 6 && m.age <= 17 {
		g.add(iEDU1, u, b2f(attending))
	}
	employed := false
	if m.age >= 15 {
		lf := 0.8
		if m.female {
			lf = 0.5
		}
		if m.age >= 65 {
			lf = 0.2
		}
		if g.bern(lf) {
			employed = g.bern(0.9)
			g.add(iLAB1, u, b2f(!employed))
		}
	}
	if employed {
		g.add(iLAB2, u, b2f(g.bern(0.55-0.15*b2f(urban))))
		g.add(iLAB4, u, b2f(g.bern(0.03)))
		if g.bern(0.5) {
			g.add(iLAB5, u, b2f(g.bern(0.6+0.1*b2f(urban))))
		}
	}
	if m.age >= 15 && m.age <= 24 {
		g.add(iLAB3, u, b2f(!employed && !attending))
	}
	if m.mig == 1 && g.bern(0.45) && g.bern(0.85) {
		g.add(iSP2, u, b2f(g.bern(0.35)))
	}
	if m.mig == 1 && g.bern(0.7) { // recent migrant worker
		paid := g.bern(0.65)
		g.add(iMIG2, u, b2f(paid))
		g.add(iMIG3, u, b2f(!m.female && paid && g.bern(0.45)))
		if g.bern(0.92) { // first-month earnings > 0
			months := 0.0
			if paid {
				months = math.Exp(0.5 + 0.7*g.r.NormFloat64())
			}
			g.add(iMIG1, u, months)
		}
	}
	if migrant && m.age >= 15 && g.bern(0.93) {
		g.add(iFL1, u, b2f(g.bern(0.15+0.15*b2f(m.mig == 3))))
	}
	if migrant && m.age >= 18 && g.bern(0.35) {
		g.add(iSKL1, u, b2f(g.bern(0.5)))
	}
	if resp && g.bern(0.95) {
		felt := g.bern(0.15 + 0.15*b2f(m.mig >= 2))
		g.add(iDIS1, u, b2f(felt))
		g.add(iDIS2, u, b2f(felt && g.bern(0.15+0.45*b2f(migrant))))
	}
}
