package roster

import (
	"slices"
	"testing"
)

func TestApplyDelta(t *testing.T) {
	base := &Roster{
		Orgs:        []Org{{SourcedID: "sch0", Name: "Lincoln"}},
		Users:       []User{{SourcedID: "u1", GivenName: "Ann"}, {SourcedID: "u2", GivenName: "Bo"}, {SourcedID: "u3", GivenName: "Cy"}},
		Enrollments: []Enrollment{{SourcedID: "e1", UserID: "u1"}},
	}
	d := &Roster{
		Delta: map[Kind]bool{UserKind: true},
		Users: []User{
			{SourcedID: "u1", Status: StatusToBeDeleted},
			{SourcedID: "u2", Status: StatusActive, GivenName: "Bob"},
			{SourcedID: "u9", Status: StatusActive, GivenName: "Nia"},
			{SourcedID: "u8", Status: StatusToBeDeleted}, // not in the base: nothing to delete
		},
		Orgs: []Org{{SourcedID: "sch1", Name: "Washington"}}, // a bulk orgs file replaces the base's
	}
	got := Apply(base, d)
	if want := (Applied{Deleted: 1, Updated: 1, Added: 1}); got[UserKind] != want {
		t.Errorf("users applied %+v, want %+v", got[UserKind], want)
	}
	if !got[OrgKind].Replaced {
		t.Errorf("orgs applied %+v, want Replaced", got[OrgKind])
	}
	if _, ok := got[EnrollmentKind]; ok {
		t.Errorf("enrollments left out of the delta were changed: %+v", got[EnrollmentKind])
	}
	var names []string
	for _, u := range base.Users {
		names = append(names, u.SourcedID+"="+u.GivenName)
	}
	if want := []string{"u2=Bob", "u3=Cy", "u9=Nia"}; !slices.Equal(names, want) {
		t.Errorf("users after the delta %v, want %v", names, want)
	}
	if len(base.Orgs) != 1 || base.Orgs[0].SourcedID != "sch1" {
		t.Errorf("orgs after the delta %+v, want only sch1", base.Orgs)
	}
	if len(base.Enrollments) != 1 {
		t.Errorf("enrollments after the delta %+v, want the base's", base.Enrollments)
	}
	if base.IsDelta() {
		t.Error("the result of Apply is still marked delta")
	}
	if !d.IsDelta() || len(d.Users) != 4 {
		t.Error("Apply changed the delta")
	}
}

func TestDeleted(t *testing.T) {
	for s, want := range map[string]bool{"tobedeleted": true, "ToBeDeleted": true, "active": false, "": false, "inactive": false} {
		if Deleted(s) != want {
			t.Errorf("Deleted(%q) = %v, want %v", s, !want, want)
		}
	}
}
