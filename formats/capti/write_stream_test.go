package capti

import (
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// The streaming writer writes what Write writes, byte for byte, and reports the same: roles
// left out, a Capti ID two users would share (naming the first), bad values, a roster without
// users, the kinds only counted.
func TestWriteStreamMatchesWrite(t *testing.T) {
	users := []roster.User{
		{SourcedID: "u1", Role: "student", Email: "ana@example.org", Username: "ana", GivenName: "Ana", FamilyName: "Lee", Grades: []string{"09"}, MiddleName: "M"},
		{SourcedID: "u2", Role: "teacher", Email: "bo@example.org", GivenName: "Bo", FamilyName: "Kim, Jr"},
		{SourcedID: "u3", Role: "administrator", Email: "cy@example.org", GivenName: "Cy", FamilyName: "Oh"},
		{SourcedID: "u4", Role: "student", Email: "ANA@example.org", GivenName: "Ann", FamilyName: "Lo"},
		{SourcedID: "u5", Role: "student", Email: "not an address", GivenName: "", FamilyName: "X"},
		{SourcedID: "u1", Role: "student", Email: "dup@example.org", GivenName: "D", FamilyName: "U"},
		{SourcedID: "u6", Status: "tobedeleted", Role: "student", Email: "gone@example.org", GivenName: "G", FamilyName: "O"},
		{SourcedID: "u7", Role: "proctor", Username: "pro", GivenName: "P", FamilyName: "R"},
	}
	counts := map[roster.Kind]int{roster.OrgKind: 2, roster.EnrollmentKind: 7, roster.DemographicsKind: 1}
	for _, tc := range []struct {
		name  string
		users []roster.User
		opts  format.Options
	}{
		{"users", users, format.Options{}},
		{"by username", users, format.Options{}.WithSettings(Name, Settings{ID: ColUsername})},
		{"no users", nil, format.Options{}},
	} {
		r := &roster.Roster{Users: tc.users, Skipped: counts}
		formattest.StreamMatchesWrite(t, New(), tc.name, r, tc.opts)
		if tc.name == "users" {
			var probs roster.Problems
			if err := New().Write(t.Context(), formattest.MemDest{}, r, tc.opts, &probs); err != nil || !probs.Has(roster.CodeIDCollision) {
				t.Errorf("%s: no Capti ID collision reported: %v, %v", tc.name, err, probs.List())
			}
		}
	}
}
