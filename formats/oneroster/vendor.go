package oneroster

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/roster"
)

// role12 is what OneRoster 1.2 roles.csv says about one user: the primary role and its orgs.
type role12 struct {
	role string
	orgs []string
	// first is the user's first 1.2 role as written, and mixed whether another row of theirs
	// gives another (what the model, one role per user, cannot keep).
	first string
	mixed bool
}

// preReadRoles reads roles.csv of a 1.2 package before users.csv, so the users sent to the
// sink carry a role and orgs as in 1.1, and the Capti rules know each user's role. Validation
// alone reads it in order.
func (r *reader) preReadRoles() error {
	if r.discard && r.capti == nil {
		return nil
	}
	f, err := r.fsys.Open("roles.csv")
	if err != nil {
		return fmt.Errorf("open roles.csv: %w", err)
	}
	defer f.Close()
	quiet := roster.ReporterFunc(func(roster.Problem) {}) // reported when the file is read in order
	cr, err := csvio.NewReader(f, "roles.csv", csvio.Options{Encoding: r.opts.InputEncoding}, quiet)
	if err != nil || cr.Empty {
		return nil
	}
	pos := map[string]int{}
	for j, h := range cr.Header() {
		pos[h] = j
	}
	u, rt, rl, org := pos["userSourcedId"], pos["roleType"], pos["role"], pos["orgSourcedId"]
	if _, ok := pos["userSourcedId"]; !ok {
		return nil
	}
	r.roles12 = map[uint64]*role12{}
	var lost roleLoss
	for {
		rec, line, err := cr.Next()
		if errors.Is(err, io.EOF) {
			if !r.discard && !r.opts.Reread { // validate builds no roster; a reread reported it before
				lost.report(r.rep)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if len(rec) != len(cr.Header()) {
			continue
		}
		h := hash(rec[u])
		e := r.roles12[h]
		if e == nil {
			e = &role12{first: strings.Clone(rec[rl])}
			r.roles12[h] = e
		} else if rec[rl] != e.first && !e.mixed {
			e.mixed = true
			lost.mixed++
			if lost.mixedLine == 0 {
				lost.mixedLine, lost.mixedUser = line, strings.Clone(rec[u])
			}
		}
		if e.role == "" || rec[rt] == "primary" {
			e.role = map12to11(rec[rl])
		}
		e.orgs = append(e.orgs, rec[org])
		lost.row(rec, pos, line)
	}
}

// roleLoss counts what a 1.2 roles.csv says that the roster model (one role per user, in the
// 1.1 vocabulary, and the orgs) has no place for.
type roleLoss struct {
	mapped             map[string]int // a 1.2-only role -> rows
	mappedLine         int
	mixed, mixedLine   int
	mixedUser          string
	detail, detailLine int
	detailCol          string
}

func (l *roleLoss) row(rec []string, pos map[string]int, line int) {
	if role := rec[pos["role"]]; map12to11(role) != role && role != "districtAdministrator" && role != "siteAdministrator" {
		if l.mapped == nil {
			l.mapped = map[string]int{}
		}
		countKey(l.mapped, role)
		if l.mappedLine == 0 {
			l.mappedLine = line
		}
	}
	for _, c := range []string{"beginDate", "endDate", "userProfileSourcedId"} {
		if j, ok := pos[c]; ok && rec[j] != "" {
			if l.detail++; l.detailLine == 0 {
				l.detailLine, l.detailCol = line, c
			}
			break
		}
	}
}

// report says what was lost, once per kind, at the first row concerned (info: the mapping is
// the model's, not a defect of the package).
func (l *roleLoss) report(rep roster.Reporter) {
	info := func(line int, col, msg string) {
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: "roles.csv", Line: line, Column: col, Message: msg})
	}
	if len(l.mapped) > 0 {
		n, how := 0, []string{}
		for _, role := range slices.Sorted(maps.Keys(l.mapped)) {
			n += l.mapped[role]
			how = append(how, role+" as "+map12to11(role))
		}
		info(l.mappedLine, "role", fmt.Sprintf("%s of the 1.2 vocabulary read as 1.1 roles (%s): the roster keeps the 1.1 roles", plural(n, "role"), strings.Join(how, ", ")))
	}
	if l.mixed > 0 {
		who := "user has"
		if l.mixed > 1 {
			who = "users have"
		}
		info(l.mixedLine, "role", fmt.Sprintf("%d %s different roles in different orgs (%s): the roster keeps each user's primary role, given in all their orgs", l.mixed, who, l.mixedUser))
	}
	if l.detail > 0 {
		info(l.detailLine, l.detailCol, fmt.Sprintf("%s beginDate, endDate or userProfileSourcedId not kept: the roster has no place for them", possessive(l.detail, "role")))
	}
}

func possessive(n int, word string) string {
	if n == 1 {
		return "1 " + word + "'s"
	}
	return fmt.Sprintf("%d %ss'", n, word)
}

