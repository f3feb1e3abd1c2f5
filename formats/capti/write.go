package capti

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	u := newUserRows(opts, rep, len(r.Users), func(at int32) string { return r.Users[at].SourcedID })
	err := csvio.WriteFile(dst, OutputFile, u.cols, func(write func([]string) error) error {
		for i := range r.Users {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := u.add(&r.Users[i], int32(i), write); err != nil {
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
	u.report(r.Count)
	return nil
}

// userRows turns users into the rows of roster.csv, one at a time, and counts what it leaves
// out for the report.
type userRows struct {
	w    *writer
	cols []string
	id   string
	rec  []string
	// keep says, for the e-mail and the username, whether a user's value is in no column of
	// its own (counted in unwritten when no other column holds it).
	keep [2]bool

	faculty, deleted int
	dropped          map[string]int
	unwritten        map[string]int // the non-ID column's values left out
	grades, middle   int            // users written without their grades, middle names
	// users written without their userIds, phone numbers (phone or sms), and disabled users
	// written as active ones
	userIDs, phones, disabled int
}

// newUserRows returns the rows of a roster of about n users; firstID returns the sourcedId of
// the user a written row's index (add's at) is.
func newUserRows(opts format.Options, rep roster.Reporter, n int, firstID func(at int32) string) *userRows {
	cols, id := writeColumns(opts)
	return &userRows{cols: cols, id: id, rec: make([]string, len(cols)), dropped: map[string]int{}, unwritten: map[string]int{},
		keep: [2]bool{!slices.Contains(cols, ColEmail), !slices.Contains(cols, ColUsername)},
		w: &writer{cols: cols, id: id, idAt: slices.Index(cols, id), domain: settingsOf(opts).Domain, rep: rep,
			firstID: firstID, seenUID: idset.New(n), seenID: idset.New(n)}}
}

// add writes u, at its index at, with write, when it can be written: students, teachers and
// proctors whose values Capti takes.
func (w *userRows) add(u *roster.User, at int32, write func([]string) error) error {
	if roster.Deleted(u.Status) {
		w.deleted++ // never written as an active user
		return nil
	}
	switch u.Role {
	case "", "student":
	case "teacher", "proctor":
		w.faculty++
	default:
		w.dropped[strings.Clone(u.Role)]++
		return nil
	}
	rec := w.rec
	for j, c := range w.cols {
		rec[j] = userValue(u, c)
	}
	if !w.w.check(u, at, rec) {
		clear(rec)
		return nil
	}
	for k, c := range [...]string{ColEmail, ColUsername} {
		// A value the row holds in another column (a username that is the e-mail address or
		// the student number) loses nothing.
		if !w.keep[k] {
			continue
		}
		if v := userValue(u, c); v != "" && !slices.ContainsFunc(rec, func(w string) bool { return strings.EqualFold(v, w) }) {
			w.unwritten[c]++
		}
	}
	if len(u.Grades) > 0 {
		w.grades++
	}
	if u.MiddleName != "" {
		w.middle++
	}
	if len(u.UserIDs) > 0 {
		w.userIDs++
	}
	if u.Phone != "" || u.SMS != "" {
		w.phones++
	}
	if strings.EqualFold(u.EnabledUser, "false") {
		w.disabled++
	}
	err := write(rec)
	clear(rec)
	return err
}

// report reports what was left out, as lossy; count counts the roster's entities per kind.
func (w *userRows) report(count func(roster.Kind) int) {
	rep := w.w.rep
	lossy := func(msg string) {
		rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: OutputFile, Message: msg})
	}
	if w.deleted > 0 {
		lossy(fmt.Sprintf("%s with status tobedeleted not written: a roster lists the users that exist", plural(w.deleted, "user", "users")))
	}
	if w.faculty > 0 {
		lossy(fmt.Sprintf("%s written without a role: Capti's file has no role column", plural(w.faculty, "teacher/proctor", "teachers/proctors")))
	}
	roles := make([]string, 0, len(w.dropped))
	for role := range w.dropped {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	for _, role := range roles {
		reason, ok := dropReasons[role]
		if !ok {
			reason = "Capti's roster holds students and faculty only"
		}
		lossy(fmt.Sprintf("%s with role %q not written: %s", plural(w.dropped[role], "user", "users"), role, reason))
	}
	for _, c := range [...]string{ColEmail, ColUsername} {
		if n := w.unwritten[c]; n > 0 {
			lossy(fmt.Sprintf("%s not written: the Capti ID column is %s and the file holds only one ID column", plural(n, c, c+"s"), w.id))
		}
	}
	if w.grades > 0 {
		lossy(fmt.Sprintf("the grades of %s not written: Capti's file has no grade column", plural(w.grades, "user", "users")))
	}
	if w.middle > 0 {
		lossy(fmt.Sprintf("the middle names of %s not written: Capti's file has no middle name column", plural(w.middle, "user", "users")))
	}
	if w.userIDs > 0 {
		lossy(fmt.Sprintf("the userIds of %s not written: Capti's file has no userIds column", plural(w.userIDs, "user", "users")))
	}
	if w.phones > 0 {
		lossy(fmt.Sprintf("the phone numbers of %s not written: Capti's file has no phone column", plural(w.phones, "user", "users")))
	}
	if w.disabled > 0 {
		as := "active users"
		if w.disabled == 1 {
			as = "an active user"
		}
		lossy(fmt.Sprintf("%s with enabledUser false written as %s: Capti's file has no such column", plural(w.disabled, "user", "users"), as))
	}
	var other []string
	for _, k := range []struct {
		n          int
		one, other string
	}{
		{count(roster.OrgKind), "org", "orgs"},
		{count(roster.AcademicSessionKind), "academic session", "academic sessions"},
		{count(roster.CourseKind), "course", "courses"},
		{count(roster.ClassKind), "class", "classes"},
		{count(roster.EnrollmentKind), "enrollment", "enrollments"},
		{count(roster.DemographicsKind), "demographics record", "demographics records"},
	} {
		if k.n > 0 {
			other = append(other, plural(k.n, k.one, k.other))
		}
	}
	if len(other) > 0 {
		lossy("Capti's file has no place for " + strings.Join(other, ", ") + ": not written")
	}
}

// WriteStream is format.StreamWriter: roster.csv written a user at a time as they come. It
// keeps a hash of each unique_id and Capti ID written, and the sourcedIds of the users written
// (in one block of bytes), to name the first user of an ID two would share.
func (Format) WriteStream(ctx context.Context, dst format.Dest, _ string, opts format.Options, rep roster.Reporter) (format.Stream, error) {
	s := &stream{ctx: ctx, dst: dst}
	s.rows = newUserRows(opts, rep, 0, s.idAt)
	return s, nil
}

// stream is the state of one WriteStream.
type stream struct {
	ctx  context.Context
	dst  format.Dest
	rows *userRows
	f    io.WriteCloser
	cw   *csvio.Writer
	ids  []byte   // the sourcedIds of the users written, end to end
	ends []uint32 // where each ends in ids
	n    int
}

func (s *stream) idAt(at int32) string {
	from := uint32(0)
	if at > 0 {
		from = s.ends[at-1]
	}
	return string(s.ids[from:s.ends[at]])
}

// open creates roster.csv and writes its header.
func (s *stream) open() error {
	f, err := s.dst.Create(OutputFile)
	if err != nil {
		return fmt.Errorf("capti: create %s: %w", OutputFile, err)
	}
	s.f = f
	s.cw = csvio.NewWriter(f)
	return s.write(s.rows.cols)
}

func (s *stream) write(rec []string) error {
	if err := s.cw.Write(rec); err != nil {
		return fmt.Errorf("capti: write %s: %w", OutputFile, err)
	}
	return nil
}

func (s *stream) User(u *roster.User) error {
	if s.n++; s.n%4096 == 0 {
		if err := s.ctx.Err(); err != nil {
			return err
		}
	}
	if s.f == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	return s.rows.add(u, int32(len(s.ends)), func(rec []string) error {
		s.ids = append(s.ids, u.SourcedID...)
		s.ends = append(s.ends, uint32(len(s.ids)))
		return s.write(rec)
	})
}

// End writes the header of a roster without users, closes roster.csv and reports.
func (s *stream) End(count func(roster.Kind) int) error {
	if s.f == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	s.cw.Flush()
	err := s.cw.Error()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("capti: write %s: %w", OutputFile, err)
	}
	s.ids, s.ends = nil, nil
	s.rows.report(count)
	return nil
}

func (s *stream) MarkDelta(roster.Kind) {}

// The other kinds are only counted (count, at End).
func (s *stream) Org(*roster.Org) error                         { return nil }
func (s *stream) AcademicSession(*roster.AcademicSession) error { return nil }
func (s *stream) Course(*roster.Course) error                   { return nil }
func (s *stream) Class(*roster.Class) error                     { return nil }
func (s *stream) Enrollment(*roster.Enrollment) error           { return nil }
func (s *stream) Demographics(*roster.Demographics) error       { return nil }

// writer checks users before they are written.
type writer struct {
	cols    []string
	id      string
	idAt    int // the index of id in cols (-1: not written)
	domain  string
	rep     roster.Reporter
	firstID func(at int32) string // the sourcedId of the user written at an index
	seenUID *idset.Map            // hashes of the unique_ids written
	seenID  *idset.Map            // hash of the folded Capti ID -> index in users of the user written with it
	lower   []byte                // scratch for a folded Capti ID (foldedHash)
}

// check reports every reason u (at index i) cannot be written as an error and says whether it
// can.
func (w *writer) check(u *roster.User, i int32, rec []string) bool {
	ok := true
	fail := func(code, col, msg string) {
		ok = false
		w.rep.Report(roster.Problem{Severity: roster.Error, Code: code, File: OutputFile, Column: col,
			Message: fmt.Sprintf("user %q: %s (not written)", u.SourcedID, msg)})
	}
	for j, c := range w.cols {
		v := rec[j]
		if len(v) > MaxLen { // no more characters than bytes
			if n := utf8.RuneCountInString(v); n > MaxLen {
				fail(roster.CodeTooLong, c, fmt.Sprintf("%s is %d characters long, Capti accepts at most %d", c, n, MaxLen))
			}
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
	var idv string
	if w.idAt >= 0 {
		idv = rec[w.idAt]
	} else {
		idv = userValue(u, w.id)
	}
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
	ih := foldedHash(idv, &w.lower)
	if at, dup := w.seenID.Get(ih); dup {
		first := w.firstID(at)
		shown := idv
		if w.id == ColUsername && w.domain != "" {
			shown += "@" + w.domain
		}
		fail(roster.CodeIDCollision, w.id, fmt.Sprintf("Capti ID %q is already the ID of user %q: two users would share one login", shown, first))
		return false
	}
	w.seenUID.Set(uh, 0)
	w.seenID.Set(ih, i)
	return true
}
