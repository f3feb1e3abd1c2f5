package sds_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/formats/sds"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// write writes r with f and returns the files and what the writer reported.
func write(t *testing.T, f format.Format, r *roster.Roster) (fstest.MapFS, []roster.Problem) {
	t.Helper()
	dst := formattest.MemDest{}
	var probs []roster.Problem
	if err := f.Write(t.Context(), dst, r, format.Options{}, roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p) })); err != nil {
		t.Fatal(err)
	}
	fsys := dst.FS()
	return fsys, probs
}

func errorsOf(ps []roster.Problem) []string {
	var out []string
	for _, p := range ps {
		if p.Severity != roster.Info {
			out = append(out, fmt.Sprintf("%s:%d %s %s [%s] %s", p.File, p.Line, p.Severity, p.Code, p.Column, p.Message))
		}
	}
	return out
}

func enrollmentKeys(r *roster.Roster) []string {
	var out []string
	for _, e := range r.Enrollments {
		out = append(out, e.ClassID+" "+e.UserID+" "+e.Role+" "+e.SchoolID)
	}
	slices.Sort(out)
	return out
}

// OneRoster → SDS → OneRoster: the SDS files validate clean, the OneRoster package written
// back validates clean, and every user, class and enrollment comes back with its fields.
func TestOneRosterRoundTrip(t *testing.T) {
	_, orig, probs := formattest.Read(t, oneroster.New(), os.DirFS(filepath.Join("..", "..", "examples", "oneroster")), format.Options{})
	if e := errorsOf(probs); len(e) > 0 {
		t.Fatalf("the OneRoster example: %v", e)
	}
	sdsFiles, wprobs := write(t, sds.New(), &orig.Roster)
	if e := errorsOf(wprobs); len(e) > 0 {
		t.Fatalf("writing SDS: %v", e)
	}
	if len(sdsFiles) != 10 {
		t.Errorf("wrote %d files, want all 10 every time", len(sdsFiles))
	}
	_, mid, probs := formattest.Read(t, sds.New(), sdsFiles, format.Options{})
	if e := errorsOf(probs); len(e) > 0 {
		t.Fatalf("the SDS files do not validate clean: %v", e)
	}
	orFiles, _ := write(t, oneroster.New(), &mid.Roster)
	_, back, probs := formattest.Read(t, oneroster.New(), orFiles, format.Options{})
	if e := errorsOf(probs); len(e) > 0 {
		t.Fatalf("the OneRoster package written back does not validate clean: %v", e)
	}
	a, b := &orig.Roster, &back.Roster
	if len(a.Users) != len(b.Users) || len(a.Classes) != len(b.Classes) || len(a.Orgs) != len(b.Orgs) || len(a.Demographics) != len(b.Demographics) {
		t.Fatalf("counts differ: users %d/%d classes %d/%d orgs %d/%d demographics %d/%d", len(a.Users), len(b.Users),
			len(a.Classes), len(b.Classes), len(a.Orgs), len(b.Orgs), len(a.Demographics), len(b.Demographics))
	}
	if ka, kb := enrollmentKeys(a), enrollmentKeys(b); !slices.Equal(ka, kb) {
		t.Errorf("enrollments differ: %d before, %d after", len(ka), len(kb))
	}
	for i := range a.Users {
		ua, ub := a.Users[i], b.Users[i]
		if ua.SourcedID != ub.SourcedID || ua.Role != ub.Role || ua.GivenName != ub.GivenName || ua.FamilyName != ub.FamilyName ||
			ua.Email != ub.Email || !slices.Equal(ua.OrgIDs, ub.OrgIDs) || !slices.Equal(ua.AgentIDs, ub.AgentIDs) || ua.Password != ub.Password ||
			first(ua.Grades) != first(ub.Grades) {
			t.Errorf("user %s changed:\n%+v\n%+v", ua.SourcedID, ua, ub)
		}
	}
	for i := range a.Demographics {
		da, db := a.Demographics[i], b.Demographics[i]
		da.PublicSchoolResidenceStatus = "" // SDS has no place for it (reported lossy)
		if fmt.Sprintf("%+v", da) != fmt.Sprintf("%+v", db) {
			t.Errorf("demographics %s changed:\n%+v\n%+v", da.SourcedID, da, db)
		}
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
