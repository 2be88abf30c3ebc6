package disclosure

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// table builds every cell (total, one- and two-dimension) of units given by their codes.
func table(dims []Dimension, units [][]string, minN int) []Cell {
	count := map[string]int{}
	at := map[string][]Coord{}
	addCell := func(c []Coord) {
		k := Key(c)
		count[k]++
		at[k] = c
	}
	for _, u := range units {
		addCell(nil)
		for i := range dims {
			addCell([]Coord{{dims[i].ID, u[i]}})
			for j := i + 1; j < len(dims); j++ {
				addCell([]Coord{{dims[i].ID, u[i]}, {dims[j].ID, u[j]}})
			}
		}
	}
	var out []Cell
	for k, n := range count {
		out = append(out, Cell{At: at[k], N: n, Primary: n < minN})
	}
	return out
}

// recoverable is the differencing attack: in any partition (as Suppress defines them) where
// exactly one cell is unknown, it follows from the others and the margin; repeat with what was
// learnt until nothing more follows. It returns the keys recovered.
func recoverable(dims []Dimension, cells []Cell, suppressed map[string]string) []string {
	byKey := map[string]*Cell{}
	for i := range cells {
		byKey[Key(cells[i].At)] = &cells[i]
	}
	unknown := map[string]bool{}
	for k := range suppressed {
		unknown[k] = true
	}
	var got []string
	parts := partitions(byKey, map[Coord]int{})
	for changed := true; changed; {
		changed = false
		for _, p := range parts {
			var u []string
			for _, k := range p {
				if unknown[k] {
					u = append(u, k)
				}
			}
			if len(u) == 1 {
				unknown[u[0]] = false
				got = append(got, u[0])
				changed = true
			}
		}
	}
	return got
}

func TestSuppressOneDimension(t *testing.T) {
	dims := []Dimension{{ID: "SEX", Codes: []string{"M", "F", "O"}}}
	cells := []Cell{
		{At: nil, N: 100},
		{At: []Coord{{"SEX", "M"}}, N: 40},
		{At: []Coord{{"SEX", "F"}}, N: 40},
		{At: []Coord{{"SEX", "O"}}, N: 20, Primary: true},
	}
	got := Suppress(dims, cells)
	want := map[string]string{"SEX=O": Primary, "SEX=M": Secondary} // M and F tie: M is first
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// The total, with one cell: the cell equals the total, so both go.
	got = Suppress(dims, []Cell{{N: 10, Primary: true}, {At: []Coord{{"SEX", "F"}}, N: 10, Primary: true}})
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
	// Nothing primary: nothing suppressed.
	if got := Suppress(dims, cells[:3]); len(got) != 0 {
		t.Fatalf("got %v", got)
	}
	// The margin is a candidate too, when it is the smallest other cell.
	got = Suppress(dims, []Cell{{N: 30}, {At: []Coord{{"SEX", "M"}}, N: 10, Primary: true}, {At: []Coord{{"SEX", "F"}}, N: 20, Primary: true}})
	if len(got) != 2 || got[""] != "" {
		t.Fatalf("two primary cells need nothing more, got %v", got)
	}
}

// TestSuppressNothingRecoverable draws many random surveys of three dimensions and checks
// that differencing over every one- and two-dimension table recovers no suppressed cell,
// that every partition holds none or at least two, and that the order of the cells does not
// change the answer.
func TestSuppressNothingRecoverable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dims := []Dimension{
		{ID: "A", Codes: []string{"1", "2", "3", "4"}},
		{ID: "B", Codes: []string{"x", "y"}},
		{ID: "C", Codes: []string{"p", "q", "r", "s", "t"}},
	}
	totalSuppressed, totalSecondary, tried, withoutSecondary := 0, 0, 0, 0
	for round := 0; round < 300; round++ {
		n := 20 + rng.IntN(600)
		units := make([][]string, n)
		for i := range units {
			u := make([]string, len(dims))
			for j, d := range dims {
				// Skewed codes, so that small cells are common.
				k := int(float64(len(d.Codes)) * rng.Float64() * rng.Float64())
				u[j] = d.Codes[k]
			}
			units[i] = u
		}
		cells := table(dims, units, 25)
		got := Suppress(dims, cells)
		for _, why := range got {
			totalSuppressed++
			if why == Secondary {
				totalSecondary++
			}
		}
		tried += len(got)
		primaryOnly := map[string]string{}
		for k, why := range got {
			if why == Primary {
				primaryOnly[k] = why
			}
		}
		withoutSecondary += len(recoverable(dims, cells, primaryOnly))
		if r := recoverable(dims, cells, got); len(r) > 0 {
			t.Fatalf("round %d: %d cells recoverable by differencing: %v", round, len(r), r)
		}
		for i := range cells { // primary cells stay suppressed as primary
			if cells[i].Primary && got[Key(cells[i].At)] != Primary {
				t.Fatalf("round %d: primary cell %v is %q", round, cells[i].At, got[Key(cells[i].At)])
			}
		}
		shuffled := append([]Cell{}, cells...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		// The same cells, the dimensions of each cell listed the other way round.
		for i := range shuffled {
			at := append([]Coord{}, shuffled[i].At...)
			for a, b := 0, len(at)-1; a < b; a, b = a+1, b-1 {
				at[a], at[b] = at[b], at[a]
			}
			shuffled[i].At = at
		}
		if again := Suppress(dims, shuffled); fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("round %d: another order of the cells suppresses differently:\n%v\n%v", round, got, again)
		}
	}
	if totalSecondary == 0 || totalSuppressed == 0 {
		t.Fatalf("the random tables never needed secondary suppression (%d suppressed)", totalSuppressed)
	}
	if withoutSecondary == 0 {
		t.Fatal("the attack recovers nothing even from primary suppression alone: it proves nothing")
	}
	t.Logf("%d suppressed cells (%d secondary) over 300 random surveys: 0 recoverable (%d with primary suppression alone)", tried, totalSecondary, withoutSecondary)
}

func TestKey(t *testing.T) {
	a := Key([]Coord{{"SEX", "F"}, {"AGE", "Y15T24"}})
	b := KeyOf([]string{"AGE", "SEX"}, []string{"Y15T24", "F"})
	if a != b {
		t.Fatalf("%q != %q", a, b)
	}
	if KeyOf([]string{"SEX", "AGE"}, []string{"F", Total}) != Key([]Coord{{"SEX", "F"}}) {
		t.Fatal("a margin code is part of the key")
	}
	if Key(nil) != "" || KeyOf([]string{"SEX"}, []string{Total}) != "" {
		t.Fatal("the total's key is not empty")
	}
}
