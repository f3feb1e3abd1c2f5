package diff

import (
	"context"
	"reflect"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Per school: users added, removed and changed under each school their orgSourcedIds name (a
// removed user under its old schools, a moved user under both); orgs known not to be schools
// (the district) are left out; counts are complete under Limit. Most differing first.
func TestCompareSchools(t *testing.T) {
	new := edit(func(r *roster.Roster) {
		r.Users = append(r.Users, roster.User{SourcedID: "u4", Role: "student", GivenName: "Kat", FamilyName: "Johnson",
			OrgIDs: []string{"s2", "d1"}})
		r.Users = append(r.Users, roster.User{SourcedID: "u5", Role: "student", GivenName: "Max", FamilyName: "Planck",
			OrgIDs: []string{"s9"}}) // a school the package does not hold: named by its ID
		r.Users = r.Users[1:] // u1 (s1) removed
		user(r, "u3").OrgIDs = []string{"s2"}
		user(r, "u2").Email = "alan.t@x.org"
	})
	for _, limit := range []int{0, 1} {
		res, err := Compare(context.Background(), FromRoster(base()), FromRoster(new), Options{Detail: true, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		want := []SchoolCounts{
			{Org: "s1", Name: "Lincoln", Removed: 1, Changed: 2},
			{Org: "s2", Name: "Grant", Added: 1, Changed: 2},
			{Org: "s9", Added: 1},
		}
		if !reflect.DeepEqual(res.Schools, want) {
			t.Errorf("limit %d: schools = %+v, want %+v", limit, res.Schools, want)
		}
	}
	res, err := Compare(context.Background(), FromRoster(base()), FromRoster(new), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Schools == nil || len(res.Schools) != 0 {
		t.Errorf("counts only: schools = %#v, want an empty list", res.Schools)
	}
}
