package snapshot

import (
	"bytes"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

func build(t *testing.T, users []roster.User, enrollments []roster.Enrollment) *Snapshot {
	t.Helper()
	b := NewBuilder()
	r := &roster.Roster{Users: users, Enrollments: enrollments}
	if err := r.Emit(b); err != nil {
		t.Fatal(err)
	}
	return b.Snapshot()
}

func TestCompare(t *testing.T) {
	old := build(t, []roster.User{
		{SourcedID: "u1", GivenName: "Ana", OrgIDs: []string{"s1", "s2"}},
		{SourcedID: "u2", GivenName: "Ben"},
		{SourcedID: "u3", GivenName: "Cy"},
		{SourcedID: "u4", GivenName: "Di"},
	}, []roster.Enrollment{{ClassID: "c1", UserID: "u1"}, {ClassID: "c1", UserID: "u2"}})
	new := build(t, []roster.User{
		{SourcedID: "u1", GivenName: "Ana", OrgIDs: []string{"s2", "s1"}}, // same set, other order
		{SourcedID: "u2", GivenName: "Benjamin"},
		{SourcedID: "u5", GivenName: "Ed"},
	}, []roster.Enrollment{{ClassID: "c1", UserID: "u1"}})
	got := Compare(old, new)
	want := Counts{Added: 1, Removed: 2, Changed: 1, Unchanged: 1, RemovedPercent: 50}
	if got[roster.UserKind] != want {
		t.Errorf("users: %+v, want %+v", got[roster.UserKind], want)
	}
	if e := got[roster.EnrollmentKind]; e.Removed != 1 || e.Unchanged != 1 || e.RemovedPercent != 50 {
		t.Errorf("enrollments keyed by class/user: %+v", e)
	}
	if _, ok := got[roster.OrgKind]; ok {
		t.Error("a kind in neither snapshot is reported")
	}
	if old.Rows() != 6 || new.Count(roster.UserKind) != 3 {
		t.Errorf("rows %d, users %d", old.Rows(), new.Count(roster.UserKind))
	}
}

func TestWriteRead(t *testing.T) {
	s := build(t, []roster.User{{SourcedID: "a"}, {SourcedID: "b", Password: "secret"}}, []roster.Enrollment{{SourcedID: "e1"}})
	var buf bytes.Buffer
	if err := s.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("secret")) || bytes.Contains(buf.Bytes(), []byte("e1")) {
		t.Fatal("a snapshot holds values, not hashes")
	}
	got, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	c := Compare(s, got)
	if c[roster.UserKind].Unchanged != 2 || c[roster.EnrollmentKind].Unchanged != 1 {
		t.Errorf("read back differs: %+v", c)
	}
	if _, err := Read(bytes.NewReader(buf.Bytes()[:len(buf.Bytes())-3])); err == nil {
		t.Error("a truncated snapshot was accepted")
	}
	if _, err := Read(bytes.NewReader([]byte("hello"))); err == nil {
		t.Error("garbage was accepted")
	}
}
