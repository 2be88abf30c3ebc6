package export

import (
	"errors"
	"runtime"
)

// readAhead calls fn for each household of the source, the source reading in a goroutine of
// its own a few batches ahead: the database's reading and the export's decoding and writing
// then use two cores. The batches are recycled, so memory stays that of readAheadBatches ×
// readAheadRows households.
func (x *writer) readAhead(fn func(*Household) error) error {
	if runtime.GOMAXPROCS(0) < 2 {
		return x.source.Households(fn)
	}
	full := make(chan *hhBatch, readAheadBatches)
	free := make(chan *hhBatch, readAheadBatches+1)
	for range readAheadBatches + 1 {
		free <- &hhBatch{}
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		b := <-free
		err := x.source.Households(func(h *Household) error {
			b.add(h)
			if len(b.hh) < readAheadRows && len(b.arena) < readAheadBytes {
				return nil
			}
			select {
			case full <- b:
			case <-stop:
				return errStopped
			}
			select {
			case b = <-free:
			case <-stop:
				return errStopped
			}
			b.reset()
			return nil
		})
		if err == nil && len(b.hh) > 0 {
			select {
			case full <- b:
			case <-stop:
			}
		}
		close(full)
		done <- err
	}()
	var err error
	for b := range full {
		for i := range b.hh {
			if err = fn(&b.hh[i]); err != nil {
				break
			}
		}
		if err != nil {
			break
		}
		b.reset()
		free <- b
	}
	close(stop)
	for range full { // let the reader end
	}
	if rerr := <-done; err == nil && !errors.Is(rerr, errStopped) {
		err = rerr
	}
	return err
}

const (
	readAheadBatches = 3
	readAheadRows    = 256
	readAheadBytes   = 1 << 20 // answers per batch
)

var errStopped = errors.New("export: stopped")

// hhBatch holds copies of households (the source's are valid during its call only).
type hhBatch struct {
	hh    []Household
	arena []byte // the answers' bytes
	repl  []Answer
}

func (b *hhBatch) reset() {
	b.hh, b.arena, b.repl = b.hh[:0], b.arena[:0], b.repl[:0]
}

// add copies h into the batch. A copy made before the arena grew stays in the old array,
// which nothing writes again.
func (b *hhBatch) add(h *Household) {
	c := *h
	c.Data, c.PII = b.keep(h.Data), b.keep(h.PII)
	if len(h.Replace) > 0 {
		start := len(b.repl)
		for _, a := range h.Replace {
			b.repl = append(b.repl, Answer{Field: a.Field, Value: b.keep(a.Value)})
		}
		c.Replace = b.repl[start:len(b.repl):len(b.repl)]
	} else {
		c.Replace = nil
	}
	if h.DurationS != nil {
		d := *h.DurationS
		c.DurationS = &d
	}
	b.hh = append(b.hh, c)
}

func (b *hhBatch) keep(p []byte) []byte {
	if p == nil {
		return nil
	}
	b.arena = append(b.arena, p...)
	return b.arena[len(b.arena)-len(p) : len(b.arena) : len(b.arena)]
}
