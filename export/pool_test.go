package export

import (
	"reflect"
	"testing"
)

func TestPool(t *testing.T) {
	v2 := &Schema{FormID: "s", Version: 2, Repeats: []string{"kids"}, Rounds: map[int]string{2: "2027"},
		Fields: []Field{{Name: "a"}, {Name: "c", Sensitive: false}, {Name: "age", Repeat: "kids"}},
		Lists:  map[string][]Choice{"yn": {{Name: "yes"}, {Name: "no"}}}}
	v1 := &Schema{FormID: "s", Version: 1, Repeats: []string{"kids", "pets"}, Rounds: map[int]string{1: "2026"},
		Fields: []Field{{Name: "a"}, {Name: "b"}, {Name: "c", Sensitive: true}, {Name: "age", Repeat: "pets"}},
		Lists:  map[string][]Choice{"yn": {{Name: "yes"}, {Name: "dk"}}, "old": {{Name: "x"}}}}
	p := Pool(v2, v1)
	want := []Field{{Name: "a"}, {Name: "c", Sensitive: true}, {Name: "age", Repeat: "kids"}, {Name: "b"}, {Name: "age", Repeat: "pets"}}
	if p.Version != 2 || !reflect.DeepEqual(p.Fields, want) || !reflect.DeepEqual(p.Repeats, []string{"kids", "pets"}) {
		t.Fatalf("pooled: v%d %+v %v", p.Version, p.Fields, p.Repeats)
	}
	if !reflect.DeepEqual(p.Lists["yn"], []Choice{{Name: "yes"}, {Name: "no"}, {Name: "dk"}}) || len(p.Lists["old"]) != 1 {
		t.Fatalf("lists: %v", p.Lists)
	}
	if !reflect.DeepEqual(p.Rounds, map[int]string{1: "2026", 2: "2027"}) {
		t.Fatalf("rounds: %v", p.Rounds)
	}
	if !reflect.DeepEqual(Pool(v2).Fields, v2.Fields) {
		t.Fatal("one version is its own schema")
	}
}
