package hooks_test

import (
	"encoding/json"
	"reflect"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// The record a push's create event carries is made from the row as inserted, not read back:
// it must be the record PocketBase reads from the database, field for field, for every kind
// of household (received, invalid, a conflict with its flags, one sent with ODK Collect).
func TestPushEventRecordIsTheStoredRecord(t *testing.T) {
	s := newServer(t)
	var mu sync.Mutex
	events := map[string]*core.Record{}
	s.App.OnRecordAfterCreateSuccess("submissions").BindFunc(func(e *core.RecordEvent) error {
		mu.Lock()
		events[e.Record.Id] = e.Record
		mu.Unlock()
		return e.Next()
	})

	hh := households(t, 3, 71)
	bad := clone(t, hh[1])
	data(bad)["a_hh_size"] = "many" // invalid: errors stored
	conflict := clone(t, hh[0])
	data(conflict)["a_dwelling"] = data(conflict)["a_dwelling"].(float64) + 1 // same id, other answers: a conflict with a flag
	var ids []string
	for _, env := range []map[string]any{hh[0], bad, hh[2], conflict} {
		id, _ := pushOne(t, s, "enumA1", env)
		ids = append(ids, id)
	}
	c := &orClient{t: t, s: s, base: s.URL + "/openrosa/key/" + appToken(t, s, fx.enumA1)}
	doc, instance := engineInstance(t)
	if a := c.submit(doc, nil, nil); a.status != 201 {
		t.Fatalf("OpenRosa submission: %d %s", a.status, a.body)
	}
	rec, err := s.App.FindFirstRecordByData("submissions", "uuid", instance)
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, rec.Id)

	statuses := map[string]bool{}
	for _, id := range ids {
		got := events[id]
		if got == nil {
			t.Fatalf("no create event for %s", id)
		}
		want, err := s.App.FindRecordById("submissions", id)
		if err != nil {
			t.Fatal(err)
		}
		statuses[want.GetString("status")] = true
		if want.GetString("conflict_of") != "" && len(want.GetString("flags")) > 4 {
			statuses["conflict with flags"] = true
		}
		if got.IsNew() {
			t.Errorf("%s: the event's record reads as not yet saved", id)
		}
		for _, f := range want.Collection().Fields {
			name := f.GetName()
			g, w := got.GetRaw(name), want.GetRaw(name)
			if !reflect.DeepEqual(g, w) {
				gj, _ := json.Marshal(g)
				wj, _ := json.Marshal(w)
				t.Errorf("%s: field %s is %s (%T) in the event, %s (%T) as stored", id, name, gj, g, wj, w)
			}
		}
		if !reflect.DeepEqual(got.Original().FieldsData(), want.Original().FieldsData()) {
			t.Errorf("%s: the event record's original differs from the stored record's", id)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Errorf("%s: JSON of the event record\n%s\nof the stored record\n%s", id, gj, wj)
		}
	}
	for _, st := range []string{"invalid", "conflict with flags"} {
		if !statuses[st] {
			t.Errorf("no %s household among the checked ones (statuses %v): the test lost its cases", st, statuses)
		}
	}
}
