package synth

import (
	"math"
	"math/rand/v2"
)

// rng wraps a PCG source with the few draws the generator needs. Only the
// source's Uint64 stream is used (PCG-DXSM, fixed by its specification); the
// derived draws are written here rather than taken from math/rand/v2 so the
// output cannot change with a Go release.
type rng struct{ src *rand.PCG }

// newRNG makes an independent stream for a (seed, tag, a, b) tuple.
func newRNG(seed int64, tag, a, b uint64) *rng {
	s1 := mix(uint64(seed) ^ mix(tag))
	s2 := mix(s1 ^ mix(a+0x9e3779b97f4a7c15) ^ mix(mix(b)+tag))
	return &rng{src: rand.NewPCG(s1, s2)}
}

// mix is the splitmix64 finaliser: spreads nearby inputs over all bits.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (r *rng) u64() uint64 { return r.src.Uint64() }

// intn is uniform in [0, n); n <= 0 gives 0.
func (r *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	// Rejection sampling keeps it exactly uniform.
	bound := uint64(n)
	limit := math.MaxUint64 - math.MaxUint64%bound
	for {
		v := r.u64()
		if v < limit {
			return int(v % bound)
		}
	}
}

// between is uniform on the integers lo..hi inclusive (lo if hi < lo).
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// float is uniform in [0, 1).
func (r *rng) float() float64 { return float64(r.u64()>>11) / (1 << 53) }

// uniform is uniform in [lo, hi).
func (r *rng) uniform(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

func (r *rng) chance(p float64) bool { return r.float() < p }

// norm is a standard normal draw (Box–Muller).
func (r *rng) norm() float64 {
	u1 := 1 - r.float() // (0, 1]
	u2 := r.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// weighted is a choice among codes with relative weights.
type weighted []choice

type choice struct {
	code string
	w    float64
}

func (r *rng) pick(ws weighted) string {
	total := 0.0
	for _, c := range ws {
		total += c.w
	}
	x := r.float() * total
	for _, c := range ws {
		if x < c.w {
			return c.code
		}
		x -= c.w
	}
	return ws[len(ws)-1].code
}

// uuid4 formats 16 bytes of the stream as a version-4 UUID, so ids are
// reproducible for a seed yet look like any device's ids.
func (r *rng) uuid4() string {
	var b [16]byte
	a, c := r.u64(), r.u64()
	for i := 0; i < 8; i++ {
		b[i] = byte(a >> (8 * i))
		b[8+i] = byte(c >> (8 * i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexdig = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexdig[x>>4], hexdig[x&0xf])
	}
	return string(out)
}

// round rounds to d decimals, so decimals print short and stable.
func round(x float64, d int) float64 {
	if d < 0 {
		p := math.Pow(10, float64(-d)) // exact for small -d
		return math.Round(x/p) * p
	}
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}
