package capti

import (
	"context"
	"slices"
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
		want := formattest.MemDest{}
		var wantProbs roster.Problems
		if err := New().Write(context.Background(), want, r, tc.opts, &wantProbs); err != nil {
			t.Fatal(err)
		}
		got := formattest.MemDest{}
		var probs roster.Problems
		s, err := New().WriteStream(context.Background(), got, t.TempDir(), tc.opts, &probs)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Emit(s); err != nil {
			t.Fatal(err)
		}
		if err := s.End(r.Count); err != nil {
			t.Fatal(err)
		}
		if g, w := got[OutputFile].String(), want[OutputFile].String(); g != w || len(got) != 1 {
			t.Errorf("%s: wrote %d files, %s:\n%s\nWrite wrote\n%s", tc.name, len(got), OutputFile, g, w)
		}
		if !slices.Equal(probs.List(), wantProbs.List()) {
			t.Errorf("%s: reported\n%v\nWrite reported\n%v", tc.name, probs.List(), wantProbs.List())
		}
		if tc.name == "users" && !wantProbs.Has(roster.CodeIDCollision) {
			t.Errorf("%s: no Capti ID collision reported: %v", tc.name, wantProbs.List())
		}
	}
}
