package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// recorder is a format.Stream that notes each call, in order, with the strings it was given
// (copied, as a Stream must), and can fail or panic at a given call.
type recorder struct {
	calls   []string
	failAt  int
	panicAt int
	ended   bool
}

func (r *recorder) note(s string) error {
	r.calls = append(r.calls, strings.Clone(s))
	switch len(r.calls) {
	case r.failAt:
		return format.ErrStreamOrder
	case r.panicAt:
		panic("writer bug")
	}
	return nil
}

func (r *recorder) MarkDelta(k roster.Kind) { _ = r.note("mark " + string(k)) }
func (r *recorder) Org(v *roster.Org) error { return r.note("org " + v.SourcedID + " " + v.Name) }
func (r *recorder) AcademicSession(v *roster.AcademicSession) error {
	return r.note("session " + v.SourcedID)
}
func (r *recorder) Course(v *roster.Course) error { return r.note("course " + v.SourcedID) }
func (r *recorder) Class(v *roster.Class) error {
	return r.note("class " + v.SourcedID + " " + strings.Join(v.TermIDs, ","))
}
func (r *recorder) User(v *roster.User) error {
	return r.note("user " + v.SourcedID + " " + strings.Join(v.OrgIDs, ",") + " " + v.Metadata[0].Value)
}
func (r *recorder) Demographics(v *roster.Demographics) error {
	return r.note("demographics " + v.SourcedID + " " + v.BirthDate)
}
func (r *recorder) Enrollment(v *roster.Enrollment) error {
	return r.note("enrollment " + v.SourcedID + " " + v.ClassID + " " + v.UserID)
}
func (r *recorder) End(func(roster.Kind) int) error { r.ended = true; return nil }

// sendAll sends n entities of every kind, and delta marks among them, to s as a reader does:
// each entity's strings borrowed from one buffer it overwrites after the call. It returns the
// calls the writer should see, and the first error a call returned.
func sendAll(s format.Stream, n int) ([]string, error) {
	buf := make([]byte, 0, 256)
	borrow := func(format string, a ...any) string {
		buf = fmt.Appendf(buf[:0], format, a...)
		return unsafe.String(&buf[0], len(buf))
	}
	var want []string
	var first error
	call := func(w string, err error) {
		want = append(want, w)
		for i := range buf {
			buf[i] = '#' // the reader reuses its buffer
		}
		if err != nil && first == nil {
			first = err
		}
	}
	for i := range n {
		switch i % 8 {
		case 0:
			s.MarkDelta(roster.UserKind)
			call("mark users", nil)
		case 1:
			o := roster.Org{SourcedID: borrow("o%d", i)}
			o.Name = strings.Clone(o.SourcedID) + "-name"
			call("org o"+fmt.Sprint(i)+" o"+fmt.Sprint(i)+"-name", s.Org(&o))
		case 2:
			call("session a"+fmt.Sprint(i), s.AcademicSession(&roster.AcademicSession{SourcedID: borrow("a%d", i)}))
		case 3:
			call("course c"+fmt.Sprint(i), s.Course(&roster.Course{SourcedID: borrow("c%d", i)}))
		case 4:
			id := borrow("k%d,t1,t2", i)
			call("class k"+fmt.Sprint(i)+" t1,t2", s.Class(&roster.Class{SourcedID: id[:strings.IndexByte(id, ',')], TermIDs: strings.Split(id, ",")[1:]}))
		case 5:
			id := borrow("u%d|s1|v%d", i, i)
			parts := strings.Split(id, "|")
			call(fmt.Sprintf("user u%d s1 v%d", i, i), s.User(&roster.User{SourcedID: parts[0], OrgIDs: parts[1:2], Metadata: []roster.KV{{Key: "k", Value: parts[2]}}}))
		case 6:
			id := borrow("u%d2010-01-02", i)
			call(fmt.Sprintf("demographics u%d 2010-01-02", i), s.Demographics(&roster.Demographics{SourcedID: id[:len(id)-10], BirthDate: id[len(id)-10:]}))
		case 7:
			id := borrow("e%dk1u1", i)
			call(fmt.Sprintf("enrollment e%d k1 u1", i), s.Enrollment(&roster.Enrollment{SourcedID: id[:len(id)-4], ClassID: id[len(id)-4 : len(id)-2], UserID: id[len(id)-2:]}))
		}
	}
	return want, first
}

