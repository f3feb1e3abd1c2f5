package oneroster

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// The writer's rows, byte for byte: metadata keys become trailing columns in the order first
// met (with or without their "metadata." prefix), a bulk file leaves out its tobedeleted
// records and blanks status and dateLastModified, a delta file keeps both, lists are joined,
// --fix pads grades, and a kind with no row written is left out.
func TestWriteRows(t *testing.T) {
	r := &roster.Roster{
		Delta: map[roster.Kind]bool{roster.EnrollmentKind: true},
		Orgs: []roster.Org{
			{SourcedID: "d1", Status: "active", DateLastModified: "2026-01-02T03:04:05Z", Name: "District", Type: "district"},
			{SourcedID: "s1", Name: "Lincoln, High", Type: "school", Identifier: "LHS", ParentID: "d1",
				Metadata: []roster.KV{{Key: "region", Value: "north"}}},
			{SourcedID: "s2", Status: "tobedeleted", Name: "Gone", Type: "school",
				Metadata: []roster.KV{{Key: "metadata.only-deleted", Value: "x"}}},
		},
		Users: []roster.User{
			{SourcedID: "u1", EnabledUser: "true", OrgIDs: []string{"s1", "d1"}, Role: "student", Username: "ana",
				UserIDs: []string{"{SSID:1}"}, GivenName: "Ana", FamilyName: "Lee \"Jr\"", Grades: []string{"9"},
				Metadata: []roster.KV{{Key: "metadata.b", Value: "B1"}, {Key: "a", Value: "A1"}}},
			{SourcedID: "u2", EnabledUser: "true", OrgIDs: []string{"s1"}, Role: "teacher", Username: "bo",
				GivenName: "Bo", FamilyName: "Kim", Metadata: []roster.KV{{Key: "metadata.a", Value: "A2"}}},
		},
		Enrollments: []roster.Enrollment{
			{SourcedID: "e1", Status: "active", DateLastModified: "2026-01-02T03:04:05Z", ClassID: "c1", SchoolID: "s1", UserID: "u1", Role: "student"},
			{SourcedID: "e2", Status: "tobedeleted", DateLastModified: "2026-01-03T03:04:05Z", ClassID: "c1", SchoolID: "s1", UserID: "u2", Role: "teacher"},
		},
	}
	out := formattest.MemDest{}
	var probs roster.Problems
	if err := New().Write(context.Background(), out, r, format.Options{Fix: true}, &probs); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId,metadata.region\n" +
			"d1,,,District,district,,,\n" +
			"s1,,,\"Lincoln, High\",school,LHS,d1,north\n",
		"users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,metadata.b,metadata.a\n" +
			"u1,,,true,\"s1,d1\",student,ana,{SSID:1},Ana,\"Lee \"\"Jr\"\"\",,,,,,,09,,B1,A1\n" +
			"u2,,,true,s1,teacher,bo,,Bo,Kim,,,,,,,,,,A2\n",
		"enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n" +
			"e1,active,2026-01-02T03:04:05Z,c1,s1,u1,student,,,\n" +
			"e2,tobedeleted,2026-01-03T03:04:05Z,c1,s1,u2,teacher,,,\n",
	}
	for name, w := range want {
		got, ok := out[name]
		if !ok {
			t.Errorf("%s not written", name)
			continue
		}
		if got.String() != w {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, w)
		}
	}
	for name := range out {
		if _, ok := want[name]; !ok && name != "manifest.csv" {
			t.Errorf("%s written, with no row to write", name)
		}
	}
	manifest := out["manifest.csv"].String()
	for _, line := range []string{"file.orgs,bulk\n", "file.users,bulk\n", "file.enrollments,delta\n", "file.classes,absent\n"} {
		if !strings.Contains(manifest, line) {
			t.Errorf("manifest.csv has no %q:\n%s", line, manifest)
		}
	}
	var msgs []string
	for _, p := range probs.List() {
		msgs = append(msgs, p.Message)
	}
	for _, w := range []string{"1 org with status tobedeleted not written: a bulk file lists the records that exist",
		"1 grade written zero-padded (9 -> 09): OneRoster 1.1 grades are CEDS codes"} {
		if !slices.Contains(msgs, w) {
			t.Errorf("no report %q in %q", w, msgs)
		}
	}
}
