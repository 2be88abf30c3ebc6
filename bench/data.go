package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"fieldbase/synth"
)

// households streams synthetic mhs households (valid ones only: no invalid items, no
// duplicates, ~5 members each) as JSON envelopes. Generation runs ahead of the reader by a
// small buffer only, so it does not compete for the CPU while a timed run sends.
type households struct {
	ch     chan []byte
	err    error // set before ch is closed
	cancel context.CancelFunc
	taken  int
}

func newHouseholds(ctx context.Context, seed int64, total, enumerators int) *households {
	ctx, cancel := context.WithCancel(ctx)
	h := &households{ch: make(chan []byte, 256), cancel: cancel}
	go func() {
		defer close(h.ch)
		opt := synth.Options{Households: total, Seed: seed, Enumerators: enumerators, Today: time.Now()}
		h.err = synth.Generate(opt, func(it synth.Item) error {
			raw, err := json.Marshal(it.Envelope)
			if err != nil {
				return err
			}
			select {
			case h.ch <- raw:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return h
}

func (h *households) close() { h.cancel() }

// take returns the next n households.
func (h *households) take(n int) ([][]byte, error) {
	out := make([][]byte, 0, n)
	for len(out) < n {
		raw, ok := <-h.ch
		if !ok {
			if h.err != nil && !errors.Is(h.err, context.Canceled) {
				return nil, fmt.Errorf("synthetic households: %w", h.err)
			}
			return nil, fmt.Errorf("synthetic households: only %d generated, %d more wanted", h.taken, n-len(out))
		}
		out = append(out, raw)
		h.taken++
	}
	return out, nil
}

// pushBody is a POST /api/sync/push body of the given envelopes.
func pushBody(device string, envelopes [][]byte) []byte {
	size := 80
	for _, e := range envelopes {
		size += len(e) + 1
	}
	var b bytes.Buffer
	b.Grow(size)
	fmt.Fprintf(&b, `{"device_id":%q,"app_version":"fieldbase-bench","submissions":[`, device)
	for i, e := range envelopes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(e)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// batch is one push body of n households.
type batch struct {
	body []byte
	n    int
}

// batches cuts envelopes into push bodies of at most size households.
func batches(envelopes [][]byte, size int) []batch {
	var out []batch
	for i := 0; i < len(envelopes); i += size {
		j := min(i+size, len(envelopes))
		out = append(out, batch{body: pushBody("bench-device", envelopes[i:j]), n: j - i})
	}
	return out
}
