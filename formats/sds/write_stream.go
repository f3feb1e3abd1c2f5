package sds

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/idset"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/spool"
	"github.com/rostersync/rostersync/pkg/value"
)

// WriteStream is format.StreamWriter: the file set Write writes, written as the entities come.
// Each file's rows go to a private file in scratch as they arrive; the files are published
// into dst in Write's order at End, with the problems Write reports in its order. What a later
// row needs is kept compactly: the academic sessions (a few: a schoolYear is filled from the
// whole set), per user a hash of its sourcedId and of its folded username, its role and
// whether it can be a contact, the users refused, a hash of each enrollment written, and the
// agentSourcedIds of the users that have some, spooled in scratch for relationships.csv at
// End. Two non-deleted users with one sourcedId, or a user after an enrollment, are
// format.ErrStreamOrder (the whole roster is written by Write).
func (f Format) WriteStream(ctx context.Context, dst format.Dest, scratch string, opts format.Options, rep roster.Reporter) (format.Stream, error) {
	s := &stream{ctx: ctx, dst: dst, scratch: scratch, rep: rep,
		domain: strings.TrimPrefix(strings.TrimSpace(settingsOf(opts).Domain), "@"),
		users:  idset.New(1 << 10), names: idset.New(1 << 10), refused: map[uint64]bool{},
		seen: idset.New(1 << 10), roleIdx: map[string]int32{}}
	for i, name := range streamFiles {
		s.files[i] = &streamFile{s: s, name: name, header: specByName(name).names()}
	}
	return s, nil
}

// streamFiles are the files in the order Write writes them.
var streamFiles = [...]string{fileOrgs, fileSessions, fileCourses, fileClasses, fileUsers, fileRoles,
	fileEnrollments, fileDemographics, fileUserFlags, fileRelationships}

const (
	fOrgs = iota
	fSessions
	fCourses
	fClasses
	fUsers
	fRoles
	fEnrollments
	fDemographics
	fUserFlags
	fRelationships
)

// stream is the state of one WriteStream.
type stream struct {
	ctx     context.Context
	dst     format.Dest
	scratch string
	rep     roster.Reporter
	domain  string
	files   [len(streamFiles)]*streamFile

	sessions []roster.AcademicSession // copied: written at End, once schoolYear can be filled

	// users: sourcedId hash -> the user's role (an index into roles) << 1 | 1 when it has the
	// givenName, familyName and email a contact needs; -1 for a user refused.
	users   *idset.Map
	names   *idset.Map       // folded username hash -> offset of the user's sourcedId in ids
	ids     []byte           // the sourcedIds of the users written, each uvarint length first
	refused map[uint64]bool  // users not written for an error
	roles   []string         // the roles met
	roleIdx map[string]int32 // roles by value
	agents  *spool.Spool     // users written with agentSourcedIds: sourcedId, contact, agents
	seen    *idset.Map       // EnrollmentID hashes met

	dels         delCount // per file, the records with status tobedeleted
	enrolled     bool     // an enrollment came
	demographics int
	rows         int
	rec          []byte
	line         []string
}

// streamFile is one file of the stream: its rows in a private file in scratch, the problems
// Write reports of it as it writes it (errors now, lossy counts at the end) kept to be
// reported in Write's order.
type streamFile struct {
	s      *stream
	name   string
	header []string
	f      *os.File
	cw     *csvio.Writer
	fails  []roster.Problem
	lossy  map[string]int // lossy reason -> its index in order
	order  []string       // lossy reasons in the order first met
	counts []int          // the count of each
}

func (sf *streamFile) open() error {
	if sf.f != nil {
		return nil
	}
	f, err := os.CreateTemp(sf.s.scratch, sf.name+"-*")
	if err != nil {
		return fmt.Errorf("sds: create %s: %w", sf.name, err)
	}
	sf.f = f
	sf.cw = csvio.NewWriter(f)
	sf.cw.UseCRLF = true // as Microsoft's samples
	if err := sf.cw.Write(sf.header); err != nil {
		return fmt.Errorf("sds: write %s: %w", sf.name, err)
	}
	return nil
}

