package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// runWorkers runs fn(ctx, i) for i in 0..n-1 concurrently and returns the first error; the
// first error cancels the others' context.
func runWorkers(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}(i)
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// pushItem is the part of a push receipt the bench reads.
type pushItem struct {
	ID      string `json:"id"`
	Outcome string `json:"outcome"`
	Status  string `json:"status"`
	Record  string `json:"record"`
}

type pushAnswer struct {
	Results []pushItem     `json:"results"`
	Counts  map[string]int `json:"counts"`
}

// pushStats is what one push run did.
type pushStats struct {
	households int
	elapsed    time.Duration
	outcomes   map[string]int
	statuses   map[string]int
	byClient   [][]pushItem // created items by client (when kept)
	sentBy     [][]batch    // the batches each client sent (when kept)
}

func (p pushStats) perSecond() float64 { return float64(p.households) / p.elapsed.Seconds() }

// pushAll sends the batches from ch with one client per token (client i signs in as
// enumerator i), each with one request in flight, and times from the first request to the
// last answer. keep keeps the created receipts by client.
func pushAll(ctx context.Context, c *client, tokens []string, ch <-chan batch, keep bool) (pushStats, error) {
	st := pushStats{outcomes: map[string]int{}, statuses: map[string]int{}, byClient: make([][]pushItem, len(tokens)), sentBy: make([][]batch, len(tokens))}
	var mu sync.Mutex
	start := time.Now()
	err := runWorkers(ctx, len(tokens), func(ctx context.Context, i int) error {
		for {
			var b batch
			var ok bool
			select {
			case b, ok = <-ch:
			case <-ctx.Done():
				return ctx.Err()
			}
			if !ok {
				return nil
			}
			var ans pushAnswer
			if err := c.do(ctx, "POST", "/api/sync/push", tokens[i], b.body, &ans); err != nil {
				return err
			}
			if len(ans.Results) != b.n {
				return fmt.Errorf("push: %d results for %d submissions", len(ans.Results), b.n)
			}
			mu.Lock()
			st.households += b.n
			if keep {
				st.sentBy[i] = append(st.sentBy[i], b)
			}
			for _, r := range ans.Results {
				st.outcomes[r.Outcome]++
				st.statuses[r.Status]++
				if keep && r.Outcome == "created" {
					st.byClient[i] = append(st.byClient[i], r)
				}
			}
			mu.Unlock()
		}
	})
	st.elapsed = time.Since(start)
	return st, err
}

// pushPrepared pushes batches built before the clock starts (nothing is generated meanwhile).
func pushPrepared(ctx context.Context, c *client, tokens []string, bs []batch, keep bool) (pushStats, error) {
	ch := make(chan batch, len(bs))
	for _, b := range bs {
		ch <- b
	}
	close(ch)
	return pushAll(ctx, c, tokens, ch, keep)
}

// resendAll has client i send again, `repeats` times, a batch it sent itself (sentBy[i]):
// every item must come back `exists`. Only the enumerator's own submissions answer for an
// id, so another client's batch would be new households flagged as reused ids. It returns
// submissions/s.
func resendAll(ctx context.Context, c *client, tokens []string, sentBy [][]batch, repeats int) (float64, error) {
	var mu sync.Mutex
	total := 0
	start := time.Now()
	err := runWorkers(ctx, len(tokens), func(ctx context.Context, i int) error {
		if len(sentBy[i]) == 0 {
			return nil // this client took no batch in the first run: nothing of its own to resend
		}
		b := sentBy[i][0]
		for k := 0; k < repeats; k++ {
			var ans struct {
				Counts map[string]int `json:"counts"`
			}
			status, body, err := c.raw(ctx, "POST", "/api/sync/push", tokens[i], b.body)
			if err != nil {
				return err
			}
			if status != 200 {
				return fmt.Errorf("resend: HTTP %d: %.300s", status, body)
			}
			if err := json.Unmarshal(body, &ans); err != nil {
				return fmt.Errorf("resend: %w", err)
			}
			if ans.Counts["exists"] != b.n {
				return fmt.Errorf("resend: %v for %d submissions already received (want all exists)", ans.Counts, b.n)
			}
			mu.Lock()
			total += b.n
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return float64(total) / time.Since(start).Seconds(), nil
}
