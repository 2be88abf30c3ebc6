package store

import (
	"context"
	"sync"
	"time"
)

// Gathering. ODK Collect sends one household per request and waits for the answer, so with
// a few tablets sending at once the group commit sees their Writes one or two at a time:
// each commit then writes the ~20 pages a household touches, and pays a commit's fixed cost,
// for one household. A request announces its Write when it starts preparing it (Coming); a
// leader that has the writer connection while Writes are still coming waits for them, at
// most GatherMax, so that their households share its commit and its WAL sync. A lone
// request (nothing coming) is not held back at all.

// DefaultGatherMax is how long a leader waits at most for Writes still coming: about what
// preparing one household takes, far below a disk sync.
const DefaultGatherMax = 400 * time.Microsecond

type comingKey struct{}

// coming is one announced Write, taken back once: by the Write when it is queued, or by
// the request giving up on it.
type coming struct {
	s    *Store
	once sync.Once
}

// Coming announces that the request of ctx will Write soon (its household is being parsed
// and validated): a leader may hold its group back a little for it. Pass the returned
// context to the Write; call release when done with it (after the Write, or when the
// request turns out to write nothing): the announcement is taken back once.
func (s *Store) Coming(ctx context.Context) (context.Context, func()) {
	if _, ok := ctx.Value(comingKey{}).(*coming); ok {
		return ctx, func() {} // announced already (by the handler, before reading the body)
	}
	c := &coming{s: s}
	s.coming.Add(1)
	return context.WithValue(ctx, comingKey{}, c), c.arrived
}

// arrived takes the announcement back and wakes a gathering leader.
func (c *coming) arrived() {
	c.once.Do(func() {
		c.s.coming.Add(-1)
		select {
		case c.s.gatherWake <- struct{}{}:
		default:
		}
	})
}

// gather waits while Writes are coming, at most GatherMax.
func (s *Store) gather() {
	if s.coming.Load() <= 0 || s.GatherMax <= 0 {
		return
	}
	t := time.NewTimer(s.GatherMax)
	defer t.Stop()
	for s.coming.Load() > 0 {
		select {
		case <-s.gatherWake:
		case <-t.C:
			return
		}
	}
}