func (sf *streamFile) drop(reason string, n int) {
	if n <= 0 {
		return
	}
	// Most rows drop what the row before dropped (an enrollment's sourcedId, its dates): the
	// counts are kept in order, and the last few reasons are compared before the map is hashed.
	for i := len(sf.order) - 1; i >= max(0, len(sf.order)-4); i-- {
		if sf.order[i] == reason {
			sf.counts[i] += n
			return
		}
	}
	if sf.lossy == nil {
		sf.lossy = map[string]int{}
	}
	i, ok := sf.lossy[reason]
	if !ok {
		i = len(sf.order)
		sf.lossy[reason] = i
		sf.order = append(sf.order, reason)
		sf.counts = append(sf.counts, 0)
	}
	sf.counts[i] += n
}

func (sf *streamFile) fail(code, column, msg string) {
	sf.fails = append(sf.fails, roster.Problem{Severity: roster.Error, Code: code, File: sf.name, Column: column, Message: msg + " (not written)"})
}

// rowOf names the entity a row is written for, in messages: `kind "id"` (or
// `user "id"'s contact "contact"`). It is made into text only for a message, not per row.
type rowOf struct{ kind, id, contact string }

func (w rowOf) String() string {
	if w.contact != "" {
		return fmt.Sprintf("user %q's contact %q", w.id, w.contact)
	}
	return fmt.Sprintf("%s %q", w.kind, w.id)
}

// write writes one row, as Write's file does: a row with a line break in a value is refused.
// ok says whether it was written; err is an error writing it or an interrupt.
func (sf *streamFile) write(what rowOf, rec []string) (ok bool, err error) {
	for i, v := range rec {
		if hasLineBreak(v) {
			sf.fail(roster.CodeParse, sf.header[i], fmt.Sprintf("%s: %s holds a line break, which SDS refuses even quoted", what, sf.header[i]))
			return false, nil
		}
	}
	if err := sf.open(); err != nil {
		return false, err
	}
	if sf.s.rows++; sf.s.rows&4095 == 0 {
		if err := sf.s.ctx.Err(); err != nil {
			return false, err
		}
	}
	if err := sf.cw.Write(rec); err != nil {
		return false, fmt.Errorf("sds: write %s: %w", sf.name, err)
	}
	return true, nil
}

// discard removes the file's scratch file (again: a no-op).
func (sf *streamFile) discard() {
	if sf.f != nil {
		sf.f.Close()
		os.Remove(sf.f.Name())
		sf.f = nil
	}
}

// finish publishes the file into dst, renamed into place when dst can adopt it.
func (sf *streamFile) finish() error {
	if err := sf.open(); err != nil {
		return err
	}
	defer sf.discard()
	sf.cw.Flush()
	err := sf.cw.Error()
	if err != nil {
		return fmt.Errorf("sds: write %s: %w", sf.name, err)
	}
	if a, ok := sf.s.dst.(format.Adopter); ok {
		if err := sf.f.Close(); err != nil {
			return fmt.Errorf("sds: write %s: %w", sf.name, err)
		}
		if err := a.Adopt(sf.name, sf.f.Name()); err != nil {
			return fmt.Errorf("sds: write %s: %w", sf.name, err)
		}
		return nil
	}
	if _, err := sf.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("sds: write %s: %w", sf.name, err)
	}
	out, err := sf.s.dst.Create(sf.name)
	if err != nil {
		return fmt.Errorf("sds: create %s: %w", sf.name, err)
	}
	_, err = io.Copy(out, sf.f)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sds: write %s: %w", sf.name, err)
	}
	return nil
}

func (s *stream) MarkDelta(roster.Kind) {}

func (s *stream) deleted(sf *streamFile, n int) {
	sf.drop("with status tobedeleted not written: an SDS upload lists the records that exist", n)
}

// del counts a record with status tobedeleted of a file, as Write does at the file's end.
type delCount [len(streamFiles)]int

func (s *stream) Org(o *roster.Org) error {
	sf := s.files[fOrgs]
	if roster.Deleted(o.Status) {
		s.dels[fOrgs]++
		return nil
	}
	what := rowOf{kind: "org", id: o.SourcedID}
	if _, ok := orgTypes[strings.ToLower(o.Type)]; !ok {
		sf.fail(roster.CodeBadEnum, "type", fmt.Sprintf("%s: type %q is not an SDS org type", what, o.Type))
		return nil
	}
	if _, err := sf.write(what, []string{o.SourcedID, o.Name, canon(orgTypes, o.Type), o.ParentID}); err != nil {
		return err
	}
	if o.Identifier != "" {
		sf.drop("identifiers not written: SDS orgs have no identifier column", 1)
	}
	return nil
}

