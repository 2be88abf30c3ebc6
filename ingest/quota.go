package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Quota is what one enumerator may store in a day (UTC) beyond valid households: invalid
// submissions, and bytes of stored answers of any status (sync.md). Past it, items are
// refused with a message saying so, and the device keeps them. A zero field takes
// DefaultQuota's value; a negative one turns that limit off.
type Quota struct {
	Invalid int   // stored invalid submissions a day
	Bytes   int64 // bytes of stored answers (data and sensitive answers) a day
}

// DefaultQuota is generous for field work (an enumerator records some tens of households a
// day, a few KB each) and stops one account from filling the disk with junk.
var DefaultQuota = Quota{Invalid: 200, Bytes: 50 << 20}

func (q Quota) effective() Quota {
	if q.Invalid == 0 {
		q.Invalid = DefaultQuota.Invalid
	}
	if q.Bytes == 0 {
		q.Bytes = DefaultQuota.Bytes
	}
	return q
}

// applyQuota refuses the prepared rows past the caller's quota for today, in order, and
// drops them from rows (outs gets the refusal).
func (s *Store) applyQuota(ctx context.Context, c Caller, rows []*row, outs []Outcome) error {
	q := s.Quota.effective()
	if q.Invalid < 0 && q.Bytes < 0 {
		return nil
	}
	waiting := false
	for _, r := range rows {
		waiting = waiting || r != nil
	}
	if !waiting {
		return nil
	}
	now := s.now().UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	u, err := s.usage.of(ctx, s, c.UserID, day)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	invalid, bytes := &u.invalid, &u.bytes
	for i, r := range rows {
		if r == nil {
			continue
		}
		size := int64(len(r.dataJSON) + len(r.piiJSON))
		var why string
		switch {
		case q.Invalid >= 0 && len(r.errors) > 0 && *invalid >= q.Invalid:
			why = fmt.Sprintf("daily quota reached: %d invalid submissions stored today (at most %d); keep it, correct it or send it tomorrow, or ask a supervisor", *invalid, q.Invalid)
		case q.Bytes >= 0 && *bytes+size > q.Bytes:
			why = fmt.Sprintf("daily quota reached: %d bytes of answers stored today, this one takes %d (at most %d a day); keep it and send it tomorrow, or ask a supervisor", *bytes, size, q.Bytes)
		}
		if why != "" {
			outs[i], rows[i] = refused(r.uuid, "data", why), nil
			continue
		}
		// Counted when let through: an item that then fails or turns out a resend is
		// counted too, which errs on the side of the disk.
		*bytes += size
		if len(r.errors) > 0 {
			*invalid++
		}
	}
	return nil
}

// usageCache keeps each enumerator's use of the day in memory, read from the database once
// per enumerator and day (a sum over the day's rows on every push would cost more than the
// push).
type usageCache struct {
	mu sync.Mutex
	m  map[string]*usage
}

type usage struct {
	mu      sync.Mutex
	day     time.Time
	invalid int
	bytes   int64
}

func (c *usageCache) of(ctx context.Context, s *Store, enumerator string, day time.Time) (*usage, error) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*usage{}
	}
	u := c.m[enumerator]
	if u != nil && u.day.Equal(day) {
		c.mu.Unlock()
		return u, nil
	}
	c.mu.Unlock()
	invalid, bytes, err := s.DB.UsedToday(ctx, enumerator, DBTime(day))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if u := c.m[enumerator]; u != nil && u.day.Equal(day) {
		return u, nil // another push of the same enumerator read it meanwhile
	}
	u = &usage{day: day, invalid: invalid, bytes: bytes}
	c.m[enumerator] = u
	return u, nil
}
