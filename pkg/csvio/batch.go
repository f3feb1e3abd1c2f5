package csvio

import (
	"context"
	"io"
	"sync"

	"github.com/rostersync/rostersync/pkg/roster"
)

// batch is a run of records read ahead by Each. Record i is fields[starts[i]:ends[i]] and
// starts on physical line lines[i].
type batch struct {
	fields       []string
	starts, ends []int
	lines        []int
	blocks       []*block // the blocks the records' strings point into, counted once each
}

func (b *batch) len() int { return len(b.lines) }

func (b *batch) record(i int) []string { return b.fields[b.starts[i]:b.ends[i]] }

// reset empties b, letting go of its blocks (on the parsing goroutine, which counts them).
func (b *batch) reset() {
	for _, blk := range b.blocks {
		blk.refs--
	}
	clear(b.blocks)
	b.blocks = b.blocks[:0]
	b.fields = b.fields[:0]
	b.starts = b.starts[:0]
	b.ends = b.ends[:0]
	b.lines = b.lines[:0]
}

// add parses the next record into b and runs pre on it. It returns io.EOF at the end.
func (b *batch) add(r *Reader, pre func(rec []string, line int) []string) error {
	n0 := len(b.fields)
	fields, line, err := r.read(b.fields)
	if err != nil {
		b.fields = fields[:n0]
		return err
	}
	r.rows++
	b.fields = fields
	if cur := r.sc.cur; len(b.blocks) == 0 || b.blocks[len(b.blocks)-1] != cur {
		cur.refs++
		b.blocks = append(b.blocks, cur)
	}
	start, end := n0, len(fields)
	if pre != nil {
		rec := fields[n0:]
		out := pre(rec, line)
		switch {
		case len(out) <= len(rec):
			copy(rec, out) // a no-op when pre changed rec in place or cut it short
			end = n0 + len(out)
		default:
			start = len(b.fields)
			b.fields = append(b.fields, out...)
			end = len(b.fields)
		}
	}
	b.starts = append(b.starts, start)
	b.ends = append(b.ends, end)
	b.lines = append(b.lines, line)
	return nil
}

const batchRows = 1024

// Each reads every remaining record of r and calls fn for each, in order. Parsing runs on its
// own goroutine, a batch ahead of fn, so a file is parsed on one core while it is checked on
// another. fn returning an error stops the read. The record's strings share a block of the
// file: fn must Clone the ones it keeps, or it keeps the whole block alive. Problems the reader reports may arrive on the
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
	full := make(chan *batch, 2)
	free := make(chan *batch, 4)
	for range 3 {
		b := &batch{}
		b.reset()
		free <- b
	}
	var readErr error
	go func() {
		defer close(full)
		for {
			var b *batch
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.reset()
			for b.len() < batchRows {
				if err := b.add(r, pre); err != nil {
					if err != io.EOF {
						readErr = err
					}
					break
				}
			}
			if b.len() == 0 {
				return
			}
			select {
			case full <- b:
			case <-ctx.Done():
				return
			}
			if readErr != nil || b.len() < batchRows {
				return
			}
		}
	}()
	for b := range full {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range b.lines {
			if err := fn(b.record(i), b.lines[i]); err != nil {
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
