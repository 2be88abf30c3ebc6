package dedup

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Person is what a roster comparison needs of a member: sex code ("1" male,
// "2" female; anything else never matches) and age in years (negative =
// unknown, never matches).
type Person struct {
	Sex string
	Age int
}

// RosterSig writes a roster compactly for one text column: "sex:age" per
// member in roster order, comma separated, e.g. "1:34,2:31,1:5". A sex that
// would break the format (contains ',' or ':' or is empty) is written "?".
func RosterSig(roster []Person) string {
	var b strings.Builder
	for i, p := range roster {
		if i > 0 {
			b.WriteByte(',')
		}
		sex := p.Sex
		if sex == "" || strings.ContainsAny(sex, ",:") {
			sex = "?"
		}
		b.WriteString(sex)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Age))
	}
	return b.String()
}

// ParseRosterSig reads what RosterSig wrote. "" is an empty roster.
func ParseRosterSig(sig string) ([]Person, error) {
	if sig == "" {
		return nil, nil
	}
	parts := strings.Split(sig, ",")
	out := make([]Person, 0, len(parts))
	for i, part := range parts {
		sex, age, ok := strings.Cut(part, ":")
		if !ok || sex == "" {
			return nil, fmt.Errorf("dedup: roster signature item %d %q is not sex:age", i+1, part)
		}
		a, err := strconv.Atoi(age)
		if err != nil {
			return nil, fmt.Errorf("dedup: roster signature item %d %q has no integer age", i+1, part)
		}
		out = append(out, Person{Sex: sex, Age: a})
	}
	return out, nil
}

// RosterMatches counts members that can be paired between two rosters on the
// same sex and an age difference of at most one year, each member used at
// most once. The count is the largest possible pairing: within one sex, both
// age lists are sorted and walked together, which is optimal for "ages within
// ±1" (an interval matching), unlike pairing in roster order.
func RosterMatches(a, b []Person) int {
	bySex := func(r []Person) map[string][]int {
		m := map[string][]int{}
		for _, p := range r {
			if (p.Sex == "1" || p.Sex == "2") && p.Age >= 0 {
				m[p.Sex] = append(m[p.Sex], p.Age)
			}
		}
		for _, ages := range m {
			sort.Ints(ages)
		}
		return m
	}
	ma, mb := bySex(a), bySex(b)
	n := 0
	for sex, xs := range ma {
		ys := mb[sex]
		i, j := 0, 0
		for i < len(xs) && j < len(ys) {
			switch {
			case ys[j] < xs[i]-1:
				j++ // ys[j] is too young for this and every later x
			case xs[i] < ys[j]-1:
				i++ // xs[i] is too young for this and every later y
			default:
				n++
				i++
				j++
			}
		}
	}
	return n
}
