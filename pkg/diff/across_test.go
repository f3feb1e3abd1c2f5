package diff

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

// districtOffice writes the OneRoster example as a format holding schools only reads it back:
// the district is an office of its own sourcedId (Clever's DEFAULT_DISTRICT_OFFICE), users
// refer to it instead, and administrators have no identifier. The teacher tch37 is also at the
// district (old: district1 and sch0); edit changes the users further.
func districtOffice(t *testing.T, dir string, office bool, edit func(h, rec []string)) {
	t.Helper()
	if err := os.CopyFS(dir, os.DirFS("../../examples/oneroster")); err != nil {
		t.Fatal(err)
	}
	district := "district1"
	if office {
		district = "DEFAULT_DISTRICT_OFFICE"
		editCSV(t, filepath.Join(dir, "orgs.csv"), func(h, rec []string, _ int) []string {
			if h != nil && rec[col(h, "sourcedId")] == "district1" {
				rec[col(h, "sourcedId")], rec[col(h, "name")], rec[col(h, "identifier")] = district, "District office", ""
			}
			return rec
		})
	}
	editCSV(t, filepath.Join(dir, "users.csv"), func(h, rec []string, _ int) []string {
		if h == nil {
			return rec
		}
		switch rec[col(h, "sourcedId")] {
		case "adm38", "adm39":
			rec[col(h, "orgSourcedIds")] = district
			if office {
				rec[col(h, "identifier")] = ""
			}
		case "tch37":
			rec[col(h, "orgSourcedIds")] = "sch0," + district
		}
		if edit != nil {
			edit(h, rec)
		}
		return rec
	})
}

// TestOrgTypesAndRoleOmits: with Options.OrgTypes, orgs of other types are not compared and
// users' references to them are left out on each side (the district and the district office
// both); with Options.RoleOmits, a field is not compared for users of a role. What remains is
// still compared, read as entities or as raw rows.
func TestOrgTypesAndRoleOmits(t *testing.T) {
	ctx := context.Background()
	d := t.TempDir()
	orig, office, moved := filepath.Join(d, "orig"), filepath.Join(d, "office"), filepath.Join(d, "moved")
	districtOffice(t, orig, false, nil)
	districtOffice(t, office, true, nil)
	districtOffice(t, moved, true, func(h, rec []string) {
		switch rec[col(h, "sourcedId")] {
		case "adm38":
			rec[col(h, "orgSourcedIds")] = "sch1"
		case "tch37":
			rec[col(h, "identifier")] = "2000037"
		}
	})
	across := Options{Detail: true, OrgTypes: []string{"school"}, RoleOmits: map[string][]string{"administrator": {"identifier"}}}
	for name, wrap := range map[string]func(roster.Sink) roster.Sink{
		"raw":      func(s roster.Sink) roster.Sink { return s },
		"entities": func(s roster.Sink) roster.Sink { return entitiesOnly{s} },
	} {
		t.Run(name, func(t *testing.T) {
			// Without the rule: the office is another org, the administrators changed.
			res, err := Compare(ctx, readOneRoster(orig, wrap), readOneRoster(office, wrap), Options{Detail: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Identical() || res.Summary[roster.OrgKind].Added != 1 || res.Summary[roster.UserKind].Changed != 3 {
				t.Fatalf("without OrgTypes: %+v %+v", res.Summary[roster.OrgKind], res.Summary[roster.UserKind])
			}

			res, err = Compare(ctx, readOneRoster(orig, wrap), readOneRoster(office, wrap), across)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Identical() {
				t.Errorf("with OrgTypes and RoleOmits: changes %+v", res.Changes)
			}
			if got := res.Summary[roster.OrgKind]; *got != (Counts{Unchanged: 2}) {
				t.Errorf("orgs: %+v, want the two schools unchanged", got)
			}
			if !reflect.DeepEqual(res.OrgTypes, []string{"school"}) ||
				!reflect.DeepEqual(res.RoleOmits, map[string][]string{"administrator": {"identifier"}}) {
				t.Errorf("reported: org types %v, role omits %v", res.OrgTypes, res.RoleOmits)
			}

			res, err = Compare(ctx, readOneRoster(orig, wrap), readOneRoster(moved, wrap), across)
			if err != nil {
				t.Fatal(err)
			}
			want := []Change{
				{Kind: Changed, Entity: "user", ID: "adm38", Fields: map[string]FieldChange{"orgSourcedIds": {Old: "", New: "sch1"}}},
				{Kind: Changed, Entity: "user", ID: "tch37", Fields: map[string]FieldChange{"identifier": {Old: "1000037", New: "2000037"}}},
			}
			if !reflect.DeepEqual(res.Changes, want) {
				t.Errorf("changes:\n got %+v\nwant %+v", res.Changes, want)
			}
		})
	}
}

// TestRoleOmitsKeepTheKey: a user key is compared for every role, RoleOmits or not.
func TestRoleOmitsKeepTheKey(t *testing.T) {
	old := base()
	new := edit(func(r *roster.Roster) { user(r, "u3").Identifier = "2999" })
	res, err := Compare(context.Background(), FromRoster(old), FromRoster(new),
		Options{UserKey: "identifier", RoleOmits: map[string][]string{"teacher": {"identifier", "email"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Summary[roster.UserKind]; *got != (Counts{Added: 1, Removed: 1, Unchanged: 2, RemovedPercent: 33.3}) {
		t.Errorf("users: %+v, want the teacher removed and added under the new identifier", got)
	}
	if !reflect.DeepEqual(res.RoleOmits, map[string][]string{"teacher": {"email"}}) {
		t.Errorf("role omits %v, want email only", res.RoleOmits)
	}
}
