package hooks_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pocketbase/dbx"
)

// TestPushLongRoster: a household's members and emigrants are written several rows to an
// INSERT (store.InsertSubmission); a roster longer than one statement takes (37 members,
// 17 emigrants) is stored whole, each row in its line with its own answers.
func TestPushLongRoster(t *testing.T) {
	s := newServer(t)
	var h map[string]any
	for _, c := range households(t, 30, 4242) {
		if e, _ := data(c)["emigrants"].([]any); len(e) > 0 && h == nil {
			h = c
		}
	}
	if h == nil {
		t.Fatal("no synthetic household with emigrants")
	}
	d := data(h)
	grow := func(key string, n int) []any {
		rows, _ := d[key].([]any)
		if len(rows) == 0 {
			t.Fatalf("the synthetic household has no %s", key)
		}
		var out []any
		for i := 0; i < n; i++ {
			var row map[string]any
			b, _ := json.Marshal(rows[i%len(rows)])
			json.Unmarshal(b, &row)
			out = append(out, row)
		}
		d[key] = out
		return out
	}
	members := grow("members", 37)
	for i, m := range members {
		m.(map[string]any)["b_age"] = 20 + i // tells the rows apart
	}
	for i, e := range grow("emigrants", 17) {
		e.(map[string]any)["d_age"] = 30 + i
	}
	code, body := s.do("POST", "/api/sync/push", "enumA1", push(h))
	if code != 200 {
		t.Fatal(body)
	}
	r := results(t, body)[0]
	if r["outcome"] != "created" {
		t.Fatalf("not created: %v", r)
	}
	var sub string
	s.App.DB().NewQuery("SELECT id FROM submissions WHERE uuid = {:u}").Bind(dbx.Params{"u": h["id"]}).Row(&sub)
	check := func(table, age string, n, first int) {
		var rows []struct {
			Line int     `db:"line"`
			Age  float64 `db:"age"`
		}
		if err := s.App.DB().NewQuery(fmt.Sprintf("SELECT line, %s AS age FROM %s WHERE submission = {:s} ORDER BY rowid", age, table)).
			Bind(dbx.Params{"s": sub}).All(&rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != n {
			t.Fatalf("%d %s stored, want %d", len(rows), table, n)
		}
		for i, row := range rows {
			if row.Age != float64(first+i) {
				t.Errorf("%s row %d: line %d, age %v (want age %d)", table, i+1, row.Line, row.Age, first+i)
			}
		}
	}
	check("members", "b_age", 37, 20)
	check("emigrants", "d_age", 17, 30)
	if n := count(t, s, "emigrants", "submission = '"+sub+"' AND line NOT BETWEEN 1 AND 17"); n != 0 {
		t.Errorf("%d emigrants with a line outside 1..17", n)
	}
}
