package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats/capti"
	"github.com/rostersync/rostersync/pkg/atomicfile"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// writeConverted is also sync's convert step: a delta never reaches a full-roster file there
// either, and nothing is published.
func TestWriteConvertedRefusesDeltaToFullRoster(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "roster.csv")
	r := &roster.Roster{Delta: map[roster.Kind]bool{roster.UserKind: true},
		Users: []roster.User{{SourcedID: "u1", Status: roster.StatusToBeDeleted, Role: "student", GivenName: "A", FamilyName: "B", Email: "a@example.org"}}}
	_, err := writeConverted(context.Background(), capti.New(), atomicfile.NewFile(dest), r, format.Options{})
	if !errors.Is(err, errUnwritable) || !strings.Contains(err.Error(), "not a roster") {
		t.Fatalf("err = %v, want an errUnwritable saying a delta is not a roster", err)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("%s was written (stat: %v)", dest, err)
	}
}

// Output that passes its check is published at DEST, 0600, with no temporary file left
// beside it.
func TestWriteConvertedPublishesOnlyCheckedOutput(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "roster.csv")
	r := &roster.Roster{Users: []roster.User{
		{SourcedID: "u1", Role: "student", GivenName: "Ann", FamilyName: "Lee", Email: "ann@example.org"},
		{SourcedID: "u2", Role: "student", GivenName: "Bo", FamilyName: "Ng", Email: "bo@example.org"},
	}}
	if _, err := writeConvertedIn(context.Background(), capti.New(), atomicfile.NewFile(dest), dir, r, format.Options{}); err != nil {
		t.Fatalf("clean roster: %v", err)
	}
	b, err := os.ReadFile(dest)
	if err != nil || !strings.Contains(string(b), "bo@example.org") {
		t.Fatalf("published %q, %v", b, err)
	}
	fi, _ := os.Stat(dest)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// Output that fails its check (here a person_number a spreadsheet turned into scientific
// notation, which the Capti writer copies and the Capti validator rejects) is refused with the
// check's problems, and neither it nor its staging folder is left behind.
func TestWriteConvertedRefusesOutputFailingItsCheck(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "roster.csv")
	r := &roster.Roster{Users: []roster.User{{SourcedID: "u1", Role: "student", GivenName: "Ann", FamilyName: "Lee",
		Email: "ann@example.org", Identifier: "1.23457E+11"}}}
	probs, err := writeConvertedIn(context.Background(), capti.New(), atomicfile.NewFile(dest), dir, r, format.Options{})
	if !errors.Is(err, errUnwritable) || !strings.Contains(err.Error(), "fails its own validation") {
		t.Fatalf("err = %v, want the output's check to refuse it", err)
	}
	found := false
	for _, p := range probs.List() {
		found = found || p.Severity == roster.Error && p.Code == roster.CodeExcelDamage && p.Column == "person_number"
	}
	if !found {
		t.Errorf("problems %+v: want the person_number excel-damage error the check found", probs.List())
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("left in %s: %v", dir, left)
	}
}
