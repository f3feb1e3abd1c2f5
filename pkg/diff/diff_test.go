package diff

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

// base is a small roster: a district, two schools, two classes, three users, enrollments.
func base() *roster.Roster {
	return &roster.Roster{
		Orgs: []roster.Org{
			{SourcedID: "d1", Name: "District", Type: "district", Identifier: "0600001"},
			{SourcedID: "s1", Name: "Lincoln", Type: "school", Identifier: "0600010", ParentID: "d1"},
			{SourcedID: "s2", Name: "Grant", Type: "school", Identifier: "0600011", ParentID: "d1"},
		},
		Classes: []roster.Class{
			{SourcedID: "c1", Title: "Math", SchoolID: "s1", TermIDs: []string{"t1", "t2"}},
			{SourcedID: "c2", Title: "Art", SchoolID: "s1", TermIDs: []string{"t1"}},
		},
		Users: []roster.User{
			{SourcedID: "u1", Role: "student", GivenName: "Ada", FamilyName: "Lovelace", Identifier: "1001",
				Email: "ada@x.org", OrgIDs: []string{"s1"}, Grades: []string{"09"}, Password: "pw1"},
			{SourcedID: "u2", Role: "student", GivenName: "Alan", FamilyName: "Turing", Identifier: "1002",
				Email: "alan@x.org", OrgIDs: []string{"s1", "s2"}, Grades: []string{"10"}},
			{SourcedID: "u3", Role: "teacher", GivenName: "Grace", FamilyName: "Hopper", Identifier: "2001",
				Email: "grace@x.org", OrgIDs: []string{"s1"}},
		},
		Demographics: []roster.Demographics{{SourcedID: "u1", BirthDate: "2010-01-02"}},
		Enrollments: []roster.Enrollment{
			{SourcedID: "e1", ClassID: "c1", UserID: "u1", Role: "student"},
			{SourcedID: "e2", ClassID: "c1", UserID: "u2", Role: "student"},
			{SourcedID: "e3", ClassID: "c1", UserID: "u3", Role: "teacher"},
		},
	}
}

// edit returns a copy of base changed by fn.
func edit(fn func(r *roster.Roster)) *roster.Roster {
	r := base()
	fn(r)
	return r
}

func user(r *roster.Roster, id string) *roster.User {
	for i := range r.Users {
		if r.Users[i].SourcedID == id {
			return &r.Users[i]
		}
	}
	panic("no user " + id)
}

