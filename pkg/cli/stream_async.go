package cli

import (
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// asyncStream hands what a reader sends on to a streaming writer running on a goroutine of its
// own, so that writing the output overlaps reading and checking the input: a reader keeps both
// cores busy when it only checks (parsing on one, the checks that need the ID tables on the
// other), and a conversion adds the writer's work to the second. Entities are copied into a
// batch's roster.Arena (their strings are borrowed) and sent a batch at a time, in order, delta
// marks among them (a batch is sent after asyncBatchLen calls, or sooner once its copies take
// asyncBatchBytes); two batches are filled while the writer works on a third, so memory does
// not grow with the input, nor with the length of its rows. The writer's first error (format.ErrStreamOrder among them) is
// returned by the next call after it, and by wait.
type asyncStream struct {
	w          format.Stream
	cur        *asyncBatch
	full, free chan *asyncBatch
	done       chan struct{}
	stop       sync.Once

	stopped  atomic.Bool // the writer failed or panicked: err or panicked is set
	mu       sync.Mutex
	err      error
	panicked *csvio.Panic
}

// asyncBatch is a run of calls to pass on: ops in order, each naming its entity by kind and
// index in that kind's slice.
type asyncBatch struct {
	ops          []asyncOp
	arena        roster.Arena
	orgs         []roster.Org
	sessions     []roster.AcademicSession
	courses      []roster.Course
	classes      []roster.Class
	users        []roster.User
	demographics []roster.Demographics
	enrollments  []roster.Enrollment
	marks        []roster.Kind
}

type asyncOp struct {
	kind uint8 // an index in roster.Kinds, or opMark
	at   int32
}

const (
	opMark        = 255 // a delta mark: at is an index in marks
	asyncBatchLen = 512 // calls a batch
	// asyncBatchBytes is the most a batch's copies take before it is sent (a roster row is a
	// few hundred bytes; the reader allows a megabyte).
	asyncBatchBytes = 4 << 20
)

func newAsyncStream(w format.Stream) *asyncStream {
	s := &asyncStream{w: w, full: make(chan *asyncBatch, 1), free: make(chan *asyncBatch, 3), done: make(chan struct{})}
	for range 3 {
		s.free <- &asyncBatch{}
	}
	s.cur = <-s.free
	go s.run()
	return s
}

// run passes each batch on to the writer, until the channel closes or the writer fails.
func (s *asyncStream) run() {
	defer close(s.done)
	defer func() {
		// A panic here would end the process past every recover: it is raised again on the
		// caller's goroutine by wait.
		if v := recover(); v != nil {
			s.mu.Lock()
			s.panicked = &csvio.Panic{Value: v, Stack: debug.Stack()}
			s.mu.Unlock()
			s.stopped.Store(true)
			for b := range s.full {
				b.reset()
				s.free <- b
			}
		}
	}()
	for b := range s.full {
		if !s.stopped.Load() {
			if err := s.pass(b); err != nil {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
				s.stopped.Store(true)
			}
		}
		b.reset()
		s.free <- b
	}
}

// pass makes the batch's calls on the writer.
func (s *asyncStream) pass(b *asyncBatch) error {
	for _, op := range b.ops {
		var err error
		switch op.kind {
		case opMark:
			s.w.MarkDelta(b.marks[op.at])
		case iOrg:
			err = s.w.Org(&b.orgs[op.at])
		case iSession:
			err = s.w.AcademicSession(&b.sessions[op.at])
		case iCourse:
			err = s.w.Course(&b.courses[op.at])
		case iClass:
			err = s.w.Class(&b.classes[op.at])
		case iUser:
			err = s.w.User(&b.users[op.at])
		case iDemographics:
			err = s.w.Demographics(&b.demographics[op.at])
		case iEnrollment:
			err = s.w.Enrollment(&b.enrollments[op.at])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *asyncBatch) reset() {
	b.ops = b.ops[:0]
	b.arena.Reset()
	b.orgs, b.sessions, b.courses, b.classes = reuse(b.orgs), reuse(b.sessions), reuse(b.courses), reuse(b.classes)
	b.users, b.demographics, b.enrollments, b.marks = reuse(b.users), reuse(b.demographics), reuse(b.enrollments), b.marks[:0]
}

// reuse empties s for the next batch, clearing what it held so that nothing of an old batch
// (a list, metadata) is kept alive.
func reuse[T any](s []T) []T {
	clear(s)
	return s[:0]
}

// failed returns the writer's error, or errWriterPanicked for a panic (wait raises it again).
func (s *asyncStream) failed() error {
	if !s.stopped.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.panicked != nil {
		return errWriterPanicked
	}
	return s.err
}

// errWriterPanicked stops a read whose writer panicked; wait raises the panic.
var errWriterPanicked = errors.New("the writer stopped")

// add records op and sends the batch once it is full.
func (s *asyncStream) add(kind uint8, at int) error {
	s.cur.ops = append(s.cur.ops, asyncOp{kind: kind, at: int32(at)})
	if len(s.cur.ops) >= asyncBatchLen || s.cur.arena.Held() >= asyncBatchBytes {
		s.full <- s.cur
		s.cur = <-s.free
	}
	return s.failed()
}

func (s *asyncStream) MarkDelta(k roster.Kind) {
	s.cur.marks = append(s.cur.marks, k)
	_ = s.add(opMark, len(s.cur.marks)-1) // an error is returned by the next entity, or wait
}

func (s *asyncStream) Org(v *roster.Org) error {
	return put(s, &s.cur.orgs, s.cur.arena.Org(v), iOrg)
}

func (s *asyncStream) AcademicSession(v *roster.AcademicSession) error {
	return put(s, &s.cur.sessions, s.cur.arena.AcademicSession(v), iSession)
}

func (s *asyncStream) Course(v *roster.Course) error {
	return put(s, &s.cur.courses, s.cur.arena.Course(v), iCourse)
}

func (s *asyncStream) Class(v *roster.Class) error {
	return put(s, &s.cur.classes, s.cur.arena.Class(v), iClass)
}

func (s *asyncStream) User(v *roster.User) error {
	return put(s, &s.cur.users, s.cur.arena.User(v), iUser)
}

func (s *asyncStream) Demographics(v *roster.Demographics) error {
	return put(s, &s.cur.demographics, s.cur.arena.Demographics(v), iDemographics)
}

func (s *asyncStream) Enrollment(v *roster.Enrollment) error {
	return put(s, &s.cur.enrollments, s.cur.arena.Enrollment(v), iEnrollment)
}

// put appends the copy c to list, a slice of the current batch, and records its call.
func put[T any](s *asyncStream, list *[]T, c T, kind uint8) error {
	*list = append(*list, c)
	return s.add(kind, len(*list)-1)
}

// wait passes on what is left, waits for the writer to take it all and returns its first
// error; a panic of the writer is raised again here. Every path of a conversion calls it once
// the read is over, before End or instead of it; later calls return the same.
func (s *asyncStream) wait() error {
	s.close()
	s.mu.Lock()
	p, err := s.panicked, s.err
	s.mu.Unlock()
	if p != nil {
		panic(p)
	}
	return err
}

// close passes on what is left and waits for the writer to finish, raising nothing: deferred
// by the caller, so that the writer has stopped before the folders it writes in are removed,
// whatever way the read ended (a reader's panic among them).
func (s *asyncStream) close() {
	s.stop.Do(func() {
		if len(s.cur.ops) > 0 {
			s.full <- s.cur
		}
		close(s.full)
	})
	<-s.done
}

// End ends the writer, once every call made was passed on.
func (s *asyncStream) End(count func(roster.Kind) int) error {
	if err := s.wait(); err != nil {
		return err
	}
	return s.w.End(count)
}
