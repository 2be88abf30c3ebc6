package synth

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// FieldworkStart is the `mhs` fieldwork start (settings.fieldwork_start).
var FieldworkStart = time.Date(2026, 10, 1, 0, 0, 0, 0, nepal)

// nepal is Nepal Standard Time (UTC+05:45), the devices' clock.
var nepal = time.FixedZone("NPT", 5*3600+45*60)

// LonelyStratum is the stratum that always has exactly one PSU, so that
// estimators meet the "lonely PSU" case (spec/indicators.md).
const LonelyStratum = "R6U"

// MaxHouseholds bounds Options.Households: beyond it PSU numbers (≤ 99999)
// and dwelling numbers (≤ 9999) of the questionnaire run out.
const MaxHouseholds = 30_000_000

// Stratum is one region × urban/rural stratum of the design.
type Stratum struct {
	Name       string // R1U … R7R
	Region     string // R1 … R7
	Urban      string // U or R
	Households int    // households in the population (synthetic), N_h
	PSUs       int    // PSUs selected
	Sampled    int    // dwellings selected, n_h
}

// PSU is one primary sampling unit (an enumeration area) of the frame. Its
// dwellings are a systematic sample of Sampled out of Listing listed
// dwellings; see Dwelling.
type PSU struct {
	Index      int // position in Frame.PSUs
	Number     int // a_psu, unique over the whole sample
	Stratum    string
	Region     string
	Urban      string
	Weight     float64 // a_weight of every household of the PSU
	Listing    int     // dwellings listed in the PSU
	Sampled    int     // dwellings selected (10–20 at the default scale)
	start      int     // random start of the systematic sample, 0..Listing/Sampled-1
	Lat, Lon   float64 // centre of the PSU
	Spacing    float64 // metres between neighbouring sampled dwellings
	Enumerator int     // 0..K-1: one enumerator interviews the whole PSU
	Day        int     // first fieldwork day (0 = fieldwork start) of the visit
}

// Dwelling is the dwelling number (a_dwelling) of the k-th selected dwelling
// (0-based), from the systematic sample: start + k·Listing/Sampled + 1.
func (p PSU) Dwelling(k int) int {
	if p.Sampled <= 0 {
		return 0
	}
	return p.start + k*p.Listing/p.Sampled + 1
}

// Frame is the sample: strata and PSUs in visiting order. It is small (one
// record per PSU) and fully determined by Options.
type Frame struct {
	Strata []Stratum
	PSUs   []PSU
	Start  time.Time // fieldwork start
	Days   int       // fieldwork days available before Options.Today (≥ 1)
	last   time.Time // the last possible interview date: the day before Options.Today
}

// Date is the interview date of fieldwork day d (0 = fieldwork start), never
// after the day before Options.Today.
func (f *Frame) Date(d int) time.Time {
	t := f.Start.AddDate(0, 0, d)
	if t.After(f.last) {
		return f.last
	}
	return t
}

// Stratum returns the stratum of a given name.
func (f *Frame) Stratum(name string) (Stratum, bool) {
	for _, s := range f.Strata {
		if s.Name == name {
			return s, true
		}
	}
	return Stratum{}, false
}

// population is the synthetic number of households per stratum, roughly
// shaped like Nepal's provinces (R6 Karnali small, R3 Bagmati large and
// urban). Values are invented.
var population = []struct {
	name string
	n    int
}{
	{"R1U", 610_000}, {"R1R", 580_000}, {"R2U", 520_000}, {"R2R", 620_000},
	{"R3U", 1_100_000}, {"R3R", 450_000}, {"R4U", 380_000}, {"R4R", 280_000},
	{"R5U", 560_000}, {"R5R", 550_000}, {"R6U", 90_000}, {"R6R", 280_000},
	{"R7U", 260_000}, {"R7R", 300_000},
}

// regionCentre is an invented centre point per region, inside Nepal.
var regionCentre = map[string][2]float64{
	"R1": {27.00, 87.30}, "R2": {26.85, 85.90}, "R3": {27.70, 85.30}, "R4": {28.20, 84.00},
	"R5": {27.90, 83.00}, "R6": {29.00, 82.20}, "R7": {29.20, 80.90},
}

