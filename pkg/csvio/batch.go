package csvio

import (
	"context"
	"io"
	"sync"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Batch is a run of records read ahead by Each. Record i is Fields[Starts[i]:Starts[i+1]] and
// starts on physical line Lines[i].
type Batch struct {
	Fields []string
	Starts []int
	Lines  []int
}

// Len returns the number of records in b.
func (b *Batch) Len() int { return len(b.Lines) }

// Record returns record i.
func (b *Batch) Record(i int) []string { return b.Fields[b.Starts[i]:b.Starts[i+1]] }

func (b *Batch) reset() {
	b.Fields = b.Fields[:0]
	b.Starts = append(b.Starts[:0], 0)
	b.Lines = b.Lines[:0]
}

const batchRows = 1024

// Each reads every remaining record of r and calls fn for each, in order. Parsing runs on its
// own goroutine, a batch ahead of fn, so a file is parsed on one core while it is checked on
// another. fn returning an error stops the read. Problems the reader reports may arrive on the
// parsing goroutine: rep must be safe for concurrent use (see SyncReporter).
func Each(ctx context.Context, r *Reader, fn func(rec []string, line int) error) error {
	return EachPre(ctx, r, nil, fn)
}

// EachPre is Each with pre, which runs on the parsing goroutine for every record before it is
// handed to fn and may change it (return the record to keep). It is for the stateless part of
// the checks, so the two goroutines share the work; it must be safe to run concurrently with fn.
func EachPre(ctx context.Context, r *Reader, pre func(rec []string, line int) []string, fn func(rec []string, line int) error) error {
	if r.done {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan *Batch, 2)
	free := make(chan *Batch, 4)
	for range 3 {
		b := &Batch{}
		b.reset()
		free <- b
	}
	var readErr error
	go func() {
		defer close(full)
		for {
			var b *Batch
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.reset()
			for b.Len() < batchRows {
				rec, line, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					readErr = err
					break
				}
				if pre != nil {
					rec = pre(rec, line)
				}
				b.Fields = append(b.Fields, rec...)
				b.Starts = append(b.Starts, len(b.Fields))
				b.Lines = append(b.Lines, line)
			}
			if b.Len() == 0 {
				return
			}
			select {
			case full <- b:
			case <-ctx.Done():
				return
			}
			if readErr != nil || b.Len() < batchRows {
				return
			}
		}
	}()
	for b := range full {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range b.Lines {
			if err := fn(b.Record(i), b.Lines[i]); err != nil {
				cancel()
				for range full {
				}
				return err
			}
		}
		free <- b
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return readErr
}

// SyncReporter makes a Reporter safe for concurrent use.
type SyncReporter struct {
	mu  sync.Mutex
	rep roster.Reporter
}

// NewSyncReporter wraps rep.
func NewSyncReporter(rep roster.Reporter) *SyncReporter { return &SyncReporter{rep: rep} }

// Report forwards p under a lock.
func (s *SyncReporter) Report(p roster.Problem) {
	s.mu.Lock()
	s.rep.Report(p)
	s.mu.Unlock()
}
