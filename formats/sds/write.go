package sds

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/value"
)

// contactRoles are the model's roles of users SDS keeps as contacts: a users.csv row and
// relationships.csv rows, no roles.csv row.
var contactRoles = map[string]string{"guardian": "guardian", "parent": "parent", "relative": "relative"}

// writer holds the state of one Write.
type writer struct {
	ctx   context.Context
	dst   format.Dest
	rep   roster.Reporter
	lossy map[string]map[string]int // file -> reason -> count
	order []string                  // file|reason in the order first seen
}

func (w *writer) drop(file, reason string, n int) {
	if n <= 0 {
		return
	}
	if w.lossy[file] == nil {
		w.lossy[file] = map[string]int{}
	}
	if _, ok := w.lossy[file][reason]; !ok {
		w.order = append(w.order, file+"\x00"+reason)
	}
	w.lossy[file][reason] += n
}

func (w *writer) fail(file, code, column, msg string) {
	w.rep.Report(roster.Problem{Severity: roster.Error, Code: code, File: file, Column: column, Message: msg + " (not written)"})
}

// file writes one file: its header, then the rows rows sends to write. A row with a line break
// in a value is refused (SDS accepts none, even quoted).
func (w *writer) file(name string, header []string, rows func(write func(what string, rec []string) bool) error) error {
	out, err := w.dst.Create(name)
	if err != nil {
		return fmt.Errorf("sds: create %s: %w", name, err)
	}
	cw := csvio.NewWriter(out)
	cw.UseCRLF = true // as Microsoft's samples
	werr := cw.Write(header)
	n := 0
	write := func(what string, rec []string) bool {
		if werr != nil {
			return false
		}
		for i, v := range rec {
			if hasLineBreak(v) {
				w.fail(name, roster.CodeParse, header[i], fmt.Sprintf("%s: %s holds a line break, which SDS refuses even quoted", what, header[i]))
				return false
			}
		}
		if n++; n%4096 == 0 {
			if err := w.ctx.Err(); err != nil {
				werr = err
				return false
			}
		}
		werr = cw.Write(rec)
		return werr == nil
	}
	if werr == nil {
		if err := rows(write); err != nil && werr == nil {
			werr = err
		}
	}
	if werr == nil {
		cw.Flush()
		werr = cw.Error()
	}
	if cerr := out.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("sds: write %s: %w", name, werr)
	}
	return nil
}

