// Package capti is the Capti roster format (SPEC §2.1): one CSV file of users with lower snake
// case columns email, username, password, first_name, last_name, person_number and unique_id.
// The Capti ID (the login) is the email, or the username with a domain Capti appends; which of
// the two columns holds it is an option. Capti's file has no orgs, roles or classes.
package capti

import (
	"encoding/csv"
	"io/fs"
	"path"
	"strings"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Name is the format's --format value.
const Name = "capti"

// Column names of the Capti roster format.
const (
	ColEmail        = "email"
	ColUsername     = "username"
	ColPassword     = "password"
	ColFirstName    = "first_name"
	ColLastName     = "last_name"
	ColPersonNumber = "person_number"
	ColUniqueID     = "unique_id"
)

// MaxLen is the most characters Capti accepts in any value.
const MaxLen = 120

// DefaultColumns lists the built-in layout's columns in the order rostersync reads them (the
// order is not checked on reading).
var DefaultColumns = []string{ColEmail, ColUsername, ColPassword, ColFirstName, ColLastName, ColPersonNumber, ColUniqueID}

var known = map[string]bool{
	ColEmail: true, ColUsername: true, ColPassword: true, ColFirstName: true,
	ColLastName: true, ColPersonNumber: true, ColUniqueID: true,
}

// Format is the Capti roster format. The zero value is ready to use.
type Format struct{}

var _ format.Format = Format{}

// New returns the Capti format.
func New() Format { return Format{} }

// Name returns "capti".
func (Format) Name() string { return Name }

// Detect reports a header match when fsys holds one CSV file whose header names only Capti
// columns, including unique_id and email or username. A header that is mostly Capti's (at
// least three of its column names, in any case, and more than half of the header) is a name
// match: reading it then says what is wrong with the header instead of failing to tell the
// format. Capti publishes no file name, so the name alone never matches.
func (Format) Detect(fsys fs.FS) format.Match {
	name, err := singleFile(fsys)
	if err != nil {
		return format.NoMatch
	}
	// Any name serves for an exact header (a named pipe, a download without .csv); a near
	// miss needs the name to be a .csv (or stdin).
	named := name == "-" || strings.EqualFold(path.Ext(name), ".csv")
	line := format.HeaderLine(fsys, name)
	if line == "" {
		return format.NoMatch
	}
	cols, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		return format.NoMatch
	}
	seen := map[string]bool{}
	exact, folded := true, 0
	for _, c := range cols {
		if !known[c] || seen[c] {
			exact = false
		}
		seen[c] = true
		if known[strings.ToLower(strings.TrimSpace(c))] {
			folded++
		}
	}
	if exact && seen[ColUniqueID] && (seen[ColEmail] || seen[ColUsername]) {
		return format.HeaderMatch
	}
	if named && folded >= 3 && 2*folded > len(cols) {
		return format.NameMatch
	}
	return format.NoMatch
}

// Carries lists the canonical user fields a Capti file holds, as OneRoster column names. Only
// one of email and username is the ID column of a given file; both are listed.
func (Format) Carries() map[roster.Kind][]string {
	return map[roster.Kind][]string{
		roster.UserKind: {"sourcedId", "identifier", "givenName", "familyName", "email", "username", "password"},
	}
}

// UserKey returns "sourcedId": unique_id identifies a user.
func (Format) UserKey(format.Options) (user, org string) { return "sourcedId", "" }

// Roles: a Capti roster holds students, teachers and proctors (administrators and others are
// managed by hand).
func (Format) Roles() []string { return []string{"student", "teacher", "proctor"} }

// idColumn returns the column the options make the Capti ID.
func idColumn(opts format.Options) string {
	if settingsOf(opts).ID == ColUsername {
		return ColUsername
	}
	return ColEmail
}

// layout returns the column layout to use: opts.Layout when it is a Capti layout, else the
// built-in one. Required flags say which columns must be present in the header.
func layout(opts format.Options) []format.Column {
	if opts.Layout != nil && opts.Layout.Format == Name && len(opts.Layout.Columns) > 0 {
		return opts.Layout.Columns
	}
	cols := make([]format.Column, len(DefaultColumns))
	for i, n := range DefaultColumns {
		cols[i] = format.Column{Name: n, Required: n == ColFirstName || n == ColLastName || n == ColUniqueID}
	}
	return cols
}

func headerSpec(cols []format.Column) csvio.HeaderSpec {
	spec := csvio.HeaderSpec{Hint: "Capti columns are " + strings.Join(names(cols), ", ") + " (lower case, any order)"}
	for _, c := range cols {
		spec.Columns = append(spec.Columns, csvio.HeaderColumn{Name: c.Name, Optional: !c.Required})
	}
	return spec
}

func names(cols []format.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// singleFile returns the one roster file in fsys (hidden files such as .DS_Store ignored).
func singleFile(fsys fs.FS) (string, error) {
	files, err := format.Files(fsys)
	if err != nil {
		return "", err
	}
	var out []string
	for _, f := range files {
		if !strings.HasPrefix(f, ".") {
			out = append(out, f)
		}
	}
	switch len(out) {
	case 1:
		return out[0], nil
	case 0:
		return "", errNoFile
	}
	return "", &manyFilesError{files: out}
}

// Needs lists the entity kinds the writer uses: the others are only counted as dropped, so a
// district-sized conversion does not hold its enrollments in memory.
func (Format) Needs() []roster.Kind { return []roster.Kind{roster.OrgKind, roster.UserKind} }

// Title returns "Capti".
func (Format) Title() string { return "Capti" }

// Packaging says a Capti roster is one file, roster.csv by default; Capti exports have no
// fixed name, so a job pulls any *.csv.
func (Format) Packaging() format.Packaging {
	return format.Packaging{FileName: "roster.csv", Files: []string{"roster.csv"}, Pull: "*.csv"}
}
