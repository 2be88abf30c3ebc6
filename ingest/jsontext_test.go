package ingest

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"fieldbase/synth"
)

func marshalText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// TestJSONTextIsMarshal: jsonText writes json.Marshal's bytes for the answers of 300
// synthetic households (data, rows and all), and for strings and numbers chosen to reach
// every escape and number form json.Marshal has; it leaves what it cannot write to it.
func TestJSONTextIsMarshal(t *testing.T) {
	var values []any
	err := synth.Generate(synth.Options{Households: 300, Seed: 3, InvalidRate: 0.2, Today: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, func(it synth.Item) error {
		b, _ := json.Marshal(it.Envelope)
		var env map[string]any
		json.Unmarshal(b, &env)
		values = append(values, env)
		if d, ok := env["data"].(map[string]any); ok {
			values = append(values, d)
			for _, v := range d {
				if rows, ok := v.([]any); ok {
					for _, r := range rows {
						values = append(values, r)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for c := 0; c < 0x80; c++ {
		all.WriteByte(byte(c))
	}
	strs := []string{"", all.String(), "é ü 日本 😀", "\u2028\u2029\u2027\u202a", "bad \xff\xfe utf8 \xc3", "\xed\xa0\x80", "<script>&amp;</script>", `"\`, "\ufffd\ufeff"}
	nums := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e20, 1e21, 123456789012345678901234.0, -1e21, 5e-324, math.MaxFloat64, 1972.33, 28.191626, 1e-100, 3.0000000000000004}
	m := map[string]any{"nil": nil, "t": true, "f": false, "empty": map[string]any{}, "list": []any{}, "nilmap": map[string]any(nil), "nillist": []any(nil)}
	for i, s := range strs {
		m[s] = s
		m["s"+string(rune('a'+i))] = []any{s, map[string]any{s: s}}
	}
	for i, f := range nums {
		m["n"+string(rune('a'+i))] = f
		m["l"+string(rune('a'+i))] = []any{f, -f}
	}
	wide := map[string]any{} // more keys than keyorder orders itself
	for i := 0; i < 100; i++ {
		wide[string(rune('a'+i%26))+strings.Repeat("k", i/26)] = float64(i)
	}
	values = append(values, m, wide, map[string]any{}, map[string]any(nil),
		map[string]any{"nan": math.NaN()}, map[string]any{"inf": []any{math.Inf(1)}}, // json.Marshal fails: "null"
		map[string]any{"int": 3, "time": time.Unix(0, 0).UTC()}, []any{"not a map"}, "plain",
		map[string]any{"\xff": 1.0, "\xfe": 2.0}, map[string]any{"\xff": 1.0, "a": 2.0})
	for i, v := range values {
		if got, want := jsonText(v), marshalText(v); got != want {
			t.Fatalf("value %d: jsonText\n%s\njson.Marshal\n%s", i, got, want)
		}
	}
}

// FuzzJSONText: strings (as keys and values) and numbers written as json.Marshal writes them.
func FuzzJSONText(f *testing.F) {
	f.Add("a", "b", 1.5)
	f.Add("<&>", "\u2028\x00\xff", 1e-7)
	f.Add("", "\t\n\r\b\f\x7f", 1e21)
	f.Fuzz(func(t *testing.T, k, v string, n float64) {
		m := map[string]any{k: v, k + "x": n, "r": []any{map[string]any{v: k, "n": -n}}}
		if got, want := jsonText(m), marshalText(m); got != want {
			t.Fatalf("jsonText %s\njson.Marshal %s", got, want)
		}
	})
}

// BenchmarkJSONText: a household's answers, by jsonText and by json.Marshal.
func BenchmarkJSONText(b *testing.B) {
	var data map[string]any
	synth.Generate(synth.Options{Households: 1, Seed: 3}, func(it synth.Item) error {
		bs, _ := json.Marshal(it.Envelope["data"])
		json.Unmarshal(bs, &data)
		return nil
	})
	b.Run("jsonText", func(b *testing.B) {
		for b.Loop() {
			jsonText(data)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			marshalText(data)
		}
	})
}
