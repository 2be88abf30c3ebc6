package hooks_test

import (
	"context"
	"testing"
	"time"

	"fieldbase/store"
)

// A group commit about to begin waits for Writes announced as coming (a request whose
// household is being read), so that they share its commit and its disk sync; it waits for
// nothing when nothing is coming, and no longer once an announcement is taken back.
func TestGroupCommitGathersWritesComing(t *testing.T) {
	s := newServer(t)
	st, err := s.Srv.Store()
	if err != nil {
		t.Fatal(err)
	}
	db := st.DB
	db.GatherMax = 10 * time.Second // far beyond anything below: no timing can decide it
	nothing := func(*store.Tx) error { return nil }
	ctx := context.Background()

	start := time.Now()
	if err := db.Write(ctx, nothing); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a lone Write waited %s with nothing coming", d)
	}

	ctxB, arrivedB := db.Coming(ctx)
	syncs := db.Syncs()
	doneA := make(chan error, 1)
	go func() { doneA <- db.Write(ctx, nothing) }()
	select {
	case err := <-doneA:
		t.Fatalf("the group committed while a Write was coming (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := db.Write(ctxB, nothing); err != nil {
		t.Fatal(err)
	}
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	arrivedB() // taken back by the Write already: a no-op
	if n := db.Syncs() - syncs; n != 1 {
		t.Fatalf("the two Writes made %d durable commits; the one that came should have joined the other's", n)
	}

	_, arrivedC := db.Coming(ctx)
	_, arrivedC2 := db.Coming(ctx) // announced twice on one context would count once; two requests count twice
	go func() { doneA <- db.Write(ctx, nothing) }()
	time.Sleep(100 * time.Millisecond)
	arrivedC()
	arrivedC2()
	start = time.Now()
	select {
	case err := <-doneA:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the group still waited after the requests coming gave up on their Writes")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("released after %s", d)
	}
	ctxD, arrivedD := db.Coming(ctx)
	if again, noop := db.Coming(ctxD); again != ctxD {
		t.Fatal("a context announced twice was announced again")
	} else {
		noop()
	}
	arrivedD()
	start = time.Now()
	if err := db.Write(ctx, nothing); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a Write waited %s after every announcement was taken back", d)
	}
}
