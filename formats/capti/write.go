package capti

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/value"
)

// OutputFile is the name Write creates in its Dest.
const OutputFile = "roster.csv"

// writeColumns returns the columns Write writes and the Capti ID column: the layout's columns
// when opts has a Capti layout (a layout with only one of email and username makes that one the
// ID, as a file with only one of them does on reading), else the ID column, password,
// first_name, last_name, person_number, unique_id.
func writeColumns(opts format.Options) (cols []string, id string) {
	id = idColumn(opts)
	if opts.Layout != nil && opts.Layout.Format == Name && len(opts.Layout.Columns) > 0 {
		cols = opts.Layout.Names()
		hasEmail, hasUsername := slices.Contains(cols, ColEmail), slices.Contains(cols, ColUsername)
		switch {
		case hasEmail && !hasUsername:
			id = ColEmail
		case hasUsername && !hasEmail:
			id = ColUsername
		}
		return cols, id
	}
	return []string{id, ColPassword, ColFirstName, ColLastName, ColPersonNumber, ColUniqueID}, id
}

// userValue returns the value of Capti column col for u.
func userValue(u *roster.User, col string) string {
	switch col {
	case ColEmail:
		return u.Email
	case ColUsername:
		return u.Username
	case ColPassword:
		return u.Password
	case ColFirstName:
		return u.GivenName
	case ColLastName:
		return u.FamilyName
	case ColPersonNumber:
		return u.Identifier
	case ColUniqueID:
		return u.SourcedID
	}
	for _, kv := range u.Metadata {
		if kv.Key == col {
			return kv.Value
		}
	}
	return ""
}

// dropReasons says why users of a role are not written.
var dropReasons = map[string]string{
	"administrator": "Capti administrators are managed by hand, not by the roster file",
	"aide":          "Capti's roster holds students and faculty only",
	"guardian":      "Capti's roster holds students and faculty only",
	"parent":        "Capti's roster holds students and faculty only",
	"relative":      "Capti's roster holds students and faculty only",
}

