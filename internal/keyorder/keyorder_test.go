package keyorder

import (
	"slices"
	"strings"
	"testing"
)

// ordered is keys as a writer walks them: Order, then Key for each position.
func ordered(keys []string) []string {
	var idx [Max]uint8
	o := Order(keys, &idx)
	out := make([]string, len(keys))
	for i := range keys {
		out[i] = Key(keys, o, i)
	}
	return out
}

// TestOrderIsSort: Order gives slices.Sort's order for keys that differ past their eighth
// byte, are prefixes of each other, have zero bytes, non-ASCII bytes, repeats, and for
// more keys than it orders itself.
func TestOrderIsSort(t *testing.T) {
	cases := [][]string{
		nil, {"a"}, {"b", "a"},
		{"a_consent", "a_date", "a_dwelling", "a_gps", "members", "b_age", "b_line", "a_head_name", "a_hh_size", "z", ""},
		{"abcdefgh1", "abcdefgh", "abcdefg", "abcdefgh0", "abcdefgh\x00", "abcdefg\x00", "abcdefg\xff", "abcdefgi"},
		{"ab", "ab\x00", "ab\x00\x00", "a", "ab\x01", "\xff", "é", "e", "日本", "\x00"},
		{"same", "same", "same2", "same"},
	}
	var many []string
	for i := 0; i < Max+10; i++ {
		many = append(many, strings.Repeat("k", i%7)+string(rune('a'+i%26)))
	}
	cases = append(cases, many, many[:Max])
	for i, keys := range cases {
		want := slices.Clone(keys)
		slices.Sort(want)
		if got := ordered(slices.Clone(keys)); !slices.Equal(got, want) {
			t.Errorf("case %d: %q, want %q", i, got, want)
		}
	}
}

// FuzzOrder: any keys (split from the input at commas) are ordered as slices.Sort orders them.
func FuzzOrder(f *testing.F) {
	f.Add("a_consent,a_date,a_dwelling,b,abcdefghi,abcdefgh")
	f.Add("\x00,\x00\x00,,\xff\xfe,x")
	f.Fuzz(func(t *testing.T, s string) {
		keys := strings.Split(s, ",")
		if len(keys) > 2*Max {
			keys = keys[:2*Max]
		}
		want := slices.Clone(keys)
		slices.Sort(want)
		if got := ordered(slices.Clone(keys)); !slices.Equal(got, want) {
			t.Fatalf("%q, want %q", got, want)
		}
	})
}