// Design builds the sample frame for the options: enough PSUs of 10–20
// selected dwellings to interview opt.Households fresh households. The lonely
// stratum gets exactly one PSU (the first one visited); the others share the
// rest in proportion to their size, interleaved (smooth weighted round robin)
// so that every stratum appears early in the stream. The design weight of a
// PSU is N_h / n_h of its stratum times a small non-response adjustment.
func Design(opt Options) (*Frame, error) {
	opt, err := opt.normalise()
	if err != nil {
		return nil, err
	}
	r := newRNG(opt.Seed, tagFrame, 0, 0)
	f := &Frame{Start: FieldworkStart, Days: fieldworkDays(opt.Today)}
	f.last = time.Date(opt.Today.Year(), opt.Today.Month(), opt.Today.Day()-1, 0, 0, 0, 0, nepal)
	index := map[string]int{}
	for _, p := range population {
		index[p.name] = len(f.Strata)
		f.Strata = append(f.Strata, Stratum{Name: p.name, Region: p.name[:2], Urban: p.name[2:], Households: p.n})
	}
	// Past about a million households the PSU numbers (≤ 99999) would run
	// out, so the PSUs grow instead.
	scale := int(math.Ceil(float64(opt.Households) / (99_000 * 10)))
	if scale < 1 {
		scale = 1
	}
	current := make([]int, len(population)) // smooth weighted round robin state
	total := 0
	for _, p := range population {
		if p.name != LonelyStratum {
			total += p.n
		}
	}
	planned := 0
	for j := 0; planned < opt.Households || j == 0; j++ {
		s := index[LonelyStratum]
		if j > 0 {
			best := -1
			for i, p := range population {
				if p.name == LonelyStratum {
					continue
				}
				current[i] += p.n
				if best < 0 || current[i] > current[best] {
					best = i
				}
			}
			current[best] -= total
			s = best
		}
		st := &f.Strata[s]
		m := scale * r.between(10, 20)
		listing := m * r.between(4, 15)
		c := regionCentre[st.Region]
		psu := PSU{
			Index: j, Number: 101 + j, Stratum: st.Name, Region: st.Region, Urban: st.Urban,
			Listing: listing, Sampled: m, start: r.intn(listing / m),
			Lat:        round(clamp(c[0]+0.25*r.norm(), 26.4, 30.4), 6),
			Lon:        round(clamp(c[1]+0.35*r.norm(), 80.1, 88.2), 6),
			Enumerator: j % opt.Enumerators,
			Day:        r.intn(f.Days),
		}
		// Dwellings are further apart in villages than in towns.
		psu.Spacing = 55
		if st.Urban == "R" {
			psu.Spacing = 90
		}
		psu.Weight = r.uniform(0.95, 1.10) // the PSU's non-response adjustment, scaled below
		st.PSUs++
		st.Sampled += m
		planned += m
		f.PSUs = append(f.PSUs, psu)
	}
	for i := range f.PSUs {
		p := &f.PSUs[i]
		st := f.Strata[index[p.Stratum]]
		p.Weight = round(p.Weight*float64(st.Households)/float64(st.Sampled), 2)
	}
	return f, nil
}

// fieldworkDays is the number of interview days from the fieldwork start up
// to the day before today; at least one (if today is not after the start,
// interviews fall on the day before today, which the form only warns about).
func fieldworkDays(today time.Time) int {
	// Calendar dates, compared in UTC so that no clock change shifts them.
	t := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	s := time.Date(FieldworkStart.Year(), FieldworkStart.Month(), FieldworkStart.Day(), 0, 0, 0, 0, time.UTC)
	d := int(t.Sub(s).Hours() / 24)
	if d < 1 {
		return 1
	}
	return d
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// errOptions wraps option errors.
var errOptions = errors.New("synth: bad options")

func optError(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errOptions}, a...)...)
}