func (s *stream) AcademicSession(v *roster.AcademicSession) error {
	s.sessions = append(s.sessions, roster.AcademicSession{SourcedID: strings.Clone(v.SourcedID), Status: strings.Clone(v.Status),
		Title: strings.Clone(v.Title), Type: strings.Clone(v.Type), StartDate: strings.Clone(v.StartDate), EndDate: strings.Clone(v.EndDate),
		ParentID: strings.Clone(v.ParentID), SchoolYear: strings.Clone(v.SchoolYear)})
	return nil
}

func (s *stream) Course(c *roster.Course) error {
	sf := s.files[fCourses]
	if roster.Deleted(c.Status) {
		s.dels[fCourses]++
		return nil
	}
	subject := first(c.SubjectCodes)
	if subject == "" {
		subject = first(c.Subjects)
	}
	if _, err := sf.write(rowOf{kind: "course", id: c.SourcedID}, []string{c.SourcedID, c.OrgID, c.Title, c.CourseCode, c.SchoolYearID, subject, first(c.Grades)}); err != nil {
		return err
	}
	if len(c.Grades) > 1 {
		sf.drop("grades past the first not written: an SDS course has one grade", 1)
	}
	if len(c.SubjectCodes)+len(c.Subjects) > 1 {
		sf.drop("subjects past the first not written: an SDS course has one subject", 1)
	}
	return nil
}

func (s *stream) Class(c *roster.Class) error {
	sf := s.files[fClasses]
	if roster.Deleted(c.Status) {
		s.dels[fClasses]++
		return nil
	}
	what := rowOf{kind: "class", id: c.SourcedID}
	if c.SchoolID == "" {
		sf.fail(roster.CodeMissingRequired, "orgSourcedId", what.String()+": it has no school, and SDS requires a class's orgSourcedId")
		return nil
	}
	if _, err := sf.write(what, []string{c.SourcedID, c.SchoolID, c.Title, strings.Join(c.TermIDs, ","), c.CourseID}); err != nil {
		return err
	}
	classDropped(c, func(reason string) { sf.drop(reason, 1) })
	return nil
}

func (s *stream) User(u *roster.User) error {
	if s.enrolled {
		return format.ErrStreamOrder // enrollments already written without knowing this user
	}
	sf := s.files[fUsers]
	if roster.Deleted(u.Status) {
		s.dels[fUsers]++
		return nil
	}
	h := idset.Hash(u.SourcedID)
	if s.users.Has(h) {
		return format.ErrStreamOrder // Write keeps the last of two users with one sourcedId
	}
	what := rowOf{kind: "user", id: u.SourcedID}
	un := u.Username
	refuse := func(msg string) error {
		sf.fail(roster.CodeBadID, "username", msg)
		s.refused[h] = true
		s.users.Set(h, -1)
		return nil
	}
	switch {
	case strings.Contains(un, "@"):
	case u.Email != "":
		if un != "" {
			sf.drop("usernames without a domain written as the user's e-mail (SDS usernames are name@domain)", 1)
		}
		un = u.Email
	case un != "" && s.domain != "":
		un += "@" + s.domain
		sf.drop("usernames without a domain written with the sds domain option's @"+s.domain, 1)
	default:
		return refuse(fmt.Sprintf("%s: username %q has no domain and the user has no e-mail; SDS usernames are name@domain: give the sds format's domain option", what, un))
	}
	if why := value.EmailProblem(un); why != "" {
		return refuse(fmt.Sprintf("%s: username %q %s, and SDS usernames are name@domain", what, un, why))
	}
	folded := idset.Hash(strings.ToLower(un))
	if at, dup := s.names.Get(folded); dup {
		sf.fail(roster.CodeIDCollision, "username", fmt.Sprintf("%s: username %q is already user %q's: two users would share one sign-in", what, un, s.idAt(at)))
		s.refused[h] = true
		s.users.Set(h, -1)
		return nil
	}
	drop := func(why string) { sf.drop(why, 1) }
	ok, err := sf.write(what, userRow(u, un, drop))
	if err != nil {
		return err
	}
	if !ok {
		s.refused[h] = true
		s.users.Set(h, -1)
		return nil
	}
	s.names.Set(folded, int32(len(s.ids)))
	s.ids = spool.AppendString(s.ids, u.SourcedID)
	s.users.Set(h, s.role(u.Role)<<1|b2i(u.GivenName != "" && u.FamilyName != "" && u.Email != ""))
	userLosses(u, drop)
	if err := s.roleRows(u); err != nil {
		return err
	}
	if len(u.AgentIDs) > 0 {
		if s.agents == nil {
			sp, err := spool.New(s.scratch)
			if err != nil {
				return err
			}
			s.agents = sp
		}
		_, contact := contactRoles[u.Role]
		rec := spool.AppendString(s.rec[:0], u.SourcedID)
		rec = append(rec, byte(b2i(contact)))
		rec = binary.AppendUvarint(rec, uint64(len(u.AgentIDs)))
		for _, a := range u.AgentIDs {
			rec = spool.AppendString(rec, a)
		}
		s.rec = rec
		if err := s.agents.Add(rec); err != nil {
			return err
		}
	}
	return nil
}

