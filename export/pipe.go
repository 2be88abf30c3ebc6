package export

import (
	"io"
	"sync"
)

// The households' pass compresses three files at once (households.csv and the repeats'
// spools). A pipe runs that compression (deflate, CRC-32) in a goroutine of its own, so the
// reading of the answers and the writing of CSV cells go on meanwhile: with the database
// read ahead in another goroutine, the export then keeps both cores busy. Memory stays that
// of pipeBuffers buffers.
type pipe struct {
	jobs chan pipeJob
	free chan []byte
	done chan struct{}
	mu   sync.Mutex
	err  error // the first write that failed; later buffers are dropped
}

type pipeJob struct {
	w   io.Writer
	b   []byte
	ack chan error // a barrier: answered once every earlier job is written
}

const (
	pipeBuffers = 6
	csvBufSize  = 64 << 10 // a CSV writer's buffer is handed on once this full
)

func newPipe() *pipe {
	p := &pipe{jobs: make(chan pipeJob, pipeBuffers+4), free: make(chan []byte, pipeBuffers), done: make(chan struct{})}
	for range pipeBuffers {
		p.free <- make([]byte, 0, csvBufSize+8<<10)
	}
	go p.run()
	return p
}

func (p *pipe) run() {
	defer close(p.done)
	for j := range p.jobs {
		if j.b != nil {
			if p.failed() == nil {
				if _, err := j.w.Write(j.b); err != nil {
					p.mu.Lock()
					p.err = err
					p.mu.Unlock()
				}
			}
			p.free <- j.b[:0] // never blocks: the pool's buffers are either here or in jobs
		}
		if j.ack != nil {
			j.ack <- p.failed()
		}
	}
}

func (p *pipe) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// close ends the goroutine once it has written what it was given.
func (p *pipe) close() {
	close(p.jobs)
	<-p.done
}

// sink is where a CSV writer's full buffers go: written at once (syncSink) or by a pipe.
type sink interface {
	// write takes b and returns an empty buffer to fill next.
	write(b []byte) ([]byte, error)
	// flush returns once everything given is written.
	flush() error
}

type syncSink struct{ w io.Writer }

func (s syncSink) write(b []byte) ([]byte, error) {
	_, err := s.w.Write(b)
	return b[:0], err
}

func (syncSink) flush() error { return nil }

// pipeSink hands a writer's buffers to a pipe, which writes them to w in order.
type pipeSink struct {
	p   *pipe
	w   io.Writer
	ack chan error
}

func (p *pipe) sink(w io.Writer) *pipeSink { return &pipeSink{p: p, w: w, ack: make(chan error, 1)} }

func (s *pipeSink) write(b []byte) ([]byte, error) {
	if err := s.p.failed(); err != nil {
		return b[:0], err
	}
	s.p.jobs <- pipeJob{w: s.w, b: b}
	return <-s.p.free, nil
}

func (s *pipeSink) flush() error {
	s.p.jobs <- pipeJob{ack: s.ack}
	return <-s.ack
}
