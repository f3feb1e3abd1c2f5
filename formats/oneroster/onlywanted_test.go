package oneroster

import (
	"fmt"
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

// endRecorder collects a roster and notes each end of a kind with how many entities had come.
type endRecorder struct {
	roster.Collector
	ends []string
}

func (e *endRecorder) EndKind(k roster.Kind) {
	e.ends = append(e.ends, fmt.Sprintf("%s:%d", k, e.Roster.Count(k)))
}

// The reader says where each kind ends (roster.KindEnder), after the last entity of its file,
// in the package's order.
func TestReaderEndsEachKind(t *testing.T) {
	e := &endRecorder{}
	if _, err := New().Read(t.Context(), os.DirFS("../../examples/oneroster"), format.Options{}, e, &roster.Problems{}); err != nil {
		t.Fatal(err)
	}
	r := &e.Roster
	var want []string
	for _, k := range []roster.Kind{roster.OrgKind, roster.AcademicSessionKind, roster.CourseKind, roster.ClassKind, roster.UserKind, roster.DemographicsKind, roster.EnrollmentKind} {
		want = append(want, fmt.Sprintf("%s:%d", k, r.Count(k)))
	}
	if !slices.Equal(e.ends, want) {
		t.Errorf("ends %v, want %v", e.ends, want)
	}
}
