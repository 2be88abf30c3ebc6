package dedup

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCanonNumber(t *testing.T) {
	cases := []struct{ in, want string }{
		{"1", "1"}, {"1.0", "1"}, {"1e0", "1"}, {"10E-1", "1"}, {"0.1e1", "1"},
		{"0", "0"}, {"-0", "0"}, {"0.000", "0"}, {"0e10", "0"},
		{"1500", "1500"}, {"1.5e3", "1500"}, {"15e2", "1500"},
		{"0.25", "0.25"}, {"2.5e-1", "0.25"}, {"-3.125", "-3.125"},
		{"0.000001", "0.000001"}, {"1e-7", "0.0000001"}, {"1e-8", "1e-8"}, {"1e20", "100000000000000000000"}, {"1e21", "1e21"},
		{"1e22", "1e22"}, {"123456789012345678901234567890", "12345678901234567890123456789e1"},
		{"12345678901234567890123", "12345678901234567890123e0"},
		{"1e999999", "1e999999"}, {"abc", `"abc"`}, {"1e", `"1e"`}, {"", `""`},
	}
	for _, c := range cases {
		if got := canonNumber(c.in); got != c.want {
			t.Errorf("canonNumber(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestContentHashEquivalences(t *testing.T) {
	same := [][2]string{
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`},
		{`{"a":1}`, `{"a":1.0}`},
		{`{"a":1}`, `{"a":1e0}`},
		{`{"a":[1,{"y":2,"x":1}]}`, `{ "a" : [ 1.00 , { "x":1, "y":2e0 } ] }`},
		{`{"s":"<&>"}`, `{"s":"\u003c\u0026\u003e"}`},
		{`{"a":123456789012345678901234567890}`, `{"a":1.23456789012345678901234567890e29}`},
	}
	// A skipped question may come as null or be left out (questionnaire.md): same content.
	same = append(same, [2]string{`{"a":null,"b":1}`, `{"b":1}`}, [2]string{`{"m":[{"x":null}]}`, `{"m":[{}]}`})
	for _, c := range same {
		h1, err1 := ContentHashJSON([]byte(c[0]))
		h2, err2 := ContentHashJSON([]byte(c[1]))
		if err1 != nil || err2 != nil || h1 != h2 {
			t.Errorf("%s vs %s: hashes differ (%v %v)", c[0], c[1], err1, err2)
		}
	}
	diff := [][2]string{
		{`{"a":[1,2]}`, `{"a":[2,1]}`},
		{`{"a":"1"}`, `{"a":1}`},
		{`{"a":"x"}`, `{"a":"X"}`},
		{`{"a":"x"}`, `{"a":"x "}`},
		{`{"a":1}`, `{"a":1.0000000000000000001}`},
		{`{"a":123456789012345678901}`, `{"a":123456789012345678902}`},
	}
	for _, c := range diff {
		h1, _ := ContentHashJSON([]byte(c[0]))
		h2, _ := ContentHashJSON([]byte(c[1]))
		if h1 == h2 {
			t.Errorf("%s vs %s: hashes should differ", c[0], c[1])
		}
	}
}

// A map built in Go (float64, int, []string) hashes like its JSON text.
func TestContentHashGoValuesMatchJSON(t *testing.T) {
	raw := `{"a_psu":12,"a_weight":152.5,"e_channel":["bank","mto"],"members":[{"b_age":34,"b_sex":"1"}],"x":null,"ok":true}`
	goMap := map[string]any{
		"ok": true, "x": nil, "a_psu": 12, "a_weight": float32(152.5),
		"e_channel": []string{"bank", "mto"},
		"members":   []map[string]any{{"b_sex": "1", "b_age": int64(34)}},
	}
	var fromStd map[string]any
	if err := json.Unmarshal([]byte(raw), &fromStd); err != nil {
		t.Fatal(err)
	}
	want, err := ContentHashJSON([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := ContentHash(goMap); got != want {
		t.Errorf("Go map: %s\nwant %s (canonical %s vs %s)", got, want, Canonical(goMap), mustCanon(t, raw))
	}
	if got := ContentHash(fromStd); got != want {
		t.Errorf("float64 map: %s, want %s", got, want)
	}
	if string(Canonical(fromStd)) != raw[:0]+`{"a_psu":12,"a_weight":152.5,"e_channel":["bank","mto"],"members":[{"b_age":34,"b_sex":"1"}],"ok":true}` {
		t.Errorf("canonical = %s", Canonical(fromStd))
	}
}

func mustCanon(t *testing.T, raw string) string {
	b, err := CanonicalJSON([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestContentHashJSONErrorsAndOddInputs(t *testing.T) {
	for _, bad := range []string{``, `{`, `{"a":1} {"b":2}`, `{"a":1}x`, `nul`} {
		if _, err := ContentHashJSON([]byte(bad)); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	// Never panics; nil and empty agree.
	if ContentHash(nil) != ContentHash(map[string]any{}) {
		t.Error("nil and empty map differ")
	}
	odd := map[string]any{"ch": make(chan int), "f": func() {}, "nan": 0.0, "ctl": "a\x00\n\"\\", "bad": string([]byte{0xff})}
	c := string(Canonical(odd))
	if !strings.Contains(c, `"ctl":"a\u0000\u000a\"\\"`) || !strings.Contains(c, `"bad":"\ufffd"`) {
		t.Errorf("canonical = %s", c)
	}
	// Deep nesting is cut, not a stack overflow.
	var v any = "x"
	for i := 0; i < 2000; i++ {
		v = []any{v}
	}
	_ = Canonical(map[string]any{"deep": v})
	if h, err := ContentHashJSON([]byte(`"just a string"`)); err != nil || len(h) != 64 {
		t.Errorf("scalar JSON: %q %v", h, err)
	}
}
