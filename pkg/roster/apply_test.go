package roster

import (
	"slices"
	"testing"
)

func TestApplyDelta(t *testing.T) {
	base := &Roster{
		Orgs:         []Org{{SourcedID: "sch0", Name: "Lincoln"}},
		Users:        []User{{SourcedID: "u1", GivenName: "Ann"}, {SourcedID: "u2", GivenName: "Bo"}, {SourcedID: "u3", GivenName: "Cy"}},
		Enrollments:  []Enrollment{{SourcedID: "e1", UserID: "u1"}, {SourcedID: "e2", UserID: "u3"}},
		Demographics: []Demographics{{SourcedID: "u1"}, {SourcedID: "u2"}},
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
	if want := (Applied{Cascaded: 1}); got[EnrollmentKind] != want || got[DemographicsKind] != want {
		t.Errorf("enrollments applied %+v, demographics %+v: want each %+v (u1's, gone with u1)", got[EnrollmentKind], got[DemographicsKind], want)
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
	if len(base.Enrollments) != 1 || base.Enrollments[0].SourcedID != "e2" {
		t.Errorf("enrollments after the delta %+v, want only e2 (e1 went with u1)", base.Enrollments)
	}
	if len(base.Demographics) != 1 || base.Demographics[0].SourcedID != "u2" {
		t.Errorf("demographics after the delta %+v, want only u2's", base.Demographics)
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

func TestDropDeleted(t *testing.T) {
	r := &Roster{
		Users:        []User{{SourcedID: "u1", Status: StatusToBeDeleted}, {SourcedID: "u2"}},
		Classes:      []Class{{SourcedID: "c1"}, {SourcedID: "c2", Status: "ToBeDeleted"}},
		Enrollments:  []Enrollment{{SourcedID: "e1", UserID: "u1", ClassID: "c1"}, {SourcedID: "e2", UserID: "u2", ClassID: "c2"}, {SourcedID: "e3", UserID: "u2", ClassID: "c1"}},
		Demographics: []Demographics{{SourcedID: "u1"}, {SourcedID: "u2"}},
	}
	got := DropDeleted(r)
	want := map[Kind]Applied{UserKind: {Deleted: 1}, ClassKind: {Deleted: 1}, EnrollmentKind: {Cascaded: 2}, DemographicsKind: {Cascaded: 1}}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %+v, want %+v", k, got[k], w)
		}
	}
	if len(r.Users) != 1 || len(r.Classes) != 1 || len(r.Enrollments) != 1 || r.Enrollments[0].SourcedID != "e3" || len(r.Demographics) != 1 {
		t.Errorf("left %+v", r)
	}

	// A delta kind keeps its tobedeleted rows: there they are the deletions.
	d := &Roster{Delta: map[Kind]bool{UserKind: true, EnrollmentKind: true},
		Users: []User{{SourcedID: "u1", Status: StatusToBeDeleted}}, Enrollments: []Enrollment{{SourcedID: "e1", UserID: "u1"}}}
	if got := DropDeleted(d); len(got) != 0 || len(d.Users) != 1 || len(d.Enrollments) != 1 {
		t.Errorf("a delta lost rows: %+v, %+v", got, d)
	}
}
