package oneroster

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// v12Write is what the writer writes as OneRoster 1.2: the 1.2 rostering files, users.csv in
// the 1.2.1 layout (without 1.2 Final's optional resourceSourcedIds), and roles.csv, written
// apart (writeRoles).
var v12Write = func() []*fileSpec {
	var out []*fileSpec
	for _, f := range v12 {
		if f.kind == "" {
			continue
		}
		g := *f
		g.cols = slices.DeleteFunc(slices.Clone(f.cols), func(c col) bool { return c.optional })
		out = append(out, &g)
	}
	return out
}()

// writeSpecs returns the rostering files the writer writes for a version.
func writeSpecs(version string) []*fileSpec {
	if version == "1.2" {
		return v12Write
	}
	return v11
}

// roleRow is one row of a written 1.2 roles.csv: the n-th role of user u, in org.
type roleRow struct {
	u    *roster.User
	n    int
	role string
	org  string
}

var roleColumns = columns[roleRow]{
	fields: map[string]field[roleRow]{
		"sourcedId":        func(r *roleRow, _ *filler) string { return roleID(r.u.SourcedID, r.n) },
		"status":           func(r *roleRow, _ *filler) string { return r.u.Status },
		"dateLastModified": func(r *roleRow, _ *filler) string { return r.u.DateLastModified },
		"userSourcedId":    func(r *roleRow, _ *filler) string { return r.u.SourcedID },
		"roleType":         func(*roleRow, *filler) string { return "primary" },
		"role":             func(r *roleRow, _ *filler) string { return r.role },
		"orgSourcedId":     func(r *roleRow, _ *filler) string { return r.org },
	},
	status: func(r *roleRow) string { return r.u.Status },
	meta:   func(*roleRow) []roster.KV { return nil },
}

// writeRoles writes the roles.csv of a 1.2 package: for each user, one primary role in each of
// its orgs (in the order of its orgs, each once), the role mapped to the 1.2 vocabulary
// (mapRole11to12). A role's sourcedId is role-<user sourcedId>-<n>, n counting the user's roles from
// 0. roles.csv is a delta file when users.csv is one, its rows carrying their user's status and
// dateLastModified. It returns the file's manifest mode, "" when no row was written.
func writeRoles(ctx context.Context, dst format.Dest, r *roster.Roster, rep roster.Reporter) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	types := make(map[string]string, len(r.Orgs))
	for i := range r.Orgs {
		types[r.Orgs[i].SourcedID] = r.Orgs[i].Type
	}
	bulk := !r.Delta[roster.UserKind]
	rows := make([]roleRow, 0, len(r.Users))
	noRole, first := 0, ""
	for i := range r.Users {
		u := &r.Users[i]
		if bulk && roster.Deleted(u.Status) {
			continue
		}
		n := 0
		var seen map[string]struct{} // the orgs so far, for a user in many
		if len(u.OrgIDs) > 32 {
			seen = make(map[string]struct{}, len(u.OrgIDs))
		}
		for k, org := range u.OrgIDs {
			if org == "" || u.Role == "" {
				continue
			}
			if seen != nil {
				if _, dup := seen[org]; dup {
					continue
				}
				seen[org] = struct{}{}
			} else if slices.Contains(u.OrgIDs[:k], org) {
				continue
			}
			rows = append(rows, roleRow{u: u, n: n, role: mapRole11to12(u.Role, types[org]), org: org})
			n++
		}
		if n == 0 {
			if noRole++; first == "" {
				first = u.SourcedID
			}
		}
	}
	if noRole > 0 {
		rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeLossy, File: "roles.csv", Column: "role",
			Message: fmt.Sprintf("%s no role in roles.csv (the first is %q): a 1.2 role needs a role and an org, and %s none", hasHave(noRole), first, hasHaveWord(noRole))})
	}
	spec := v12Spec("roles.csv")
	n, _, err := writeRecords(dst, spec, rows, roleColumns, nil, bulk)
	if err != nil || n == 0 {
		return "", err
	}
	if bulk {
		return "bulk", nil
	}
	return "delta", nil
}

func hasHaveWord(n int) string {
	if n == 1 {
		return "it has"
	}
	return "they have"
}

// v12Spec returns the 1.2 file called name.
func v12Spec(name string) *fileSpec {
	for _, f := range v12 {
		if f.name == name {
			return f
		}
	}
	panic("oneroster: no 1.2 file " + name)
}

// roleID is the sourcedId of a user's n-th written role: role-<user>-<n>, one to one with
// (user, n) since n is the digits after the last '-'. An ID that would pass the 255 characters
// of a GUID takes the user's hash instead of the user.
func roleID(user string, n int) string {
	id := "role-" + user + "-" + strconv.Itoa(n)
	if len(id) > 255 {
		id = "role-" + strconv.FormatUint(xxhash.Sum64String(user), 16) + "-" + strconv.Itoa(n)
	}
	return id
}

// mapRole11to12 maps a role of the model (the 1.1 vocabulary) to 1.2 in an org of orgType: an
// administrator is a siteAdministrator in a school or department and a districtAdministrator
// in any other org (district, local, state, national, or one the roster does not hold); the
// other 1.1 roles are 1.2 roles too. Reading maps these back (map12to11).
func mapRole11to12(role, orgType string) string {
	if role != "administrator" {
		return role
	}
	if orgType == "school" || orgType == "department" {
		return "siteAdministrator"
	}
	return "districtAdministrator"
}

// report12Columns says, for a 1.1 package, how many users had OneRoster 1.2 columns filled
// (from a 1.2 package) that 1.1 has no place for. Bulk's tobedeleted users are not written and
// not counted. A primaryOrgSourcedId that is the first of orgSourcedIds (every SDS user's) is
// not counted: the orgs are written in order, and the first is the one the SDS and Clever
// writers take for the primary of a user that names none.
func report12Columns(r *roster.Roster, rep roster.Reporter) {
	bulk := !r.Delta[roster.UserKind]
	n := 0
	for i := range r.Users {
		u := &r.Users[i]
		if bulk && roster.Deleted(u.Status) {
			continue
		}
		if loses12Columns(u) {
			n++
		}
	}
	if n > 0 {
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: "users.csv",
			Message: fmt.Sprintf("%s OneRoster 1.2 columns (userMasterIdentifier, preferred names, primaryOrgSourcedId, pronouns) not written: 1.1 has no place for them (write OneRoster 1.2 to keep them)", possessive(n, "user"))})
	}
}

// loses12Columns says whether a 1.1 users.csv has no place for something of u's: a OneRoster
// 1.2 column filled, a primaryOrgSourcedId other than the first of orgSourcedIds among them.
func loses12Columns(u *roster.User) bool {
	return u.UserMasterIdentifier != "" || u.PreferredGivenName != "" || u.PreferredMiddleName != "" ||
		u.PreferredFamilyName != "" || u.Pronouns != "" || u.PrimaryOrgID != "" && (len(u.OrgIDs) == 0 || u.PrimaryOrgID != u.OrgIDs[0])
}
