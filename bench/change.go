package bench

import (
	"context"
	"fmt"
	"time"
)

// approveOne is the change before each "after a change" indicators run: one more household
// pushed by the first enumerator and approved by their supervisor through
// POST /api/review/bulk. The approved data change, so the route must take the household in
// (from facts_log, without reading the others again) and estimate afresh; a push alone
// would leave the approved households, and so the answer, as they were.
func (b *Bench) approveOne(ctx context.Context, c *client, acc *accounts, tokens []string, gen *households) error {
	got := make([][]pushItem, 1)
	if _, err := b.pushStream(ctx, c, tokens[:1], gen, 1, got); err != nil {
		return err
	}
	if len(got[0]) != 1 || got[0][0].Record == "" {
		return fmt.Errorf("change: the pushed household has no record id (%v)", got[0])
	}
	sup := acc.supervisorOf(acc.Enumerators[0])
	return reviewBulk(ctx, c, sup.Token, "approve", "", []string{got[0][0].Record})
}

// firstRead is the first indicators request after the fill: every approved household's
// facts read and decoded (what a server does once after it starts). The timed runs after it
// see the route as it runs day to day: updated with what changed, or answering from memory.
func (b *Bench) firstRead(ctx context.Context, c *client, acc *accounts) error {
	t0 := time.Now()
	status, body, err := c.raw(ctx, "GET", "/api/indicators?survey=mhs", acc.Analyst.Token, nil)
	if err != nil {
		return err
	}
	if status != 200 {
		return fmt.Errorf("GET /api/indicators: HTTP %d: %.300s", status, body)
	}
	d := time.Since(t0)
	b.logf("indicators: first read of every approved household's facts in %.2f s", d.Seconds())
	b.figure("indicators_first_read_s", d.Seconds(), "s")
	return nil
}