// roleRows writes the roles.csv rows of a user written, as Write does.
func (s *stream) roleRows(u *roster.User) error {
	sf := s.files[fRoles]
	if _, contact := contactRoles[u.Role]; contact {
		return nil
	}
	role := sdsRole(u.Role)
	if role == "" {
		return nil // no role to write: nothing dropped (as Write)
	}
	if role != u.Role {
		sf.drop(fmt.Sprintf("role %q written as SDS's %q", u.Role, role), 1)
	}
	if len(u.OrgIDs) == 0 {
		sf.drop("users without an org written without a roles.csv row (SDS links users to orgs there)", 1)
		return nil
	}
	for _, row := range roleRows(u, role) {
		if _, err := sf.write(rowOf{kind: "user", id: u.SourcedID}, row); err != nil {
			return err
		}
	}
	return nil
}

// role returns the index of role among the roles met.
func (s *stream) role(role string) int32 {
	i, ok := s.roleIdx[role]
	if !ok {
		i = int32(len(s.roles))
		s.roles = append(s.roles, strings.Clone(role))
		s.roleIdx[s.roles[i]] = i
	}
	return i
}

func (s *stream) idAt(at int32) string {
	v, _ := nextString(s.ids[at:])
	return strings.Clone(v)
}

func (s *stream) Enrollment(e *roster.Enrollment) error {
	s.enrolled = true
	sf := s.files[fEnrollments]
	if roster.Deleted(e.Status) {
		s.dels[fEnrollments]++
		return nil
	}
	if len(s.refused) > 0 && s.refused[idset.Hash(e.UserID)] {
		sf.drop("enrollments of users not written left out", 1)
		return nil
	}
	role := sdsEnrollmentRole(e.Role)
	if role == "" {
		sf.drop(fmt.Sprintf("enrollments with role %q not written: SDS enrollments have no such role", e.Role), 1)
		return nil
	}
	// NUL-separated: "/" may be in an ID, and two enrollments (a/b + c, a + b/c) are not one.
	s.rec = append(append(append(append(append(s.rec[:0], e.ClassID...), 0), e.UserID...), 0), role...)
	if _, dup := s.seen.Add(idset.HashBytes(s.rec), 1); dup {
		sf.drop("enrollments repeating another's class, user and role not written (SDS keeps one)", 1)
		return nil
	}
	ok, err := sf.write(rowOf{kind: "enrollment", id: e.SourcedID}, []string{e.ClassID, e.UserID, role})
	if err != nil || !ok {
		return err
	}
	s.rec = append(append(append(append(append(s.rec[:0], e.ClassID...), '/'), e.UserID...), '/'), role...)
	if e.SourcedID != string(s.rec) { // EnrollmentID, the ID it reads back with
		sf.drop("enrollment sourcedIds not written: SDS enrollments have none, and read back each is class/user/role", 1)
	}
	if role != e.Role {
		sf.drop(fmt.Sprintf("enrollment role %q written as SDS's %q", e.Role, role), 1)
	}
	if e.Primary != "" || e.BeginDate != "" || e.EndDate != "" {
		sf.drop("enrollment primary flags and dates not written: SDS enrollments have no such columns", 1)
	}
	return nil
}

