package export

import (
	"archive/zip"
	"fmt"
	"runtime"
)

// reviewsAhead writes reviews.csv while the households are read: the audit trail is a second
// query over the exported households, and in a goroutine of its own it runs on the core the
// households' pass leaves (the database reads ahead of it, see readAhead). Its rows wait,
// compressed, in a spool, and go into the ZIP after the repeats' files, where reviews.csv
// has always been. It reports its progress once, when it is done.
type reviewsAhead struct {
	x    *writer
	t    *table
	sp   *spool
	stop chan struct{}
	done chan error
}

// startReviews starts reviews.csv ahead, or returns nil where it is written in turn: a
// Parquet export, or a single core.
func (x *writer) startReviews(t *table) (*reviewsAhead, error) {
	if x.opt.Format == FormatParquet || runtime.GOMAXPROCS(0) < 2 {
		return nil, nil
	}
	sp, err := newSpool(x.opt.TempDir, zip.Deflate)
	if err != nil {
		return nil, fmt.Errorf("export: %s: %w", t.file(), err)
	}
	cw, end, err := x.csvWriter(sp, t) // before the households' pass: written at once, not piped
	if err != nil {
		sp.close()
		return nil, fmt.Errorf("export: %s: %w", t.file(), err)
	}
	ra := &reviewsAhead{x: x, t: t, sp: sp, stop: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		var cells []string
		err := x.source.Reviews(func(r *Review) error {
			select {
			case <-ra.stop:
				return errStopped
			default:
			}
			cells = x.reviewCells(cells[:0], r)
			t.rows++
			return cw.Write(cells)
		})
		if err == nil {
			err = end()
		}
		ra.done <- err
	}()
	return ra, nil
}

// finish waits for reviews.csv and adds it to the ZIP.
func (ra *reviewsAhead) finish() error {
	x, t := ra.x, ra.t
	err := <-ra.done
	ra.done = nil
	if err == nil {
		err = ra.sp.copyTo(x.zw, &zip.FileHeader{Name: t.file(), Modified: x.now})
	}
	x.m.Counts[t.file()] = t.rows
	if err != nil {
		return fmt.Errorf("export: %s: %w", t.file(), err)
	}
	x.progress(t, true)
	x.m.Files = append(x.m.Files, t.file())
	return nil
}

// close stops the goroutine if the export ended before finish, and drops the spool.
func (ra *reviewsAhead) close() {
	if ra == nil {
		return
	}
	if ra.done != nil {
		close(ra.stop)
		<-ra.done // the export has already failed; its own error is the one returned
	}
	ra.sp.close()
}