func counts(a, r, c, u int) *Counts {
	n := &Counts{Added: a, Removed: r, Changed: c, Unchanged: u}
	if old := n.Old(); old > 0 {
		n.RemovedPercent = float64(int(float64(r)/float64(old)*1000+0.5)) / 10
	}
	return n
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name    string
		new     *roster.Roster
		old     *roster.Roster // base when nil
		opts    Options
		modes   map[roster.Kind]Mode    // how new's kinds apply (delta); nil: bulk
		summary map[roster.Kind]*Counts // only the kinds listed are checked
		changes []Change                // nil: not checked
		notes   []Note                  // nil: not checked
	}{
		{
			name: "identical",
			new:  base(),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 0, 3), roster.EnrollmentKind: counts(0, 0, 0, 3),
				roster.OrgKind: counts(0, 0, 0, 3), roster.ClassKind: counts(0, 0, 0, 2), roster.DemographicsKind: counts(0, 0, 0, 1)},
			changes: []Change{},
			notes:   []Note{},
		},
		{
			name:    "given name changed",
			new:     edit(func(r *roster.Roster) { user(r, "u2").GivenName = "Alan M." }),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 1, 2)},
			changes: []Change{{Entity: "user", ID: "u2", Kind: Changed, Fields: map[string]FieldChange{"givenName": {Old: "Alan", New: "Alan M."}}}},
			notes:   []Note{},
		},
		{
			name: "status and dateLastModified ignored",
			new: edit(func(r *roster.Roster) {
				user(r, "u1").Status, user(r, "u1").DateLastModified = "active", "2026-01-01"
			}),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 0, 3)},
			changes: []Change{},
		},
		{
			name: "all fields compares status",
			new: edit(func(r *roster.Roster) {
				user(r, "u1").Status = "active"
			}),
			opts:    Options{AllFields: true},
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 1, 2)},
			changes: []Change{{Entity: "user", ID: "u1", Kind: Changed, Fields: map[string]FieldChange{"status": {Old: "", New: "active"}}}},
		},
		{
			name: "lists compare as sets",
			new: edit(func(r *roster.Roster) {
				user(r, "u2").OrgIDs = []string{"s2", "s1", "s2"}
				r.Classes[0].TermIDs = []string{"t2", "t1"}
			}),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 0, 3), roster.ClassKind: counts(0, 0, 0, 2)},
			changes: []Change{},
		},
		{
			name:    "secrets masked",
			new:     edit(func(r *roster.Roster) { user(r, "u1").Password = "pw2"; r.Demographics[0].BirthDate = "2010-02-02" }),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 1, 2), roster.DemographicsKind: counts(0, 0, 1, 0)},
			changes: []Change{
				{Entity: "user", ID: "u1", Kind: Changed, Fields: map[string]FieldChange{"password": {Old: "***", New: "***"}}},
				{Entity: "demographic", ID: "u1", Kind: Changed, Fields: map[string]FieldChange{"birthDate": {Old: "***", New: "***"}}},
			},
		},
		{
			name:    "a secret set where there was none shows blank old",
			new:     edit(func(r *roster.Roster) { user(r, "u2").Password = "new" }),
			changes: []Change{{Entity: "user", ID: "u2", Kind: Changed, Fields: map[string]FieldChange{"password": {Old: "", New: "***"}}}},
		},
		{
			name:    "secrets shown",
			new:     edit(func(r *roster.Roster) { user(r, "u1").Password = "pw2" }),
			opts:    Options{ShowSecrets: true},
			changes: []Change{{Entity: "user", ID: "u1", Kind: Changed, Fields: map[string]FieldChange{"password": {Old: "pw1", New: "pw2"}}}},
		},
		{
			name: "rekey by email",
			new: edit(func(r *roster.Roster) {
				user(r, "u2").SourcedID = "u9"
				user(r, "u9").Email = "ALAN@x.org"
				r.Enrollments[1].UserID = "u9"
			}),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(1, 1, 0, 2), roster.EnrollmentKind: counts(0, 0, 1, 2)},
			changes: []Change{
				{Entity: "user", ID: "u2", Kind: Removed},
				{Entity: "user", ID: "u9", Kind: Added},
				{Entity: "enrollment", ID: "e2", Kind: Changed, Fields: map[string]FieldChange{"userSourcedId": {Old: "u2", New: "u9"}}},
			},
			notes: []Note{{Kind: NoteRekey, Entity: "user", OldID: "u2", NewID: "u9", Why: whySameEmail}},
		},
		{
			name: "rekey by name and identifier",
			new: edit(func(r *roster.Roster) {
				user(r, "u1").SourcedID = "u7"
				user(r, "u7").Email = "ada.l@x.org"
			}),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(1, 1, 0, 2)},
			notes:   []Note{{Kind: NoteRekey, Entity: "user", OldID: "u1", NewID: "u7", Why: whySameName}},
		},
		{
			name: "a new student with another name is no rekey",
			new: edit(func(r *roster.Roster) {
				r.Users = append(r.Users, roster.User{SourcedID: "u8", GivenName: "Ada", FamilyName: "Byron", Identifier: "1001", Email: "byron@x.org"})
				r.Users = slices.DeleteFunc(r.Users, func(u roster.User) bool { return u.SourcedID == "u1" })
			}),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(1, 1, 0, 2)},
			notes:   []Note{},
		},
		{
			name:    "school move",
			new:     edit(func(r *roster.Roster) { user(r, "u1").OrgIDs = []string{"s2"} }),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 1, 2)},
			changes: []Change{{Entity: "user", ID: "u1", Kind: Changed, Fields: map[string]FieldChange{"orgSourcedIds": {Old: "s1", New: "s2"}}}},
			notes:   []Note{{Kind: NoteSchoolMove, Entity: "user", ID: "u1", Old: []string{"s1"}, New: []string{"s2"}}},
		},
		{
			name: "class move",
			new: edit(func(r *roster.Roster) {
				r.Enrollments[0] = roster.Enrollment{SourcedID: "e4", ClassID: "c2", UserID: "u1", Role: "student"}
			}),
			summary: map[roster.Kind]*Counts{roster.EnrollmentKind: counts(1, 1, 0, 2), roster.UserKind: counts(0, 0, 0, 3)},
			changes: []Change{{Entity: "enrollment", ID: "e1", Kind: Removed}, {Entity: "enrollment", ID: "e4", Kind: Added}},
			notes:   []Note{{Kind: NoteClassMove, Entity: "user", ID: "u1", Old: []string{"c1"}, New: []string{"c2"}}},
		},
		{
			name: "a removed student is no class move",
			new: edit(func(r *roster.Roster) {
				r.Users = r.Users[1:]
				r.Demographics = nil
				r.Enrollments = r.Enrollments[1:]
			}),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 1, 0, 2), roster.EnrollmentKind: counts(0, 1, 0, 2),
				roster.DemographicsKind: counts(0, 1, 0, 0)},
			changes: []Change{{Entity: "user", ID: "u1", Kind: Removed}, {Entity: "demographic", ID: "u1", Kind: Removed},
				{Entity: "enrollment", ID: "e1", Kind: Removed}},
			notes: []Note{},
		},
		{
			name: "enrollments without sourcedId keyed by class and user",
			old: edit(func(r *roster.Roster) {
				for i := range r.Enrollments {
					r.Enrollments[i].SourcedID = ""
				}
			}),
			new: edit(func(r *roster.Roster) {
				for i := range r.Enrollments {
					r.Enrollments[i].SourcedID = ""
				}
				slices.Reverse(r.Enrollments)
				r.Enrollments[0].Role = "aide" // c1/u3
			}),
			summary: map[roster.Kind]*Counts{roster.EnrollmentKind: counts(0, 0, 1, 2)},
			changes: []Change{{Entity: "enrollment", ID: "c1/u3", Kind: Changed, Fields: map[string]FieldChange{"role": {Old: "teacher", New: "aide"}}}},
		},
		{
			name: "users keyed by email",
			new: edit(func(r *roster.Roster) {
				user(r, "u1").SourcedID = "u1-new"
				user(r, "u1-new").Email = "Ada@X.org"
			}),
			opts:    Options{UserKey: "email", Entities: []roster.Kind{"user"}},
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 1, 2)},
			changes: []Change{{Entity: "user", ID: "ada@x.org", Kind: Changed, Fields: map[string]FieldChange{
				"sourcedId": {Old: "u1", New: "u1-new"}, "email": {Old: "ada@x.org", New: "Ada@X.org"}}}},
		},
		{
			name: "only the fields asked for",
			new: edit(func(r *roster.Roster) {
				user(r, "u1").Email = "other@x.org"
				user(r, "u2").GivenName = "Al"
			}),
			opts:    Options{Fields: map[roster.Kind][]string{roster.UserKind: {"sourcedId", "givenName"}}, Entities: []roster.Kind{roster.UserKind}},
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 1, 2)},
			changes: []Change{{Entity: "user", ID: "u2", Kind: Changed, Fields: map[string]FieldChange{"givenName": {Old: "Alan", New: "Al"}}}},
		},
		{
			name:    "entities filter",
			new:     edit(func(r *roster.Roster) { user(r, "u1").GivenName = "A"; r.Enrollments = r.Enrollments[:1] }),
			opts:    Options{Entities: []roster.Kind{"enrollments"}},
			summary: map[roster.Kind]*Counts{roster.EnrollmentKind: counts(0, 2, 0, 1)},
			changes: []Change{{Entity: "enrollment", ID: "e2", Kind: Removed}, {Entity: "enrollment", ID: "e3", Kind: Removed}},
		},
		{
			name:    "limit",
			new:     edit(func(r *roster.Roster) { r.Enrollments = nil }),
			opts:    Options{Limit: 2},
			summary: map[roster.Kind]*Counts{roster.EnrollmentKind: counts(0, 3, 0, 0)},
			changes: []Change{{Entity: "enrollment", ID: "e1", Kind: Removed}, {Entity: "enrollment", ID: "e2", Kind: Removed}},
		},
		{
			name: "metadata",
			old: edit(func(r *roster.Roster) {
				user(r, "u1").Metadata = []roster.KV{{Key: "house", Value: "red"}, {Key: "bus", Value: "7"}}
			}),
			new: edit(func(r *roster.Roster) {
				user(r, "u1").Metadata = []roster.KV{{Key: "bus", Value: "7"}, {Key: "house", Value: "blue"}}
				user(r, "u2").Metadata = []roster.KV{{Key: "bus", Value: ""}}
			}),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 1, 2)},
			changes: []Change{{Entity: "user", ID: "u1", Kind: Changed, Fields: map[string]FieldChange{"metadata.house": {Old: "red", New: "blue"}}}},
		},
		{
			name: "a repeated key counts once, first row wins",
			new: edit(func(r *roster.Roster) {
				r.Users = append(r.Users, roster.User{SourcedID: "u1", GivenName: "Other"})
			}),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 0, 3)},
		},
		{
			name: "orgs by identifier",
			old:  edit(func(r *roster.Roster) {}),
			new: edit(func(r *roster.Roster) {
				// The new input names its schools by site code: same schools, other sourcedIds.
				r.Orgs = []roster.Org{{SourcedID: "0600010", Identifier: "0600010"}, {SourcedID: "0600011", Identifier: "0600011"}}
				user(r, "u1").OrgIDs = []string{"0600010"}
				user(r, "u2").OrgIDs = []string{"0600011", "0600010"}
				user(r, "u3").OrgIDs = []string{"0600011"}
			}),
			opts:    Options{OrgKey: "identifier", Entities: []roster.Kind{roster.UserKind}},
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 1, 2)},
			changes: []Change{{Entity: "user", ID: "u3", Kind: Changed, Fields: map[string]FieldChange{"orgSourcedIds": {Old: "0600010", New: "0600011"}}}},
			notes:   []Note{{Kind: NoteSchoolMove, Entity: "user", ID: "u3", Old: []string{"0600010"}, New: []string{"0600011"}}},
		},
		{
			name: "a tobedeleted row is a removal, its status shown",
			new: edit(func(r *roster.Roster) {
				user(r, "u2").Status = "tobedeleted"
				r.Enrollments[1].Status = "tobedeleted"
			}),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 1, 0, 2), roster.EnrollmentKind: counts(0, 1, 0, 2)},
			changes: []Change{{Entity: "user", ID: "u2", Kind: Removed, Status: "tobedeleted"},
				{Entity: "enrollment", ID: "e2", Kind: Removed, Status: "tobedeleted"}},
		},
		{
			name:    "a row deleted before is not removed twice",
			old:     edit(func(r *roster.Roster) { user(r, "u2").Status = "tobedeleted" }),
			new:     edit(func(r *roster.Roster) { user(r, "u2").Status = "tobedeleted" }),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 0, 2)},
			changes: []Change{},
		},
		{
			name: "a row deleted before and gone now is not removed",
			old:  edit(func(r *roster.Roster) { user(r, "u2").Status = "tobedeleted" }),
			new: edit(func(r *roster.Roster) {
				r.Users = slices.DeleteFunc(r.Users, func(u roster.User) bool { return u.SourcedID == "u2" })
			}),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 0, 2)},
		},
		{
			name:    "a deleted row back is added",
			old:     edit(func(r *roster.Roster) { user(r, "u2").Status = "tobedeleted" }),
			new:     base(),
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(1, 0, 0, 2)},
		},
		{
			name: "a delta: left-out rows unchanged, tobedeleted removed, absent files kept",
			new: &roster.Roster{
				Users: []roster.User{
					{SourcedID: "u2", Status: "active", Role: "student", GivenName: "Alan M.", FamilyName: "Turing", Identifier: "1002",
						Email: "alan@x.org", OrgIDs: []string{"s1", "s2"}, Grades: []string{"10"}},
					{SourcedID: "u3", Status: "tobedeleted"},
					{SourcedID: "u4", Status: "active", GivenName: "Kay"},
					{SourcedID: "u5", Status: "tobedeleted"}, // never pushed: nothing to remove
				},
				Enrollments: []roster.Enrollment{{SourcedID: "e3", Status: "tobedeleted"}},
			},
			modes: map[roster.Kind]Mode{roster.UserKind: Delta, roster.EnrollmentKind: Delta, roster.OrgKind: Kept,
				roster.ClassKind: Kept, roster.DemographicsKind: Kept},
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(1, 1, 1, 1), roster.EnrollmentKind: counts(0, 1, 0, 2),
				roster.OrgKind: counts(0, 0, 0, 3), roster.DemographicsKind: counts(0, 0, 0, 1)},
			changes: []Change{
				{Entity: "user", ID: "u2", Kind: Changed, Fields: map[string]FieldChange{"givenName": {Old: "Alan", New: "Alan M."}}},
				{Entity: "user", ID: "u3", Kind: Removed, Status: "tobedeleted"},
				{Entity: "user", ID: "u4", Kind: Added},
				{Entity: "enrollment", ID: "e3", Kind: Removed, Status: "tobedeleted"},
			},
		},
		{
			name:    "the same rows as a bulk file remove what they leave out",
			new:     &roster.Roster{Users: []roster.User{{SourcedID: "u3", Status: "tobedeleted"}}},
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 3, 0, 0), roster.OrgKind: counts(0, 3, 0, 0)},
		},
		{
			name:    "only the roles asked for",
			new:     edit(func(r *roster.Roster) { r.Users = r.Users[:2]; user(r, "u1").GivenName = "Ada B." }),
			opts:    Options{Roles: []string{"student"}, Entities: []roster.Kind{roster.UserKind}},
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 1, 1)},
			changes: []Change{{Entity: "user", ID: "u1", Kind: Changed, Fields: map[string]FieldChange{"givenName": {Old: "Ada", New: "Ada B."}}}},
		},
		{
			name: "a blank key field keys by sourcedId, as convert writes it",
			old:  edit(func(r *roster.Roster) { user(r, "u2").Identifier = "" }),
			new: edit(func(r *roster.Roster) {
				user(r, "u2").Identifier = "u2" // a students.csv written from old: STUDENT_ID u2
			}),
			opts:    Options{UserKey: "identifier", Entities: []roster.Kind{roster.UserKind}},
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(0, 0, 0, 3)},
			notes:   []Note{},
		},
		{
			name: "IDs that lost their leading zeros or became scientific notation are excel damage, not rekeys",
			old: edit(func(r *roster.Roster) {
				user(r, "u1").SourcedID = "000123"
				user(r, "u2").SourcedID = "123456789012"
				r.Classes[0].SourcedID = "03100500"
			}),
			new: edit(func(r *roster.Roster) {
				user(r, "u1").SourcedID = "123"
				user(r, "u2").SourcedID = "1.23457E+11"
				r.Classes[0].SourcedID = "3100500"
			}),
			opts:    Options{Entities: []roster.Kind{roster.ClassKind, roster.UserKind}},
			summary: map[roster.Kind]*Counts{roster.UserKind: counts(2, 2, 0, 1), roster.ClassKind: counts(1, 1, 0, 1)},
			notes: []Note{
				{Kind: NoteExcelDamage, Entity: "class", OldID: "03100500", NewID: "3100500", Why: whyZeros},
				{Kind: NoteExcelDamage, Entity: "user", OldID: "000123", NewID: "123", Why: whyZeros},
				{Kind: NoteExcelDamage, Entity: "user", OldID: "123456789012", NewID: "1.23457E+11", Why: whyScientific},
			},
		},
		{
			name:    "removed percent",
			new:     edit(func(r *roster.Roster) { r.Users = r.Users[2:]; r.Users = append(r.Users, roster.User{SourcedID: "u4"}) }),
			opts:    Options{Entities: []roster.Kind{"user"}},
			summary: map[roster.Kind]*Counts{roster.UserKind: {Added: 1, Removed: 2, Unchanged: 1, RemovedPercent: 66.7}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := tc.old
			if old == nil {
				old = base()
			}
			opts := tc.opts
			opts.Detail = true
			res, err := Compare(t.Context(), FromRoster(old), withModes(FromRoster(tc.new), tc.modes), opts)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.summary {
				if got := res.Summary[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("summary %s = %+v, want %+v", k, got, want)
				}
			}
			if tc.opts.Entities != nil && len(res.Summary) != len(tc.opts.Entities) {
				t.Errorf("summary has %d kinds, want %d (only those asked for)", len(res.Summary), len(tc.opts.Entities))
			}
			if tc.changes != nil && !reflect.DeepEqual(res.Changes, tc.changes) {
				t.Errorf("changes:\n got %+v\nwant %+v", res.Changes, tc.changes)
			}
			if tc.notes != nil && !reflect.DeepEqual(res.Notes, tc.notes) {
				t.Errorf("notes:\n got %+v\nwant %+v", res.Notes, tc.notes)
			}
			if res.Identical() != (res.Total() == 0) {
				t.Errorf("Identical() = %v with %d differences", res.Identical(), res.Total())
			}
			// Counts only: the same summary, no changes, no notes.
			opts.Detail = false
			sum, err := Compare(t.Context(), FromRoster(old), withModes(FromRoster(tc.new), tc.modes), opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sum.Summary, res.Summary) || len(sum.Changes) != 0 || len(sum.Notes) != 0 {
				t.Errorf("counts only: summary %v, %d changes, %d notes; want %v and none", sum.Summary, len(sum.Changes), len(sum.Notes), res.Summary)
			}
		})
	}
}