func (s *stream) Demographics(d *roster.Demographics) error {
	s.demographics++
	sf := s.files[fDemographics]
	if roster.Deleted(d.Status) {
		s.dels[fDemographics]++
		return nil
	}
	if _, err := sf.write(rowOf{kind: "demographics of", id: d.SourcedID}, demographicsRow(d, func(why string) { sf.drop(why, 1) })); err != nil {
		return err
	}
	if d.PublicSchoolResidenceStatus != "" {
		sf.drop("publicSchoolResidenceStatus values not written: SDS has no such column", 1)
	}
	return nil
}

// End writes the academic sessions and relationships.csv, publishes every file in Write's
// order and reports what Write reports, in its order.
func (s *stream) End(func(roster.Kind) int) error {
	defer func() {
		for _, sf := range s.files {
			sf.discard()
		}
		if s.agents != nil {
			s.agents.Close()
		}
	}()
	sf := s.files[fSessions]
	yearEnds := schoolYearEnds(s.sessions)
	for i := range s.sessions {
		v := &s.sessions[i]
		if roster.Deleted(v.Status) {
			s.dels[fSessions]++
			continue
		}
		if _, err := sf.write(rowOf{kind: "academic session", id: v.SourcedID}, sessionRow(yearEnds, v)); err != nil {
			return err
		}
		if v.ParentID != "" {
			sf.drop("parentSourcedIds not written: SDS academic sessions have no parent", 1)
		}
	}
	if err := s.relationships(); err != nil {
		return err
	}
	for i, sf := range s.files {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		s.deleted(sf, s.dels[i])
		if err := sf.finish(); err != nil {
			return err
		}
		for _, p := range sf.fails {
			s.rep.Report(p)
		}
	}
	for _, sf := range s.files {
		for i, reason := range sf.order {
			s.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodeLossy, File: sf.name, Message: fmt.Sprintf("%d %s", sf.counts[i], reason)})
		}
	}
	if s.demographics > 0 {
		s.rep.Report(roster.Problem{Severity: roster.Info, Code: roster.CodePersonalData, File: fileDemographics,
			Message: fmt.Sprintf("%d demographics records written: they hold birth dates, share them only when SDS needs them", s.demographics)})
	}
	return nil
}

// relationships writes relationships.csv from the spooled agentSourcedIds, as Write does.
func (s *stream) relationships() error {
	if s.agents == nil {
		return nil
	}
	sf := s.files[fRelationships]
	written := idset.New(1 << 10)
	var agents []string
	var pair []byte
	return s.agents.Each(func(rec []byte) error {
		uID, rec := nextString(rec)
		uContact := rec[0] == 1
		rec = rec[1:]
		n, k := binary.Uvarint(rec)
		rec = rec[k:]
		agents = agents[:0]
		for range n {
			var a string
			a, rec = nextString(rec)
			agents = append(agents, a)
		}
		uInfo, _ := s.users.Get(idset.Hash(uID))
		for _, a := range agents {
			cInfo, ok := s.users.Get(idset.Hash(a))
			if !ok || cInfo < 0 {
				sf.drop("agentSourcedIds naming a user not written left out", 1)
				continue
			}
			sID, cID, c := uID, a, cInfo
			if _, cContact := contactRoles[s.roles[cInfo>>1]]; uContact && !cContact {
				sID, cID, c = a, uID, uInfo // a guardian's student
			}
			pair = append(append(append(pair[:0], sID...), 0), cID...)
			if _, dup := written.Add(idset.HashBytes(pair), 1); dup {
				continue
			}
			if c&1 == 0 {
				sf.fail(roster.CodeMissingRequired, "relationshipUserSourcedId",
					fmt.Sprintf("user %q's contact %q lacks a givenName, familyName or email, which SDS requires of a contact", sID, cID))
				continue
			}
			cRole := s.roles[c>>1]
			role := contactRoles[cRole]
			if role == "" {
				role = canon(relationshipRoles, cRole)
				if _, ok := relationshipRoles[strings.ToLower(cRole)]; !ok {
					role = "other"
					sf.drop(fmt.Sprintf("contacts of role %q written with relationshipRole other", cRole), 1)
				}
			}
			if _, err := sf.write(rowOf{id: sID, contact: cID}, []string{sID, cID, role}); err != nil {
				return err
			}
		}
		return nil
	})
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// nextString is spool.NextString, the string copied (it outlives the record).
func nextString(rec []byte) (string, []byte) {
	v, rest := spool.NextString(rec)
	return strings.Clone(v), rest
}