// Write writes r as an SDS v2.1 file set: all ten files every time, a file with no rows as its
// header alone (SDS marks the records of a file left out of a later upload inactive), UTF-8
// without BOM, CRLF line endings as Microsoft's samples. Records with status tobedeleted are
// not written (a file set is a full snapshot). A username without a domain takes the user's
// e-mail, else the username at the Domain option; a user with neither is refused with an
// error, as are rows SDS would reject. What SDS has no place for is counted by reason (lossy).
func (f Format) Write(ctx context.Context, dst format.Dest, r *roster.Roster, opts format.Options, rep roster.Reporter) error {
	w := &writer{ctx: ctx, dst: dst, rep: rep, lossy: map[string]map[string]int{}}
	domain := strings.TrimPrefix(strings.TrimSpace(settingsOf(opts).Domain), "@")

	deleted := func(file string, n int) {
		w.drop(file, "with status tobedeleted not written: an SDS upload lists the records that exist", n)
	}
	orgs := map[string]bool{}
	err := w.file(fileOrgs, specByName(fileOrgs).names(), func(write func(string, []string) bool) error {
		del := 0
		for i := range r.Orgs {
			o := &r.Orgs[i]
			if roster.Deleted(o.Status) {
				del++
				continue
			}
			what := fmt.Sprintf("org %q", o.SourcedID)
			if _, ok := orgTypes[strings.ToLower(o.Type)]; !ok {
				w.fail(fileOrgs, roster.CodeBadEnum, "type", fmt.Sprintf("%s: type %q is not an SDS org type", what, o.Type))
				continue
			}
			if write(what, []string{o.SourcedID, o.Name, canon(orgTypes, o.Type), o.ParentID}) {
				orgs[o.SourcedID] = true
			}
			if o.Identifier != "" {
				w.drop(fileOrgs, "identifiers not written: SDS orgs have no identifier column", 1)
			}
		}
		deleted(fileOrgs, del)
		return nil
	})
	if err != nil {
		return err
	}
	err = w.file(fileSessions, specByName(fileSessions).names(), func(write func(string, []string) bool) error {
		del := 0
		yearEnds := schoolYearEnds(r.AcademicSessions)
		for i := range r.AcademicSessions {
			s := &r.AcademicSessions[i]
			if roster.Deleted(s.Status) {
				del++
				continue
			}
			write(fmt.Sprintf("academic session %q", s.SourcedID), sessionRow(yearEnds, s))
			if s.ParentID != "" {
				w.drop(fileSessions, "parentSourcedIds not written: SDS academic sessions have no parent", 1)
			}
		}
		deleted(fileSessions, del)
		return nil
	})
	if err != nil {
		return err
	}
	err = w.file(fileCourses, specByName(fileCourses).names(), func(write func(string, []string) bool) error {
		del := 0
		for i := range r.Courses {
			c := &r.Courses[i]
			if roster.Deleted(c.Status) {
				del++
				continue
			}
			subject := first(c.SubjectCodes)
			if subject == "" {
				subject = first(c.Subjects)
			}
			write(fmt.Sprintf("course %q", c.SourcedID), []string{c.SourcedID, c.OrgID, c.Title, c.CourseCode, c.SchoolYearID, subject, first(c.Grades)})
			if len(c.Grades) > 1 {
				w.drop(fileCourses, "grades past the first not written: an SDS course has one grade", 1)
			}
			if len(c.SubjectCodes)+len(c.Subjects) > 1 {
				w.drop(fileCourses, "subjects past the first not written: an SDS course has one subject", 1)
			}
		}
		deleted(fileCourses, del)
		return nil
	})
	if err != nil {
		return err
	}
	classes := map[string]bool{}
	err = w.file(fileClasses, specByName(fileClasses).names(), func(write func(string, []string) bool) error {
		del := 0
		for i := range r.Classes {
			c := &r.Classes[i]
			if roster.Deleted(c.Status) {
				del++
				continue
			}
			what := fmt.Sprintf("class %q", c.SourcedID)
			if c.SchoolID == "" {
				w.fail(fileClasses, roster.CodeMissingRequired, "orgSourcedId", what+": it has no school, and SDS requires a class's orgSourcedId")
				continue
			}
			if write(what, []string{c.SourcedID, c.SchoolID, c.Title, strings.Join(c.TermIDs, ","), c.CourseID}) {
				classes[c.SourcedID] = true
			}
			classDropped(c, func(reason string) { w.drop(fileClasses, reason, 1) })
		}
		deleted(fileClasses, del)
		return nil
	})
	if err != nil {
		return err
	}

	// Users: usernames made name@domain first, so that roles and enrollments of a user who
	// cannot be written are left out with it.
	users := map[string]*roster.User{}
	names := map[string]string{} // folded username -> user
	refused := map[string]bool{} // users not written for an error
	err = w.file(fileUsers, specByName(fileUsers).names(), func(write func(string, []string) bool) error {
		del := 0
		for i := range r.Users {
			u := &r.Users[i]
			if roster.Deleted(u.Status) {
				del++
				continue
			}
			what := fmt.Sprintf("user %q", u.SourcedID)
			un := u.Username
			switch {
			case strings.Contains(un, "@"):
			case u.Email != "":
				if un != "" {
					w.drop(fileUsers, "usernames without a domain written as the user's e-mail (SDS usernames are name@domain)", 1)
				}
				un = u.Email
			case un != "" && domain != "":
				un += "@" + domain
				w.drop(fileUsers, "usernames without a domain written with the sds domain option's @"+domain, 1)
			default:
				w.fail(fileUsers, roster.CodeBadID, "username", fmt.Sprintf("%s: username %q has no domain and the user has no e-mail; SDS usernames are name@domain: give the sds format's domain option", what, un))
				refused[u.SourcedID] = true
				continue
			}
			if why := value.EmailProblem(un); why != "" {
				w.fail(fileUsers, roster.CodeBadID, "username", fmt.Sprintf("%s: username %q %s, and SDS usernames are name@domain", what, un, why))
				refused[u.SourcedID] = true
				continue
			}
			if other, dup := names[strings.ToLower(un)]; dup {
				w.fail(fileUsers, roster.CodeIDCollision, "username", fmt.Sprintf("%s: username %q is already user %q's: two users would share one sign-in", what, un, other))
				refused[u.SourcedID] = true
				continue
			}
			drop := func(why string) { w.drop(fileUsers, why, 1) }
			if !write(what, userRow(u, un, drop)) {
				refused[u.SourcedID] = true
				continue
			}
			names[strings.ToLower(un)] = u.SourcedID
			users[u.SourcedID] = u
			userLosses(u, drop)
		}
		deleted(fileUsers, del)
		return nil
	})
	if err != nil {
		return err
	}
	err = w.file(fileRoles, specByName(fileRoles).names(), func(write func(string, []string) bool) error {
		for i := range r.Users {
			u := &r.Users[i]
			if users[u.SourcedID] != u {
				continue
			}
			if _, contact := contactRoles[u.Role]; contact {
				continue
			}
			role := sdsRole(u.Role)
			if role == "" {
				continue // no role to write: nothing dropped (convert and sync refuse such users first)
			}
			if role != u.Role {
				w.drop(fileRoles, fmt.Sprintf("role %q written as SDS's %q", u.Role, role), 1)
			}
			if len(u.OrgIDs) == 0 {
				w.drop(fileRoles, "users without an org written without a roles.csv row (SDS links users to orgs there)", 1)
				continue
			}
			for _, row := range roleRows(u, role) {
				write(fmt.Sprintf("user %q", u.SourcedID), row)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = w.file(fileEnrollments, specByName(fileEnrollments).names(), func(write func(string, []string) bool) error {
		del := 0
		// A repeat is the same class, user and role: not the same id, which "/" in an ID can
		// make of two enrollments (a/b + c, a + b/c).
		seen := map[[3]string]bool{}
		for i := range r.Enrollments {
			e := &r.Enrollments[i]
			if roster.Deleted(e.Status) {
				del++
				continue
			}
			if refused[e.UserID] {
				w.drop(fileEnrollments, "enrollments of users not written left out", 1)
				continue
			}
			role := sdsEnrollmentRole(e.Role)
			if role == "" {
				w.drop(fileEnrollments, fmt.Sprintf("enrollments with role %q not written: SDS enrollments have no such role", e.Role), 1)
				continue
			}
			id := EnrollmentID(e.ClassID, e.UserID, role)
			if key := [3]string{e.ClassID, e.UserID, role}; seen[key] {
				w.drop(fileEnrollments, "enrollments repeating another's class, user and role not written (SDS keeps one)", 1)
				continue
			} else {
				seen[key] = true
			}
			if write(fmt.Sprintf("enrollment %q", e.SourcedID), []string{e.ClassID, e.UserID, role}) {
				if e.SourcedID != id {
					w.drop(fileEnrollments, "enrollment sourcedIds not written: SDS enrollments have none, and read back each is class/user/role", 1)
				}
				if role != e.Role {
					w.drop(fileEnrollments, fmt.Sprintf("enrollment role %q written as SDS's %q", e.Role, role), 1)
				}
				if e.Primary != "" || e.BeginDate != "" || e.EndDate != "" {
					w.drop(fileEnrollments, "enrollment primary flags and dates not written: SDS enrollments have no such columns", 1)
				}
			}
		}
		deleted(fileEnrollments, del)
		return nil
	})
	if err != nil {
		return err
	}
	err = w.file(fileDemographics, specByName(fileDemographics).names(), func(write func(string, []string) bool) error {
		del := 0
		for i := range r.Demographics {
			d := &r.Demographics[i]
			if roster.Deleted(d.Status) {
				del++
				continue
			}
			write(fmt.Sprintf("demographics of %q", d.SourcedID), demographicsRow(d, func(why string) { w.drop(fileDemographics, why, 1) }))
			if d.PublicSchoolResidenceStatus != "" {
				w.drop(fileDemographics, "publicSchoolResidenceStatus values not written: SDS has no such column", 1)
			}
		}
		deleted(fileDemographics, del)
		return nil
	})
	if err != nil {
		return err
	}
	err = w.file(fileUserFlags, specByName(fileUserFlags).names(), func(func(string, []string) bool) error { return nil })
	if err != nil {
		return err
	}
	err = w.file(fileRelationships, specByName(fileRelationships).names(), func(write func(string, []string) bool) error {
		// A student and a contact each list the other (OneRoster's agentSourcedIds go both
		// ways); SDS has one row, the student's. A contact's own list is read as its students.
		written := map[[2]string]bool{}
		for i := range r.Users {
			u := &r.Users[i]
			if users[u.SourcedID] != u {
				continue
			}
			_, uContact := contactRoles[u.Role]
			for _, a := range u.AgentIDs {
				c := users[a]
				if c == nil {
					w.drop(fileRelationships, "agentSourcedIds naming a user not written left out", 1)
					continue
				}
				s := u
				if _, cContact := contactRoles[c.Role]; uContact && !cContact {
					s, c = c, u // a guardian's student
				}
				if written[[2]string{s.SourcedID, c.SourcedID}] {
					continue
				}
				written[[2]string{s.SourcedID, c.SourcedID}] = true
				if c.GivenName == "" || c.FamilyName == "" || c.Email == "" {
					w.fail(fileRelationships, roster.CodeMissingRequired, "relationshipUserSourcedId",
						fmt.Sprintf("user %q's contact %q lacks a givenName, familyName or email, which SDS requires of a contact", s.SourcedID, c.SourcedID))
					continue
				}
				role := contactRoles[c.Role]
				if role == "" {
					role = canon(relationshipRoles, c.Role)
					if _, ok := relationshipRoles[strings.ToLower(c.Role)]; !ok {
						role = "other"
						w.drop(fileRelationships, fmt.Sprintf("contacts of role %q written with relationshipRole other", c.Role), 1)
					}
				}
				write(fmt.Sprintf("user %q's contact %q", s.SourcedID, c.SourcedID), []string{s.SourcedID, c.SourcedID, role})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range w.order {
		file, reason, _ := strings.Cut(k, "\x00")
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: file, Message: fmt.Sprintf("%d %s", w.lossy[file][reason], reason)})
	}
	if len(r.Demographics) > 0 {
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodePersonalData, File: fileDemographics,
			Message: fmt.Sprintf("%d demographics records written: they hold birth dates, share them only when SDS needs them", len(r.Demographics))})
	}
	return nil
}

func lossyTail(what string) string {
	if strings.Contains(what, "written") {
		return ""
	}
	return " not written: SDS has no place for them"
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// sdsRole maps a model role to an SDS roles.csv role ("" for none).
func sdsRole(role string) string {
	switch role {
	case "":
		return ""
	case "aide":
		return "teacherAssistant"
	}
	if _, ok := roleValues[strings.ToLower(role)]; ok {
		return canon(roleValues, role)
	}
	return "other"
}

// sdsEnrollmentRole maps a model enrollment role to an SDS enrollments.csv role ("" for none).
func sdsEnrollmentRole(role string) string {
	if role == "aide" {
		return "teacherAssistant"
	}
	if _, ok := enrollmentRoles[strings.ToLower(role)]; ok {
		return canon(enrollmentRoles, role)
	}
	return ""
}

// schoolYearOf returns s's schoolYear or, when it has none (OneRoster 1.0 has no such column),
// the year of its school year's end date: its parent's when the parent is a school year, else
// its own. A session with neither stays blank, which the validator then names.
func schoolYearOf(yearEnds map[string]string, s *roster.AcademicSession) string {
	if s.SchoolYear != "" {
		return s.SchoolYear
	}
	end := s.EndDate
	if e, ok := yearEnds[s.ParentID]; ok {
		end = e
	}
	if len(end) >= 10 && end[4] == '-' {
		if _, err := strconv.Atoi(end[:4]); err == nil {
			return end[:4]
		}
	}
	return ""
}

// demographicsRow is d's demographics.csv row; drop is told what of it SDS cannot hold (a sex
// outside its vocabulary, written blank).
func demographicsRow(d *roster.Demographics, drop func(why string)) []string {
	sex := ""
	if d.Sex != "" {
		if _, ok := sexes[strings.ToLower(d.Sex)]; ok {
			sex = canon(sexes, d.Sex)
		} else {
			drop(fmt.Sprintf("sex %q not written: SDS has male, female and notSelected", d.Sex))
		}
	}
	var races []string
	for _, code := range raceOrder {
		if strings.EqualFold(*raceField(d, code), "true") {
			races = append(races, code)
		}
	}
	eth := ""
	if strings.EqualFold(d.HispanicOrLatinoEthnicity, "true") {
		eth = "hispanicOrLatinoEthnicity"
	}
	return []string{d.SourcedID, sex, d.BirthDate, d.CityOfBirth, d.StateOfBirthAbbreviation, d.CountryOfBirthCode, eth, strings.Join(races, ",")}
}

// schoolYearEnds maps each school year's sourcedId to its end date.
func schoolYearEnds(sessions []roster.AcademicSession) map[string]string {
	ends := map[string]string{}
	for i := range sessions {
		if y := &sessions[i]; y.Type == "schoolYear" {
			ends[y.SourcedID] = y.EndDate
		}
	}
	return ends
}

// sessionRow is s's academicSessions.csv row.
func sessionRow(yearEnds map[string]string, s *roster.AcademicSession) []string {
	return []string{s.SourcedID, s.Title, canon(sessionTypes, s.Type), schoolYearOf(yearEnds, s), s.StartDate, s.EndDate}
}

// userRow is u's users.csv row, with username un; drop is told of the userIds SDS cannot hold
// (all but an activeDirectoryMatchId).
func userRow(u *roster.User, un string, drop func(why string)) []string {
	ad := ""
	for _, id := range u.UserIDs {
		if t, v, ok := strings.Cut(strings.Trim(id, "{}"), ":"); ok && t == ADMatchType {
			ad = v
		} else {
			drop("userIds not written: SDS users have only activeDirectoryMatchId")
		}
	}
	return []string{u.SourcedID, un, u.GivenName, u.FamilyName, u.Password, ad, u.Email, u.Phone, u.SMS}
}

// userLosses tells drop what of a written user SDS has no column for.
func userLosses(u *roster.User, drop func(why string)) {
	for _, x := range []struct {
		has  bool
		what string
	}{{u.MiddleName != "", "middle names"}, {u.Identifier != "", "identifiers (student and staff numbers)"},
		{strings.EqualFold(u.EnabledUser, "false"), "users with enabledUser false written (SDS has no disabled users)"}, {len(u.Grades) > 1, "grades past the first"},
		{u.PreferredGivenName+u.PreferredMiddleName+u.PreferredFamilyName != "", "preferred names"},
		{u.Pronouns != "", "pronouns"}, {u.UserMasterIdentifier != "", "userMasterIdentifiers"}, {len(u.Metadata) > 0, "metadata values"}} {
		if x.has {
			drop(x.what + lossyTail(x.what))
		}
	}
}

// roleRows are u's roles.csv rows as role, one per org (u has one): its primary org (the
// first when it names none of them) marked isPrimary.
func roleRows(u *roster.User, role string) [][]string {
	prim := u.PrimaryOrgID
	if prim == "" || !slices.Contains(u.OrgIDs, prim) {
		prim = u.OrgIDs[0]
	}
	rows := make([][]string, 0, len(u.OrgIDs))
	for _, org := range u.OrgIDs {
		isPrim := "false"
		if org == prim {
			isPrim = "true"
		}
		rows = append(rows, []string{u.SourcedID, org, role, "", first(u.Grades), isPrim, "", ""})
	}
	return rows
}

// classDropped calls drop with the reason for each field of c that SDS classes have no column
// for (Write and the streaming writer count them alike).
func classDropped(c *roster.Class, drop func(reason string)) {
	for _, x := range [...]struct {
		has  bool
		what string
	}{{c.ClassCode != "", "class codes"}, {c.ClassType != "" && c.ClassType != classType, "class types other than scheduled"}, {c.Location != "", "locations"},
		{len(c.Grades) > 0, "class grades"}, {len(c.Subjects)+len(c.SubjectCodes) > 0, "class subjects"}, {len(c.Periods) > 0, "periods"}} {
		if x.has {
			drop(x.what + " not written: SDS classes have no such column")
		}
	}
}

// hasLineBreak reports whether v holds a CR or LF (SDS refuses them, even quoted): a byte loop,
// faster than strings.ContainsAny on the short values of a roster.
func hasLineBreak(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\n' || c == '\r' {
			return true
		}
	}
	return false
}
