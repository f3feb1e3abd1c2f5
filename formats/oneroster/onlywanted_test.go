package oneroster

import (
	"os"
	"slices"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// With Options.OnlyWanted the reader reads the files of the kinds its sink wants and every file
// those refer to, directly or through another, and no other; without it, every file.
func TestOnlyWantedFilesRead(t *testing.T) {
	all := []string{"orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv", "demographics.csv", "enrollments.csv"}
	for _, tc := range []struct {
		want       []roster.Kind
		onlyWanted bool
		read       []string
	}{
		{[]roster.Kind{roster.UserKind}, true, []string{"orgs.csv", "users.csv"}},
		{[]roster.Kind{roster.EnrollmentKind}, true, []string{"orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv", "enrollments.csv"}},
		{[]roster.Kind{roster.CourseKind}, true, []string{"orgs.csv", "academicSessions.csv", "courses.csv"}},
		{[]roster.Kind{roster.DemographicsKind}, true, []string{"orgs.csv", "users.csv", "demographics.csv"}},
		{[]roster.Kind{roster.UserKind}, false, all},
		{roster.Kinds, true, all},
	} {
		coll := &roster.Collector{Skip: map[roster.Kind]bool{}}
		for _, k := range roster.Kinds {
			coll.Skip[k] = !slices.Contains(tc.want, k)
		}
		info, err := New().Read(t.Context(), os.DirFS("../../examples/oneroster"), format.Options{OnlyWanted: tc.onlyWanted}, coll, &roster.Problems{})
		if err != nil {
			t.Fatal(err)
		}
		var read []string
		for _, f := range info.Files {
			read = append(read, f.Name)
		}
		if !slices.Equal(read, tc.read) {
			t.Errorf("wanting %v (OnlyWanted %v): read %v, want %v", tc.want, tc.onlyWanted, read, tc.read)
		}
	}
}
