package csvio

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"unsafe"

	"github.com/rostersync/rostersync/pkg/roster"
)

// batch is a run of records read ahead by Each. Record i is fields[starts[i]:ends[i]], starts
// on physical line lines[i], and passed pre's checks if ok[i].
type batch struct {
	fields       []string
	starts, ends []int
	lines        []int
	ok           []bool
	checked      bool     // pre runs on the records as they are parsed (else before fn has each)
	blocks       []*block // the blocks the records' strings point into, counted once each
	bytes        int      // the size of those blocks, and of the records' cells (a string header each)
}

func (b *batch) len() int { return len(b.lines) }

// full tells whether b has taken its share of memory: batchRows records, or batchBytes counting
// both the blocks its records point into and its cells' string headers (16 bytes each, which
// a row of empty cells takes 16 times its size on disk).
func (b *batch) full() bool { return b.len() >= batchRows || b.bytes >= batchBytes }

// record returns record i, with no spare capacity: a pre that appends to it gets a new slice
// instead of writing over the next record.
func (b *batch) record(i int) []string { return b.fields[b.starts[i]:b.ends[i]:b.ends[i]] }

// reset empties b, letting go of its blocks (on the parsing goroutine, which counts them).
func (b *batch) reset() {
	for _, blk := range b.blocks {
		blk.refs--
	}
	clear(b.blocks)
	b.blocks, b.bytes = b.blocks[:0], 0
	b.fields = b.fields[:0]
	b.starts = b.starts[:0]
	b.ends = b.ends[:0]
	b.lines = b.lines[:0]
	b.ok = b.ok[:0]
	b.checked = false
}

// add parses the next record into b. It returns io.EOF at the end.
func (b *batch) add(r *Reader) error {
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
		b.bytes += len(cur.buf)
	}
	b.bytes += (len(fields) - n0) * cellSize
	b.starts = append(b.starts, n0)
	b.ends = append(b.ends, len(fields))
	b.lines = append(b.lines, line)
	b.ok = append(b.ok, true)
	return nil
}

// check runs pre on record i of b, keeping what it returns.
func (b *batch) check(pre Pre, i int) {
	rec := b.record(i)
	out, ok := pre(rec, b.lines[i])
	b.ok[i] = ok
	if len(out) <= len(rec) {
		copy(rec, out) // a no-op when pre changed rec in place or cut it short
		b.ends[i] = b.starts[i] + len(out)
		return
	}
	b.starts[i] = len(b.fields)
	b.fields = append(b.fields, out...)
	b.ends[i] = len(b.fields)
	b.bytes += len(out) * cellSize
}

// A batch ends at batchRows records, or sooner once the blocks its records point into and
// their cells take batchBytes: roster rows are a few hundred bytes, but a record may take a
// megabyte, or hold 10,000 cells (a string header of 16 bytes each for a byte of the file, a
// comma), and the batches in flight must not hold thousands of those.
const (
	batchRows  = 1024
	batchBytes = 8 << 20
	cellSize   = int(unsafe.Sizeof(""))
)

// Pre checks one record without state shared with other records. It may change the record and
// returns the one to keep, and whether it passed.
type Pre func(rec []string, line int) ([]string, bool)

// Each reads every remaining record of r and calls fn for each, in order. Parsing runs on its
// own goroutine, a batch ahead of fn, so a file is parsed on one core while it is checked on
// another. fn returning an error stops the read. The record's strings share a block of the
// file: fn must Clone the ones it keeps, or it keeps the whole block alive. Problems the reader
// reports may arrive on the parsing goroutine: rep must be safe for concurrent use (see
// SyncReporter).
func Each(ctx context.Context, r *Reader, fn func(rec []string, line int) error) error {
	return EachPre(ctx, r, nil, func(rec []string, line int, _ bool) error { return fn(rec, line) })
}

// EachPre is Each with pre, which runs on every record before fn gets it, with pre's verdict.
// pre is for the stateless part of the checks: it runs on whichever goroutine has time for it
// (the parsing one while fn has records waiting, else fn's own, before fn), so the two cores
// share the work however it divides; it must be safe to run concurrently with fn.
func EachPre(ctx context.Context, r *Reader, pre Pre, fn func(rec []string, line int, ok bool) error) error {
	return EachPreBatch(ctx, r, pre, fn, nil)
}

// EachPreBatch is EachPre with flush, which runs on fn's goroutine after fn has had each run of
// up to 1024 records, while the strings fn was given are still valid: a caller can queue work
// per record (lookups in a table too big for the cache) and do it a run at a time, when the
// lookups do not wait on each other. An error from flush stops the read as fn's does.
func EachPreBatch(ctx context.Context, r *Reader, pre Pre, fn func(rec []string, line int, ok bool) error, flush func() error) error {
	if r.done {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan *batch, 2)
	free := make(chan *batch, 4)
	for range 4 {
		b := &batch{}
		b.reset()
		free <- b
	}
	var readErr error
	var panicked *Panic
	go func() {
		defer close(full)
		defer func() {
			// A panic here would end the process past every recover: it is raised again on the
			// caller's goroutine once full is closed.
			if v := recover(); v != nil {
				panicked = &Panic{Value: v, Stack: debug.Stack()}
			}
		}()
		for {
			var b *batch
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.reset()
			// fn has work waiting: this batch's records are checked here, each as soon as it
			// is parsed, while its bytes are still in this core's cache.
			b.checked = pre == nil || len(full) > 0
			end := false
			for !b.full() {
				if err := b.add(r); err != nil {
					if err != io.EOF {
						readErr = err
					}
					end = true
					break
				}
				if pre != nil && b.checked {
					b.check(pre, b.len()-1)
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
			if end {
				return
			}
		}
	}()
	// stop ends the read early: the parser is told to stop and waited for, so that it no longer
	// reads the file when the caller closes it.
	stop := func(err error) error {
		cancel()
		for range full {
		}
		if panicked != nil {
			panic(panicked)
		}
		return err
	}
	for b := range full {
		if err := ctx.Err(); err != nil {
			return stop(err)
		}
		for i := range b.lines {
			if !b.checked {
				b.check(pre, i) // record by record, each just before fn reads it
			}
			if err := fn(b.record(i), b.lines[i], b.ok[i]); err != nil {
				return stop(err)
			}
		}
		if flush != nil {
			if err := flush(); err != nil {
				return stop(err)
			}
		}
		free <- b
	}
	if panicked != nil {
		panic(panicked)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return readErr
}

// Panic is a panic of Each's parsing goroutine (a bug), raised again on the caller's goroutine:
// Value is what was raised and Stack the parsing goroutine's stack.
type Panic struct {
	Value any
	Stack []byte
}

func (p *Panic) String() string { return fmt.Sprint(p.Value) }

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
