package dedup

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"fieldbase/synth"
)

// slowText is writeValue's bytes for v: the reference appendCanonical must equal.
func slowText(v any) string {
	var b bytes.Buffer
	writeValue(&b, v, 0)
	return b.String()
}

// TestCanonicalFastIsWriteValue: appendCanonical writes writeValue's bytes for the answers
// of 300 synthetic households (as JSON reads them, invalid ones included, whole and row by
// row) and for strings and numbers chosen to reach every escape and number form; it gives
// up (and Canonical is then writeValue's) for the kinds it does not write.
func TestCanonicalFastIsWriteValue(t *testing.T) {
	var values []any
	var goBuilt []map[string]any
	err := synth.Generate(synth.Options{Households: 300, Seed: 5, InvalidRate: 0.2, Today: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, func(it synth.Item) error {
		b, _ := json.Marshal(it.Envelope)
		var env map[string]any
		json.Unmarshal(b, &env)
		values = append(values, env)
		goBuilt = append(goBuilt, it.Envelope["data"].(map[string]any)) // ints and []string: writeValue's
		if d, ok := env["data"].(map[string]any); ok {
			values = append(values, d)
			for _, v := range d {
				if rows, ok := v.([]any); ok {
					values = append(values, rows...)
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
	strs := []string{"", all.String(), "é ü 日本 😀", "\u2028\u2029", "bad \xff\xfe utf8 \xc3", "\xed\xa0\x80", "<&>", `"\`, "\ufffd\ufeff", "\x7f\x1f"}
	nums := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-4, 1e-5, 1e-6, 1e-7, 1.5e-10, 123456, 1234567, 1e6, 1e15, 1 << 53, 1<<53 + 2, -(1 << 53),
		1e20, 1e21, 1e22, 123456789012345678901234.0, -1e21, 5e-324, math.MaxFloat64, 1972.33, 28.191626, -0.001, 1e-100, 3.0000000000000004, 0.5, 100.25,
		math.NaN(), math.Inf(1), math.Inf(-1)}
	m := map[string]any{"nil": nil, "t": true, "f": false, "empty": map[string]any{}, "list": []any{}, "nilmap": map[string]any(nil), "nillist": []any(nil)}
	for i, s := range strs {
		m[s] = s
		m["s"+string(rune('a'+i))] = []any{s, map[string]any{s: s, "x": nil}}
	}
	for i, f := range nums {
		m["n"+string(rune('a'+i))] = f
		m["l"+string(rune('a'+i))] = []any{f, -f, nil}
	}
	wide := map[string]any{} // more keys than keyorder orders itself
	for i := 0; i < 100; i++ {
		wide[string(rune('a'+i%26))+strings.Repeat("k", i/26)] = float64(i)
	}
	values = append(values, m, wide, map[string]any{}, map[string]any(nil), []any{nil}, "plain", 2.5, nil, true)
	for i, v := range values {
		got, ok := appendCanonical(nil, v, 0)
		if !ok {
			t.Fatalf("value %d: appendCanonical gave up on %v", i, v)
		}
		if want := slowText(v); string(got) != want {
			t.Fatalf("value %d: appendCanonical\n%s\nwriteValue\n%s", i, got, want)
		}
	}
	// Kinds left to writeValue: the whole value is written by it.
	for i, d := range append(goBuilt[:5:5], []map[string]any{
		{"n": json.Number("1.50")}, {"i": 3}, {"r": []any{map[string]any{"i64": int64(7)}}}, {"s": []string{"a"}},
		{"t": time.Unix(0, 0).UTC()}, {"f32": float32(0.1)},
	}...) {
		if _, ok := appendCanonical(nil, d, 0); ok {
			t.Errorf("odd value %d: appendCanonical wrote it", i)
		}
		if got, want := string(Canonical(d)), slowText(d); got != want {
			t.Errorf("odd value %d: Canonical %s, writeValue %s", i, got, want)
		}
	}
	deep := map[string]any{}
	for i, at := 0, deep; i < maxDepth+2; i++ {
		next := map[string]any{}
		at["k"] = next
		at = next
	}
	if got, want := string(Canonical(deep)), slowText(deep); got != want {
		t.Error("a value nested past maxDepth is not written as writeValue writes it")
	}
}

// FuzzCanonicalFast: strings (as keys and values) and numbers written as writeValue writes them.
func FuzzCanonicalFast(f *testing.F) {
	f.Add("a", "b", 1.5)
	f.Add("\"\\", "\x00\xff\u2028", 1e-7)
	f.Add("", "\t\n\x7f", 1e21)
	f.Add("k", "日本", 123456789.0)
	f.Fuzz(func(t *testing.T, k, v string, n float64) {
		m := map[string]any{k: v, k + "x": n, "r": []any{map[string]any{v: k, "n": -n, "z": nil}, n / 3, n * 1e7}}
		got, ok := appendCanonical(nil, m, 0)
		if want := slowText(m); !ok || string(got) != want {
			t.Fatalf("appendCanonical %s (%v)\nwriteValue %s", got, ok, want)
		}
	})
}

// BenchmarkCanonical: a household's answers (as JSON reads them) by appendCanonical and
// by writeValue.
//
//	go test ./dedup -run '^$' -bench Canonical -benchmem
func BenchmarkCanonical(b *testing.B) {
	var data map[string]any
	synth.Generate(synth.Options{Households: 1, Seed: 3}, func(it synth.Item) error {
		bs, _ := json.Marshal(it.Envelope["data"])
		json.Unmarshal(bs, &data)
		return nil
	})
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			withCanonical(data, func([]byte) {})
		}
	})
	b.Run("writeValue", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			canonicalSlow(data)
		}
	})
}