// map12to11 maps a 1.2 role to the 1.1 vocabulary the model uses.
func map12to11(role string) string {
	switch role {
	case "districtAdministrator", "siteAdministrator", "systemAdministrator", "principal":
		return "administrator"
	case "counselor":
		return "teacher"
	}
	return role
}

// captiRules reports what Capti's ClassLink reader (seed 002) would ignore or map: it reads
// only type=school orgs as locations, maps administrator to School or District Admin by the
// org's type, requires grades for students and recommends identifier and email.
type captiRules struct {
	rep                        roster.Reporter
	otherOrgs                  map[string]int
	schoolAdmins, districtAdms int
	ignoredRoles               map[string]int
	noIdentifier, noEmail      int
	firstNoIdentifier          int
	firstNoEmail               int
	otherUserIDs               int
}

func newCaptiRules(rep roster.Reporter) *captiRules {
	return &captiRules{rep: rep, otherOrgs: map[string]int{}, ignoredRoles: map[string]int{}}
}

func (c *captiRules) row(fr *fileReader, rec []string, line int) {
	switch fr.file {
	case "orgs.csv":
		if t := fr.get(rec, "type"); t != "school" && t != "" {
			countKey(c.otherOrgs, t)
		}
	case "users.csv":
		role, orgs := fr.get(rec, "role"), fr.list(rec, "orgSourcedIds")
		if rl := fr.r.roles12[hash(fr.get(rec, "sourcedId"))]; rl != nil { // 1.2: from roles.csv
			role, orgs = rl.role, rl.orgs
		}
		switch role {
		case "administrator":
			district := false
			for _, o := range orgs {
				if _, ok := fr.r.districts[hash(o)]; ok {
					district = true
				}
			}
			if district {
				c.districtAdms++
			} else {
				c.schoolAdmins++
			}
		case "aide", "guardian", "parent", "relative":
			countKey(c.ignoredRoles, role)
			return // Capti never reads these users: nothing else of theirs matters
		case "student":
			if fr.get(rec, "grades") == "" {
				fr.report(roster.Error, roster.CodeMissingRequired, line, "grades",
					"grades is blank: Capti requires a grade for every student")
			}
		}
		if fr.get(rec, "identifier") == "" {
			if c.noIdentifier == 0 {
				c.firstNoIdentifier = line
			}
			c.noIdentifier++
		}
		if fr.get(rec, "email") == "" {
			if c.noEmail == 0 {
				c.firstNoEmail = line
			}
			c.noEmail++
		}
		for _, id := range fr.list(rec, "userIds") {
			if !strings.HasPrefix(id, "{SSID:") {
				c.otherUserIDs++
			}
		}
	}
}

// countKey counts k in m, copying a new key: the row's strings point into a reused buffer.
func countKey(m map[string]int, k string) {
	if _, ok := m[k]; !ok {
		k = strings.Clone(k)
	}
	m[k]++
}

func (c *captiRules) finish() {
	info := func(file, col, msg string) {
		c.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: file, Column: col, Message: "Capti: " + msg})
	}
	for _, t := range slices.Sorted(maps.Keys(c.otherOrgs)) {
		n := c.otherOrgs[t]
		info("orgs.csv", "type", fmt.Sprintf("%s of type %s ignored: Capti makes locations of type=school orgs only", plural(n, "org"), t))
	}
	if c.schoolAdmins > 0 {
		info("users.csv", "role", fmt.Sprintf("%s School Admin (their orgs are schools)", become(c.schoolAdmins)))
	}
	if c.districtAdms > 0 {
		info("users.csv", "role", fmt.Sprintf("%s District Admin (an org of theirs is a district)", become(c.districtAdms)))
	}
	for _, role := range slices.Sorted(maps.Keys(c.ignoredRoles)) {
		n := c.ignoredRoles[role]
		info("users.csv", "role", fmt.Sprintf("%s with role %s ignored: Capti reads students, teachers, proctors and administrators", plural(n, "user"), role))
	}
	if c.otherUserIDs > 0 {
		info("users.csv", "userIds", fmt.Sprintf("%s other than {SSID:…} ignored: Capti reads the SSID type only", plural(c.otherUserIDs, "userIds item")))
	}
	if c.noIdentifier > 0 {
		c.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingRequired, File: "users.csv", Line: c.firstNoIdentifier,
			Column: "identifier", Message: fmt.Sprintf("Capti recommends identifier: %s no identifier (first on line %d)", hasHave(c.noIdentifier), c.firstNoIdentifier)})
	}
	if c.noEmail > 0 {
		c.rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingRequired, File: "users.csv", Line: c.firstNoEmail,
			Column: "email", Message: fmt.Sprintf("Capti recommends email: %s no email (first on line %d)", hasHave(c.noEmail), c.firstNoEmail)})
	}
}

func become(n int) string {
	if n == 1 {
		return "1 administrator becomes"
	}
	return fmt.Sprintf("%d administrators become", n)
}

func hasHave(n int) string {
	if n == 1 {
		return "1 user has"
	}
	return fmt.Sprintf("%d users have", n)
}
