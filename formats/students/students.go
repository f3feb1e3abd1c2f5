// Package students is the uppercase students.csv format (Software 4 Schools): one CSV of
// students whose header names are ALL_CAPS_WITH_UNDERSCORES in a fixed order. The built-in
// layout is STUDENT_ID, FIRST_NAME, LAST_NAME, GRADE, SITE_ID, EMAIL, PASSWORD, then the
// optional MIDDLE_NAME and BIRTHDATE; a layout from the configuration can replace it.
package students

import (
	"encoding/csv"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Name is the format's --format value.
const Name = "students"

// FileName is the name of the file the format reads and writes.
const FileName = "students.csv"

// Column names of the built-in layout.
const (
	ColStudentID  = "STUDENT_ID"
	ColFirstName  = "FIRST_NAME"
	ColLastName   = "LAST_NAME"
	ColGrade      = "GRADE"
	ColSiteID     = "SITE_ID"
	ColEmail      = "EMAIL"
	ColPassword   = "PASSWORD"
	ColMiddleName = "MIDDLE_NAME"
	ColBirthdate  = "BIRTHDATE"
)

// column is one column of the layout in use.
type column struct {
	name     string
	optional bool // the header may leave it out (it comes after the last column whose values are needed)
	required bool // the layout requires a value
}

// defaultLayout is the built-in layout. Required marks the columns whose values are required;
// the header must hold every column up to the last one whose values are needed (PASSWORD, or
// EMAIL with Google SSO), so a file may stop after PASSWORD.
var defaultLayout = format.Layout{Name: Name, Format: Name, Columns: []format.Column{
	{Name: ColStudentID, Required: true}, {Name: ColFirstName, Required: true},
	{Name: ColLastName, Required: true}, {Name: ColGrade, Required: true},
	{Name: ColSiteID, Required: true}, {Name: ColEmail}, {Name: ColPassword, Required: true},
	{Name: ColMiddleName}, {Name: ColBirthdate},
}}

// DefaultLayout returns the built-in layout as data, for documentation and for configuration
// files that start from it. Required marks the columns whose values are required; a header must
// hold every column up to the last required one, and may leave out the columns after it. With
// Google SSO, PASSWORD is not required and EMAIL is; STUDENT_ID is always required.
func DefaultLayout() format.Layout {
	l := defaultLayout
	l.Columns = slices.Clone(l.Columns)
	return l
}

// columnsOf checks a layout and returns its columns under opts: a column after the last one
// whose values opts need may be left out of the header.
func columnsOf(l *format.Layout, opts format.Options) ([]column, error) {
	if len(l.Columns) == 0 {
		return nil, fmt.Errorf("layout %q has no columns", l.Name)
	}
	seen := map[string]bool{}
	cols := make([]column, len(l.Columns))
	last := -1
	for i, c := range l.Columns {
		if strings.TrimSpace(c.Name) == "" {
			return nil, fmt.Errorf("layout %q: column %d has no name", l.Name, i+1)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("layout %q lists column %q twice", l.Name, c.Name)
		}
		seen[c.Name] = true
		cols[i] = column{name: c.Name, required: c.Required}
		if cols[i].needed(settingsOf(opts)) {
			last = i
		}
	}
	if !seen[ColStudentID] {
		return nil, fmt.Errorf("layout %q has no %s column, which identifies each student", l.Name, ColStudentID)
	}
	for i := range cols {
		cols[i].optional = i > last
	}
	return cols, nil
}

// layoutColumns returns the columns in use: opts.Layout when it is a students layout, else the
// built-in one.
func layoutColumns(opts format.Options) ([]column, error) {
	if opts.Layout == nil || opts.Layout.Format != Name {
		return columnsOf(&defaultLayout, opts)
	}
	return columnsOf(opts.Layout, opts)
}

// needed reports whether c's values are required under opts.
func (c column) needed(set Settings) bool {
	switch c.name {
	case ColStudentID:
		return true
	case ColPassword:
		if set.GoogleSSO {
			return false
		}
	case ColEmail:
		if set.GoogleSSO {
			return true
		}
	}
	return c.required
}

// Format is the uppercase students.csv format. The zero value is ready to use.
type Format struct{}

var _ format.Format = Format{}

// New returns the students.csv format.
func New() Format { return Format{} }

// Name returns "students".
func (Format) Name() string { return Name }

// Carries lists the canonical fields a students.csv carries, as OneRoster column names.
func (Format) Carries() map[roster.Kind][]string {
	return map[roster.Kind][]string{
		roster.UserKind: {"identifier", "givenName", "familyName", "middleName", "email", "password", "grades", "orgSourcedIds"},
	}
}

// CarriesWith is Carries with opts: with --student-id sourcedId, STUDENT_ID holds the
// sourcedId (the user key), so the file carries no identifier to compare.
func (f Format) CarriesWith(opts format.Options) map[roster.Kind][]string {
	c := f.Carries()
	if strings.EqualFold(settingsOf(opts).StudentID, "sourcedId") {
		c[roster.UserKind] = slices.DeleteFunc(c[roster.UserKind], func(s string) bool { return s == "identifier" })
	}
	return c
}

// UserKey returns "identifier": STUDENT_ID is the student number, OneRoster's identifier
// (sourcedId with --student-id sourcedId), and SITE_ID a school's identifier.
func (Format) UserKey(opts format.Options) (user, org string) {
	if strings.EqualFold(settingsOf(opts).StudentID, "sourcedId") {
		return "sourcedId", "identifier" // STUDENT_ID written from sourcedId (--student-id sourcedId)
	}
	return "identifier", "identifier" // schools named by their identifier (SITE_ID), as users are
}

// Roles: a students.csv holds students only.
func (Format) Roles() []string { return []string{"student"} }

// Needs lists the entity kinds the writer uses.
func (Format) Needs() []roster.Kind {
	return []roster.Kind{roster.OrgKind, roster.UserKind, roster.DemographicsKind}
}

// pickFile returns the file to read in fsys: the one named students.csv (any case), else the
// only file there is.
func pickFile(fsys fs.FS) (string, error) {
	names, err := format.Files(fsys)
	if err != nil {
		return "", fmt.Errorf("list input: %w", err)
	}
	for _, n := range names {
		if strings.EqualFold(n, FileName) {
			return n, nil
		}
	}
	var csvs []string
	for _, n := range names {
		if strings.EqualFold(path.Ext(n), ".csv") {
			csvs = append(csvs, n)
		}
	}
	switch {
	case len(names) == 1:
		return names[0], nil
	case len(csvs) == 1:
		return csvs[0], nil
	case len(names) == 0:
		return "", fmt.Errorf("no %s in the input", FileName)
	}
	return "", fmt.Errorf("no %s in the input, and %d files to choose from", FileName, len(names))
}

// Detect is HeaderMatch when the header is the built-in layout (exact names and order, the
// optional columns possibly left out), NameMatch when the file is named students.csv or the
// header holds the layout's names in another case or order, else NoMatch.
func (Format) Detect(fsys fs.FS) format.Match {
	name, err := pickFile(fsys)
	if err != nil {
		return format.NoMatch
	}
	named := strings.EqualFold(name, FileName)
	line := format.HeaderLine(fsys, name)
	cr := csv.NewReader(strings.NewReader(line))
	hdr, err := cr.Read()
	if err != nil {
		if named {
			return format.NameMatch
		}
		return format.NoMatch
	}
	if headerIs(hdr, false) {
		return format.HeaderMatch
	}
	if named || headerIs(hdr, true) {
		return format.NameMatch
	}
	return format.NoMatch
}

// headerIs reports whether hdr is the built-in layout: in order with exact names, or (loose)
// the same names in any case and order. Optional columns may be left out either way, with or
// without Google SSO (which lets a file stop after EMAIL).
func headerIs(hdr []string, loose bool) bool {
	got := hdr
	if loose {
		got = make([]string, len(hdr))
		for i, h := range hdr {
			got[i] = strings.ToUpper(strings.TrimSpace(h))
		}
		slices.Sort(got)
	}
	for _, sso := range []bool{false, true} {
		cols, err := columnsOf(&defaultLayout, format.Options{}.WithSettings(Name, Settings{GoogleSSO: sso}))
		if err != nil {
			panic(err) // the built-in layout is valid
		}
		var want []string
		for _, c := range cols {
			if slices.Contains(got, c.name) || !c.optional {
				want = append(want, c.name)
			}
		}
		if loose {
			slices.Sort(want)
		}
		if slices.Equal(got, want) {
			return true
		}
	}
	return false
}

// Title returns "students.csv".
func (Format) Title() string { return "students.csv" }

// Packaging says the roster is one file, students.csv.
func (Format) Packaging() format.Packaging {
	return format.Packaging{FileName: "students.csv", Files: []string{"students.csv"}}
}

// OrgUse says SITE_ID comes from each user's school.
func (Format) OrgUse() format.OrgUse { return format.OrgsReferenced }
