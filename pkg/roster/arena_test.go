package roster

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// TestArenaCopiesEveryField fills every string, list and metadata field of each kind with
// strings borrowed from one buffer, copies the entity into an Arena, then overwrites the buffer:
// the copy must still hold the values. A field added to a kind and not copied fails here.
func TestArenaCopiesEveryField(t *testing.T) {
	for _, v := range []any{&Org{}, &AcademicSession{}, &Course{}, &Class{}, &User{}, &Enrollment{}, &Demographics{}} {
		t.Run(reflect.TypeOf(v).Elem().Name(), func(t *testing.T) {
			buf := make([]byte, 0, 1<<16)
			borrow := func(s string) string {
				at := len(buf)
				buf = append(buf, s...)
				return unsafe.String(&buf[at], len(s))
			}
			borrowed := reflect.ValueOf(v).Elem()
			want := reflect.New(borrowed.Type()).Elem()
			for i := range borrowed.NumField() {
				f := borrowed.Type().Field(i)
				val := func(k int) string { return fmt.Sprintf("%s-%d", f.Name, k) }
				switch f.Type {
				case reflect.TypeFor[string]():
					borrowed.Field(i).SetString(borrow(val(0)))
					want.Field(i).SetString(val(0))
				case reflect.TypeFor[[]string]():
					borrowed.Field(i).Set(reflect.ValueOf([]string{borrow(val(1)), borrow(val(2))}))
					want.Field(i).Set(reflect.ValueOf([]string{val(1), val(2)}))
				case reflect.TypeFor[[]KV]():
					borrowed.Field(i).Set(reflect.ValueOf([]KV{{borrow(val(3)), borrow(val(4))}}))
					want.Field(i).Set(reflect.ValueOf([]KV{{val(3), val(4)}}))
				default:
					t.Fatalf("field %s has type %s, which the test does not fill", f.Name, f.Type)
				}
			}
			var a Arena
			var copied any
			switch e := v.(type) {
			case *Org:
				copied = a.Org(e)
			case *AcademicSession:
				copied = a.AcademicSession(e)
			case *Course:
				copied = a.Course(e)
			case *Class:
				copied = a.Class(e)
			case *User:
				copied = a.User(e)
			case *Enrollment:
				copied = a.Enrollment(e)
			case *Demographics:
				copied = a.Demographics(e)
			}
			for i := range buf {
				buf[i] = 'X' // the borrowed strings are gone
			}
			if got := reflect.ValueOf(copied).Interface(); !reflect.DeepEqual(got, want.Interface()) {
				t.Errorf("copy = %+v\nwant %+v", got, want.Interface())
			}
		})
	}
}

// TestArenaReset checks that an Arena reused after Reset takes no new memory for copies of the
// same size, and that copies made after Reset are right.
func TestArenaReset(t *testing.T) {
	var a Arena
	u := User{SourcedID: "u1", OrgIDs: []string{"s1", "s2"}, Metadata: []KV{{"k", "v"}}}
	for range 3 {
		for range 100 {
			a.User(&u)
		}
		a.Reset()
	}
	allocs := testing.AllocsPerRun(10, func() {
		for range 100 {
			if c := a.User(&u); c.SourcedID != "u1" || c.OrgIDs[1] != "s2" || c.Metadata[0].Value != "v" {
				t.Fatalf("copy = %+v", c)
			}
		}
		a.Reset()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per batch after Reset, want 0", allocs)
	}
}

// Reset keeps at most 8 MiB of blocks for the next batch: one batch of long rows does
// not pin its memory for the rest of a conversion.
func TestArenaResetLetsGoOfALargeBatch(t *testing.T) {
	var a Arena
	long := strings.Repeat("x", 1<<20)
	for range 64 {
		a.Str(long)
	}
	a.List(make([]string, 1<<20))
	a.Reset()
	kept := 0
	for _, b := range a.blocks {
		kept += cap(b)
	}
	kept += cap(a.items) * 16
	if kept > 8<<20 {
		t.Errorf("Reset kept %d bytes, want at most 8 MiB", kept)
	}
	if c := a.Str("abc"); c != "abc" || a.Held() != 3 {
		t.Errorf("after Reset: copy %q, held %d", c, a.Held())
	}
}
