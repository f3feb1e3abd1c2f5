package sds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// dirFS reads the CSV files of dir into memory (SOURCE.txt and the like left out).
func dirFS(t testing.TB, dir string) fstest.MapFS {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".csv") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: b}
	}
	return fsys
}

func sample(t testing.TB) fstest.MapFS { return dirFS(t, filepath.Join("testdata", "ms-v2.1")) }

// Microsoft's official SDS v2.1 sample validates clean and reads whole into the model.
func TestMicrosoftSampleClean(t *testing.T) {
	info, coll, probs := formattest.Read(t, New(), sample(t), format.Options{})
	formattest.CheckProblems(t, probs, nil)
	if info.Format != "sds" || info.Version != "2.1" || len(info.Files) != 10 {
		t.Errorf("info %+v", info)
	}
	r := coll.Roster
	if len(r.Orgs) != 4 || len(r.Users) != 8 || len(r.Classes) != 2 || len(r.Enrollments) != 6 || len(r.Courses) != 3 || len(r.AcademicSessions) != 2 || len(r.Demographics) != 6 {
		t.Fatalf("read %d orgs, %d users, %d classes, %d enrollments, %d courses, %d sessions, %d demographics",
			len(r.Orgs), len(r.Users), len(r.Classes), len(r.Enrollments), len(r.Courses), len(r.AcademicSessions), len(r.Demographics))
	}
	byID := map[string]roster.User{}
	for _, u := range r.Users {
		byID[u.SourcedID] = u
	}
	// 114007 teaches at two orgs; the primary one comes first.
	if u := byID["114007"]; u.Role != "teacher" || strings.Join(u.OrgIDs, ",") != "110004,110003" || u.PrimaryOrgID != "110004" {
		t.Errorf("user 114007: role %q orgs %v primary %q", u.Role, u.OrgIDs, u.PrimaryOrgID)
	}
	// A guardian has no role row: its role is its relationshipRole, and the student names it.
	// It takes the orgs of its students (114001 and 114003, both at 110003).
	if u := byID["114002"]; u.Role != "guardian" || strings.Join(u.OrgIDs, ",") != "110003" {
		t.Errorf("contact 114002 has role %q, orgs %v", u.Role, u.OrgIDs)
	}
	if u := byID["114001"]; strings.Join(u.AgentIDs, ",") != "114002" || strings.Join(u.UserIDs, ",") != "{activeDirectoryMatchId:jcraig@classrmtest31.org}" {
		t.Errorf("user 114001: agents %v userIds %v", u.AgentIDs, u.UserIDs)
	}
	e := r.Enrollments[0]
	if e.SourcedID != "112001/114008/student" || e.SchoolID != "110001" {
		t.Errorf("enrollment %+v", e)
	}
	if d := r.Demographics[0]; d.HispanicOrLatinoEthnicity != "true" || d.BirthDate != "2001-07-02" {
		t.Errorf("demographics %+v", d)
	}
}

// The legacy SDS v1 sample is recognised (Detect) and refused with a message naming it.
func TestV1Refused(t *testing.T) {
	fsys := dirFS(t, filepath.Join("testdata", "ms-v1"))
	if m := New().Detect(fsys); m != format.HeaderMatch {
		t.Errorf("Detect = %v, want HeaderMatch", m)
	}
	info, coll, probs := formattest.Read(t, New(), fsys, format.Options{})
	if info.Version != "1" {
		t.Errorf("version %q, want 1", info.Version)
	}
	if len(probs) != 1 || probs[0].Code != roster.CodeMissingFile || !strings.Contains(probs[0].Message, "legacy SDS v1") {
		t.Fatalf("problems %v", probs)
	}
	if len(coll.Roster.Users) != 0 {
		t.Errorf("read %d users from SDS v1", len(coll.Roster.Users))
	}
}

// The retired SDS v2 set (users.csv with orgSourcedIds and role, no roles.csv) is refused.
func TestV2Refused(t *testing.T) {
	fsys := fstest.MapFS{
		"orgs.csv":  {Data: []byte("sourcedId,name,type\no1,School,school\n")},
		"users.csv": {Data: []byte("sourcedId,orgSourcedIds,role,username,givenName,familyName,grade\nu1,o1,student,a@b.org,A,B,10\n")},
	}
	if m := New().Detect(fsys); m != format.HeaderMatch {
		t.Errorf("Detect = %v, want HeaderMatch", m)
	}
	_, _, probs := formattest.Read(t, New(), fsys, format.Options{})
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "retired SDS v2") {
		t.Fatalf("problems %v", probs)
	}
}

// examples/sds validates clean.
func TestExampleClean(t *testing.T) {
	_, coll, probs := formattest.Read(t, New(), dirFS(t, filepath.Join("..", "..", "examples", "sds")), format.Options{})
	formattest.CheckProblems(t, probs, nil)
	if len(coll.Roster.Users) != 5 || len(coll.Roster.Enrollments) != 5 {
		t.Errorf("read %d users, %d enrollments", len(coll.Roster.Users), len(coll.Roster.Enrollments))
	}
}

// A sink that keeps only some kinds gets only those; the others are counted, and enrollments
// kept without their classes still get their classes' schools.
func TestSelectiveSink(t *testing.T) {
	coll := &roster.Collector{Skip: map[roster.Kind]bool{roster.ClassKind: true, roster.UserKind: true, roster.DemographicsKind: true}}
	if _, err := New().Read(t.Context(), sample(t), format.Options{}, coll, roster.ReporterFunc(func(roster.Problem) {})); err != nil {
		t.Fatal(err)
	}
	r := &coll.Roster
	if len(r.Classes)+len(r.Users)+len(r.Demographics) != 0 || r.Count(roster.ClassKind) != 2 || r.Count(roster.UserKind) != 8 || r.Count(roster.DemographicsKind) != 6 {
		t.Errorf("kept %d classes, %d users, %d demographics; counted %d, %d, %d", len(r.Classes), len(r.Users), len(r.Demographics),
			r.Count(roster.ClassKind), r.Count(roster.UserKind), r.Count(roster.DemographicsKind))
	}
	if len(r.Enrollments) != 6 || r.Enrollments[0].SchoolID != "110001" {
		t.Errorf("enrollments %+v", r.Enrollments)
	}
}
