package indicators

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"fieldbase/form"
	"fieldbase/synth"
)

// TestEvalInIsEval: every expression of the shipped catalog gives the same value over a
// household's form.Answers (its repeats' rows looked up once, as Facts reads them) as
// Expr.Eval gives over the answers map, for the household and each member row of 300
// synthetic households (invalid ones included), as JSON decodes them and as built in Go.
func TestEvalInIsEval(t *testing.T) {
	_, c := mhs(t)
	var exprs []*form.Expr
	add := func(es ...*form.Expr) {
		for _, e := range es {
			if e != nil {
				exprs = append(exprs, e)
			}
		}
	}
	add(c.stratum, c.psu, c.weight, c.period, c.responding)
	for _, d := range c.Dimensions {
		add(d.person, d.household)
	}
	for _, in := range c.Indicators {
		add(in.population, in.numerator, in.denominator, in.weight)
	}
	if len(exprs) < 40 {
		t.Fatalf("only %d expressions in the catalog", len(exprs))
	}
	same := func(a, b form.Value) bool {
		fa, oka := a.Float()
		fb, okb := b.Float()
		return a.String() == b.String() && a.Bool() == b.Bool() && a.IsNull() == b.IsNull() &&
			oka == okb && (fa == fb || (math.IsNaN(fa) && math.IsNaN(fb)))
	}
	var households []map[string]any
	err := synth.Generate(synth.Options{Households: 300, Seed: 11, InvalidRate: 0.2, Today: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, func(it synth.Item) error {
		d := it.Envelope["data"].(map[string]any)
		b, _ := json.Marshal(d)
		var decoded map[string]any
		json.Unmarshal(b, &decoded)
		households = append(households, d, decoded)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	households = append(households, map[string]any{}, map[string]any{c.personRepeat: "not rows"},
		map[string]any{c.personRepeat: []any{"not a row", nil, map[string]any{"b_age": 30.0}}})
	compared := 0
	for h, data := range households {
		a := form.NewAnswers(data)
		rows := max(rowCount(data[c.personRepeat]), 1)
		for row := -1; row <= rows; row++ { // past both ends too
			for i, e := range exprs {
				if got, want := e.EvalIn(a, row), e.Eval(data, row); !same(got, want) {
					t.Fatalf("household %d row %d: %s gives %v over Answers, %v over the map", h, row, e, got, want)
				} else if i == 0 {
					compared++
				}
			}
		}
	}
	if compared < 2000 {
		t.Fatalf("only %d rows compared", compared)
	}
}
