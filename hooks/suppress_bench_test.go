package hooks

import (
	"testing"
	"time"

	"fieldbase/form"
	"fieldbase/indicators"
	"fieldbase/schemas"
	"fieldbase/synth"
)

type memFacts struct{ hh, members []string }

func (m *memFacts) Households(fn func(string) error) error {
	for _, f := range m.hh {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func (m *memFacts) Members(fn func(string) error) error {
	for _, f := range m.members {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkSuppressionPattern prints what secondary suppression adds to the first indicator
// request after a change of the data (the pattern is cached per snapshot): the time to work
// out the pattern over every 1- and 2-dimension table, against the 8 requests of the bench's
// indicators_all_dims_s (none and each dimension) on the same snapshot.
//
//	go test ./hooks -run '^$' -bench SuppressionPattern -benchtime 1x
func BenchmarkSuppressionPattern(b *testing.B) {
	sv, err := form.Load(schemas.MHS)
	if err != nil {
		b.Fatal(err)
	}
	cat, err := IndicatorCatalog(sv)
	if err != nil || cat == nil {
		b.Fatal(err)
	}
	src := &memFacts{}
	const n = 20000
	if err := synth.Generate(synth.Options{Households: n, Seed: 7}, func(it synth.Item) error {
		h, m := cat.Facts(sv, it.Envelope["data"].(map[string]any))
		src.hh = append(src.hh, h)
		src.members = append(src.members, m...)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	snap, err := cat.Read(src)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		for _, by := range append([][]string{nil}, singleDims(cat)...) {
			if _, err := snap.Compute(indicators.Request{By: by}); err != nil {
				b.Fatal(err)
			}
		}
		requests := time.Since(t0)
		t0 = time.Now()
		for _, by := range publishedTables(cat) {
			if _, err := snap.Counts(indicators.Request{By: by}); err != nil {
				b.Fatal(err)
			}
		}
		counting := time.Since(t0)
		t0 = time.Now()
		p, err := workOutSuppression(cat, snap)
		if err != nil {
			b.Fatal(err)
		}
		pattern := time.Since(t0)
		cells := 0
		for _, m := range p {
			cells += len(m)
		}
		b.Logf("%d households: pattern over %d tables %v (counting %v, %d suppressed cells); 8 requests %v; pattern/requests %.2f",
			n, len(publishedTables(cat)), pattern.Round(time.Millisecond), counting.Round(time.Millisecond), cells,
			requests.Round(time.Millisecond), float64(pattern)/float64(requests))
	}
}

func singleDims(cat *indicators.Catalog) [][]string {
	var out [][]string
	for _, d := range cat.Dimensions {
		out = append(out, []string{d.ID})
	}
	return out
}