// withModes is src telling its sink the modes, as a delta package's reader does.
func withModes(src Source, modes map[roster.Kind]Mode) Source {
	return func(ctx context.Context, sink roster.Sink) error {
		if err := src(ctx, sink); err != nil {
			return err
		}
		TellModes(sink, modes)
		return nil
	}
}

func TestComparedFields(t *testing.T) {
	old := edit(func(r *roster.Roster) { user(r, "u1").Metadata = []roster.KV{{Key: "bus", Value: "7"}} })
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"default", Options{}, []string{"enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName", "familyName",
			"middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password", "userMasterIdentifier",
			"preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns", "metadata.bus"}},
		{"cross-format", Options{Fields: map[roster.Kind][]string{roster.UserKind: {"sourcedId", "identifier", "givenName", "email"}}},
			[]string{"givenName", "identifier", "email"}},
		{"keyed by email", Options{UserKey: "email", Fields: map[roster.Kind][]string{roster.UserKind: {"sourcedId", "email", "metadata.*"}}},
			[]string{"sourcedId", "email", "metadata.bus"}},
		{"all fields", Options{AllFields: true, Fields: map[roster.Kind][]string{roster.UserKind: {"status", "dateLastModified", "givenName"}}},
			[]string{"status", "dateLastModified", "givenName"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Compare(t.Context(), FromRoster(old), FromRoster(base()), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Compared["user"]; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("compared user fields = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCompareOptionErrors(t *testing.T) {
	for _, o := range []Options{{UserKey: "phone"}, {OrgKey: "name"}, {Limit: -1}, {Entities: []roster.Kind{"pets"}}} {
		if _, err := Compare(t.Context(), FromRoster(base()), FromRoster(base()), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// failing is a Source that sends n users, then fails.
func failing(n int, err error) Source {
	return func(ctx context.Context, sink roster.Sink) error {
		for i := range n {
			if e := sink.User(&roster.User{SourcedID: fmt.Sprint("u", i)}); e != nil {
				return e
			}
		}
		return err
	}
}

func TestCompareSourceError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := Compare(t.Context(), FromRoster(base()), failing(10, boom), Options{})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "read new input") {
		t.Errorf("err = %v, want the new side's error", err)
	}
	_, err = Compare(t.Context(), failing(10, boom), FromRoster(base()), Options{Detail: true})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "read old input") {
		t.Errorf("err = %v, want the old side's error", err)
	}
	// Failing in the second pass only: a source that works once.
	calls := 0
	once := func(ctx context.Context, sink roster.Sink) error {
		calls++
		if calls > 1 {
			return boom
		}
		return base().Emit(sink)
	}
	_, err = Compare(t.Context(), once, FromRoster(edit(func(r *roster.Roster) { r.Users = nil })), Options{Detail: true})
	if !errors.Is(err, boom) || calls != 2 {
		t.Errorf("second pass: err = %v after %d calls, want the error after 2", err, calls)
	}
}

func TestCompareCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Compare(ctx, failing(10000, nil), failing(10000, nil), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestCarried(t *testing.T) {
	r := &roster.Roster{Users: []roster.User{
		{SourcedID: "a", GivenName: "A", Email: "a@x.org", Username: "a@x.org", Identifier: "a"},
		{SourcedID: "b", FamilyName: "B", Email: "b@x.org", Username: "b@x.org", Identifier: "b"},
	}}
	tests := []struct {
		name   string
		fields []string
		want   []string
	}{
		{"blank and copied fields dropped", []string{"sourcedId", "identifier", "givenName", "familyName", "middleName", "email", "username"},
			[]string{"sourcedId", "identifier", "givenName", "familyName", "email"}},
		{"the first of two equal fields stays", []string{"username", "email"}, []string{"username"}},
		{"a copy of sourcedId stays", []string{"sourcedId", "identifier"}, []string{"sourcedId", "identifier"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Carried(t.Context(), FromRoster(r), map[roster.Kind][]string{roster.UserKind: tc.fields, roster.OrgKind: {"name"}})
			if err != nil {
				t.Fatal(err)
			}
			want := map[roster.Kind][]string{roster.UserKind: tc.want, roster.OrgKind: {}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Carried = %v, want %v", got, want)
			}
		})
	}
	// Different values in one entity: not a copy.
	r.Users[1].Username = "bee"
	got, err := Carried(t.Context(), FromRoster(r), map[roster.Kind][]string{roster.UserKind: {"email", "username"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"email", "username"}; !reflect.DeepEqual(got[roster.UserKind], want) {
		t.Errorf("Carried = %v, want %v", got[roster.UserKind], want)
	}
}

// TestCompareLarge checks the large-table path (radix scatter, chunked tables) against a
// plain map comparison of random enrollments.
func TestCompareLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 100_000
	var old, new roster.Roster
	want := Counts{}
	for i := range n {
		e := roster.Enrollment{SourcedID: fmt.Sprintf("e%06d", i), ClassID: fmt.Sprint("c", i%997), UserID: fmt.Sprint("u", i), Role: "student"}
		switch x := rng.IntN(100); {
		case x < 3: // removed
			old.Enrollments = append(old.Enrollments, e)
			want.Removed++
		case x < 5: // changed
			old.Enrollments = append(old.Enrollments, e)
			e.Role = "teacher"
			new.Enrollments = append(new.Enrollments, e)
			want.Changed++
		default:
			old.Enrollments = append(old.Enrollments, e)
			new.Enrollments = append(new.Enrollments, e)
			want.Unchanged++
		}
		if rng.IntN(100) < 2 { // added
			new.Enrollments = append(new.Enrollments, roster.Enrollment{SourcedID: fmt.Sprintf("x%06d", i), ClassID: "c1", UserID: fmt.Sprint("u", i)})
			want.Added++
		}
	}
	rng.Shuffle(len(new.Enrollments), func(i, j int) { new.Enrollments[i], new.Enrollments[j] = new.Enrollments[j], new.Enrollments[i] })
	res, err := Compare(t.Context(), FromRoster(&old), FromRoster(&new), Options{Detail: true})
	if err != nil {
		t.Fatal(err)
	}
	got := *res.Summary[roster.EnrollmentKind]
	got.RemovedPercent = 0
	if got != want {
		t.Errorf("counts = %+v, want %+v", got, want)
	}
	if len(res.Changes) != want.Added+want.Removed+want.Changed {
		t.Errorf("%d changes, want %d", len(res.Changes), want.Added+want.Removed+want.Changed)
	}
	if !slices.IsSortedFunc(res.Changes, func(a, b Change) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("changes are not sorted by ID")
	}
	// Users who lost an enrollment and gained one in class c1 are class moves.
	moves := 0
	for _, nt := range res.Notes {
		if nt.Kind == NoteClassMove {
			moves++
		}
	}
	if moves == 0 {
		t.Error("no class-move notes")
	}
}

func TestSortChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 100, 4095, 4096, 70_000} {
		var chunks [][]Entry
		var all []Entry
		for i := range n {
			e := Entry{Key: rng.Uint64() >> uint(rng.IntN(2)*60), Row: uint64(i)} // some keys repeat
			chunks = appendEntry(chunks, e)
			all = append(all, e)
		}
		got := sortChunks(chunks)
		slices.SortStableFunc(all, func(x, y Entry) int {
			switch {
			case x.Key < y.Key:
				return -1
			case x.Key > y.Key:
				return 1
			}
			return 0
		})
		if !slices.Equal(got, all) {
			t.Errorf("n=%d: sortChunks differs from a stable sort", n)
		}
	}
}

// TestSecondReadStops checks that the second read stops once every differing entity is read:
// a change among the users leaves the enrollments after them unread.
func TestSecondReadStops(t *testing.T) {
	r := base()
	for i := range 1000 {
		r.Enrollments = append(r.Enrollments, roster.Enrollment{SourcedID: fmt.Sprint("x", i), ClassID: "c1", UserID: "u1"})
	}
	changed := edit(func(n *roster.Roster) {
		user(n, "u1").GivenName = "Augusta"
		n.Enrollments = r.Enrollments
	})
	var sent [2][]int // entities sent per call, per side
	counting := func(side int, src *roster.Roster) Source {
		return func(ctx context.Context, sink roster.Sink) error {
			n := 0
			err := src.Emit(countingSink{sink, &n})
			sent[side] = append(sent[side], n)
			return err
		}
	}
	res, err := Compare(t.Context(), counting(0, r), counting(1, changed), Options{Detail: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || res.Changes[0].Fields["givenName"].New != "Augusta" {
		t.Fatalf("changes %+v", res.Changes)
	}
	all := len(r.Orgs) + len(r.Classes) + len(r.Users) + len(r.Demographics) + len(r.Enrollments)
	for side, s := range sent {
		if len(s) != 2 || s[0] != all || s[1] >= len(r.Orgs)+len(r.Classes)+len(r.Users) {
			t.Errorf("side %d sent %v entities per read; want all %d, then the users only", side, s, all)
		}
	}
}

// countingSink passes entities on and counts them.
type countingSink struct {
	roster.Sink
	n *int
}

func (c countingSink) Org(v *roster.Org) error     { *c.n++; return c.Sink.Org(v) }
func (c countingSink) Class(v *roster.Class) error { *c.n++; return c.Sink.Class(v) }
func (c countingSink) User(v *roster.User) error   { *c.n++; return c.Sink.User(v) }
func (c countingSink) Demographics(v *roster.Demographics) error {
	*c.n++
	return c.Sink.Demographics(v)
}
func (c countingSink) Enrollment(v *roster.Enrollment) error { *c.n++; return c.Sink.Enrollment(v) }

// A pass-1 table sorted in place and read in order gives the entries of a stable sort, the
// first of each key only: small, at the size it is split into parts, and split.
func TestPartsSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 100, 4095, splitAt, splitAt + 1, 300_000} {
		var tab parts
		var all []Entry
		for i := range n {
			e := Entry{Key: rng.Uint64() >> uint(rng.IntN(2)*60), Row: uint64(i)} // some keys repeat
			if i%7 == 0 {
				e.Key = rng.Uint64() >> 40 // many in one part
			}
			tab.add(e)
			all = append(all, e)
		}
		var got []Entry
		for s := newSeq(tab.sort()...); s.more(); s.skip() {
			got = append(got, s.head())
		}
		slices.SortStableFunc(all, func(x, y Entry) int { return cmp.Compare(x.Key, y.Key) })
		want := slices.CompactFunc(all, func(x, y Entry) bool { return x.Key == y.Key })
		if !slices.Equal(got, want) {
			t.Errorf("n=%d: the table gives %d entries, a stable sort's first of each key %d (or another order)", n, len(got), len(want))
		}
	}
}