// Every call reaches the writer, in order, with the values it was made with, though the
// sender's strings are gone after each call; End is passed on once all are.
func TestAsyncStreamPassesEveryCallInOrder(t *testing.T) {
	rec := &recorder{}
	s := newAsyncStream(rec)
	want, err := sendAll(s, 3*asyncBatchLen*3+17) // batches reused several times, and a part batch
	if err != nil {
		t.Fatal(err)
	}
	if err := s.End(func(roster.Kind) int { return 0 }); err != nil {
		t.Fatal(err)
	}
	if !rec.ended {
		t.Error("End was not passed on")
	}
	if len(rec.calls) != len(want) {
		t.Fatalf("the writer had %d calls, want %d", len(rec.calls), len(want))
	}
	for i := range want {
		if rec.calls[i] != want[i] {
			t.Fatalf("call %d = %q, want %q", i, rec.calls[i], want[i])
		}
	}
}

// The writer's error stops the sender (a later call returns it), is returned by wait, and End
// is not passed on: a conversion whose writer cannot follow the order falls back as before.
func TestAsyncStreamWriterError(t *testing.T) {
	rec := &recorder{failAt: 700}
	s := newAsyncStream(rec)
	_, sendErr := sendAll(s, 4000)
	if !errors.Is(sendErr, format.ErrStreamOrder) {
		t.Errorf("the calls after the writer failed returned %v, want its error", sendErr)
	}
	if err := s.wait(); !errors.Is(err, format.ErrStreamOrder) {
		t.Errorf("wait = %v, want the writer's error", err)
	}
	if len(rec.calls) != 700 {
		t.Errorf("the writer had %d calls, want none after the one that failed (700)", len(rec.calls))
	}
	if err := s.End(func(roster.Kind) int { return 0 }); !errors.Is(err, format.ErrStreamOrder) || rec.ended {
		t.Errorf("End = %v (passed on: %v), want the writer's error and not passed on", err, rec.ended)
	}
}

// A panic of the writer stops the sender and is raised again by wait on the caller's
// goroutine, as the reader's own are (csvio.Panic), so the process does not die past the
// handler that reports it.
func TestAsyncStreamWriterPanic(t *testing.T) {
	rec := &recorder{panicAt: 1500}
	s := newAsyncStream(rec)
	if _, err := sendAll(s, 4000); err == nil {
		t.Error("the calls after the writer panicked returned no error")
	}
	defer func() {
		p, ok := recover().(*csvio.Panic)
		if !ok || p.Value != "writer bug" {
			t.Errorf("wait raised %v, want the writer's panic as a *csvio.Panic", p)
		}
	}()
	_ = s.wait()
	t.Error("wait returned after the writer panicked")
}

// A batch is sent once its copies take asyncBatchBytes, not only after asyncBatchLen calls:
// rows as long as the reader allows (a megabyte each) must not make three batches of 512 hold
// gigabytes. The memory a batch holds stays under the limit plus one row.
func TestAsyncStreamBatchBytesBounded(t *testing.T) {
	rec := &recorder{}
	s := newAsyncStream(rec)
	const rows, long = 96, 512 << 10
	name := make([]byte, long)
	var most int
	for i := range rows {
		for j := range name {
			name[j] = byte('a' + i%26)
		}
		u := roster.User{SourcedID: fmt.Sprint(i), OrgIDs: []string{"o"}, Metadata: []roster.KV{{Key: "k", Value: unsafe.String(&name[0], len(name))}}}
		if err := s.User(&u); err != nil {
			t.Fatal(err)
		}
		most = max(most, s.cur.arena.Held())
	}
	if err := s.End(func(roster.Kind) int { return 0 }); err != nil {
		t.Fatal(err)
	}
	if limit := asyncBatchBytes + long + 4<<10; most > limit {
		t.Errorf("a batch held %d bytes, want at most %d", most, limit)
	}
	if len(rec.calls) != rows {
		t.Fatalf("the writer had %d calls, want %d", len(rec.calls), rows)
	}
	for i, c := range rec.calls {
		if want := strings.Repeat(string(rune('a'+i%26)), long); !strings.HasSuffix(c, " "+want) {
			t.Fatalf("call %d does not end with its row's %d bytes", i, long)
		}
	}
}