// Write writes the users of r as one Capti roster file, roster.csv: UTF-8 without BOM, LF line
// endings, RFC 4180 quoting. Students, teachers and proctors are written; other roles are
// dropped and counted (lossy). A user whose values Capti would reject, or who would share a
// Capti ID or unique_id with an earlier user, is reported as an error and not written: an
// identity is never changed to make it fit.
func (Format) Write(ctx context.Context, dst format.Dest, r *roster.Roster, opts format.Options, rep roster.Reporter) error {
	cols, id := writeColumns(opts)
	w := &writer{cols: cols, id: id, domain: settingsOf(opts).Domain, rep: rep,
		users: r.Users, seenUID: idset.New(len(r.Users)), seenID: idset.New(len(r.Users))}

	faculty, deleted := 0, 0
	dropped := map[string]int{}
	unwritten := map[string]int{} // the non-ID column's values left out
	grades, middle := 0, 0        // users written without their grades, middle names
	err := csvio.WriteFile(dst, OutputFile, cols, func(write func([]string) error) error {
		rec := make([]string, len(cols))
		for i := range r.Users {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			u := &r.Users[i]
			if roster.Deleted(u.Status) {
				deleted++ // never written as an active user
				continue
			}
			switch u.Role {
			case "", "student":
			case "teacher", "proctor":
				faculty++
			default:
				dropped[u.Role]++
				continue
			}
			if !w.check(u, i) {
				continue
			}
			for j, c := range cols {
				rec[j] = userValue(u, c)
			}
			for _, c := range [...]string{ColEmail, ColUsername} {
				// A value the row holds in another column (a username that is the e-mail address or
				// the student number) loses nothing.
				if v := userValue(u, c); v != "" && !slices.Contains(cols, c) && !slices.ContainsFunc(rec, func(w string) bool { return strings.EqualFold(v, w) }) {
					unwritten[c]++
				}
			}
			if len(u.Grades) > 0 {
				grades++
			}
			if u.MiddleName != "" {
				middle++
			}
			if err := write(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return err
		}
		return fmt.Errorf("capti: %w", err)
	}

	lossy := func(msg string) {
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: OutputFile, Message: msg})
	}
	if deleted > 0 {
		lossy(fmt.Sprintf("%s with status tobedeleted not written: a roster lists the users that exist", plural(deleted, "user", "users")))
	}
	if faculty > 0 {
		lossy(fmt.Sprintf("%s written without a role: Capti's file has no role column", plural(faculty, "teacher/proctor", "teachers/proctors")))
	}
	roles := make([]string, 0, len(dropped))
	for role := range dropped {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	for _, role := range roles {
		reason, ok := dropReasons[role]
		if !ok {
			reason = "Capti's roster holds students and faculty only"
		}
		lossy(fmt.Sprintf("%s with role %q not written: %s", plural(dropped[role], "user", "users"), role, reason))
	}
	for _, c := range [...]string{ColEmail, ColUsername} {
		if n := unwritten[c]; n > 0 {
			lossy(fmt.Sprintf("%s not written: the Capti ID column is %s and the file holds only one ID column", plural(n, c, c+"s"), id))
		}
	}
	if grades > 0 {
		lossy(fmt.Sprintf("the grades of %s not written: Capti's file has no grade column", plural(grades, "user", "users")))
	}
	if middle > 0 {
		lossy(fmt.Sprintf("the middle names of %s not written: Capti's file has no middle name column", plural(middle, "user", "users")))
	}
	var other []string
	for _, k := range []struct {
		n          int
		one, other string
	}{
		{r.Count(roster.OrgKind), "org", "orgs"},
		{r.Count(roster.AcademicSessionKind), "academic session", "academic sessions"},
		{r.Count(roster.CourseKind), "course", "courses"},
		{r.Count(roster.ClassKind), "class", "classes"},
		{r.Count(roster.EnrollmentKind), "enrollment", "enrollments"},
		{r.Count(roster.DemographicsKind), "demographics record", "demographics records"},
	} {
		if k.n > 0 {
			other = append(other, plural(k.n, k.one, k.other))
		}
	}
	if len(other) > 0 {
		lossy("Capti's file has no place for " + strings.Join(other, ", ") + ": not written")
	}
	return nil
}

// writer checks users before they are written.
type writer struct {
	cols    []string
	id      string
	domain  string
	rep     roster.Reporter
	users   []roster.User
	seenUID *idset.Map // hashes of the unique_ids written
	seenID  *idset.Map // hash of the folded Capti ID -> index in users of the user written with it
}

// check reports every reason u (users[i]) cannot be written as an error and says whether it can.
func (w *writer) check(u *roster.User, i int) bool {
	ok := true
	fail := func(code, col, msg string) {
		ok = false
		w.rep.Report(roster.Problem{Severity: roster.Error, Code: code, File: OutputFile, Column: col,
			Message: fmt.Sprintf("user %q: %s (not written)", u.SourcedID, msg)})
	}
	for _, c := range w.cols {
		v := userValue(u, c)
		if n := utf8.RuneCountInString(v); n > MaxLen {
			fail(roster.CodeTooLong, c, fmt.Sprintf("%s is %d characters long, Capti accepts at most %d", c, n, MaxLen))
		}
		switch c {
		case ColFirstName, ColLastName, ColUniqueID:
			if strings.TrimSpace(v) == "" {
				fail(roster.CodeMissingRequired, c, c+" is blank: Capti requires it")
			}
		case ColEmail:
			if v == "" {
				break
			}
			if why := value.EmailProblem(v); why != "" {
				fail(roster.CodeBadEmail, c, fmt.Sprintf("email %q %s", v, why))
			}
		case ColUsername:
			if c == w.id && v != "" && !validUsername(v) {
				fail(roster.CodeBadID, c, fmt.Sprintf("username %q has characters other than letters and digits, which a Capti ID made from a username cannot hold", v))
			}
		}
	}
	idv := userValue(u, w.id)
	if strings.TrimSpace(idv) == "" {
		fail(roster.CodeMissingRequired, w.id, w.id+" is blank: it is the Capti ID, every user needs one")
	}
	if !ok {
		return false
	}
	uh := xxhash.Sum64String(u.SourcedID)
	if w.seenUID.Has(uh) {
		fail(roster.CodeDuplicateID, ColUniqueID, fmt.Sprintf("unique_id %q is already the unique_id of an earlier user", u.SourcedID))
		return false
	}
	ih := xxhash.Sum64String(strings.ToLower(idv))
	if at, dup := w.seenID.Get(ih); dup {
		first := w.users[at].SourcedID
		shown := idv
		if w.id == ColUsername && w.domain != "" {
			shown += "@" + w.domain
		}
		fail(roster.CodeIDCollision, w.id, fmt.Sprintf("Capti ID %q is already the ID of user %q: two users would share one login", shown, first))
		return false
	}
	w.seenUID.Set(uh, 0)
	w.seenID.Set(ih, int32(i))
	return true
}
