// Package snapshot records what was published, without keeping the PII: per entity kind, the
// sorted 64-bit hashes of the entities' IDs, each with a 64-bit hash of the entity's fields.
// Two snapshots compare in one merge pass, which is what the shrink guard and history need
// ("how many users did this file remove?") at 16 bytes per entity.
package snapshot

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Entry is one entity: the hash of its key and the hash of its fields.
type Entry struct {
	Key, Row uint64
}

// Snapshot holds the entries of each kind, sorted by key.
type Snapshot struct {
	Kinds map[roster.Kind][]Entry
}

// Rows returns the number of entities of all kinds.
func (s *Snapshot) Rows() int {
	n := 0
	for _, e := range s.Kinds {
		n += len(e)
	}
	return n
}

// Count returns the number of entities of kind k.
func (s *Snapshot) Count(k roster.Kind) int { return len(s.Kinds[k]) }

// Builder is a roster.Sink that builds a Snapshot from the entities a reader sends it.
type Builder struct {
	kinds map[roster.Kind][]Entry
	d     *xxhash.Digest
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{kinds: map[roster.Kind][]Entry{}, d: xxhash.New()}
}

// Snapshot sorts and returns what was built. The Builder must not be used afterwards.
func (b *Builder) Snapshot() *Snapshot {
	for k, e := range b.kinds {
		slices.SortFunc(e, func(x, y Entry) int { return cmp.Compare(x.Key, y.Key) })
		b.kinds[k] = e
	}
	return &Snapshot{Kinds: b.kinds}
}

func (b *Builder) add(k roster.Kind, key string, fields ...string) {
	b.d.Reset()
	for _, f := range fields {
		b.d.WriteString(f)   //nolint:errcheck // hashing cannot fail
		b.d.Write([]byte{0}) //nolint:errcheck
	}
	b.kinds[k] = append(b.kinds[k], Entry{Key: xxhash.Sum64String(key), Row: b.d.Sum64()})
}

func list(l []string) string { return strings.Join(slices.Sorted(slices.Values(l)), ",") }

func meta(m []roster.KV) string {
	var sb strings.Builder
	for _, kv := range m {
		sb.WriteString(kv.Key)
		sb.WriteByte('=')
		sb.WriteString(kv.Value)
		sb.WriteByte(';')
	}
	return sb.String()
}

func (b *Builder) Org(o *roster.Org) error {
	b.add(roster.OrgKind, o.SourcedID, o.Name, o.Type, o.Identifier, o.ParentID, meta(o.Metadata))
	return nil
}

func (b *Builder) AcademicSession(s *roster.AcademicSession) error {
	b.add(roster.AcademicSessionKind, s.SourcedID, s.Title, s.Type, s.StartDate, s.EndDate, s.ParentID, s.SchoolYear, meta(s.Metadata))
	return nil
}

func (b *Builder) Course(c *roster.Course) error {
	b.add(roster.CourseKind, c.SourcedID, c.SchoolYearID, c.Title, c.CourseCode, list(c.Grades), c.OrgID, list(c.Subjects), list(c.SubjectCodes), meta(c.Metadata))
	return nil
}

func (b *Builder) Class(c *roster.Class) error {
	b.add(roster.ClassKind, c.SourcedID, c.Title, list(c.Grades), c.CourseID, c.ClassCode, c.ClassType, c.Location, c.SchoolID,
		list(c.TermIDs), list(c.Subjects), list(c.SubjectCodes), list(c.Periods), meta(c.Metadata))
	return nil
}

func (b *Builder) User(u *roster.User) error {
	b.add(roster.UserKind, u.SourcedID, u.EnabledUser, list(u.OrgIDs), u.Role, u.Username, list(u.UserIDs), u.GivenName,
		u.FamilyName, u.MiddleName, u.Identifier, u.Email, u.SMS, u.Phone, list(u.AgentIDs), list(u.Grades), u.Password,
		u.PreferredGivenName, u.PreferredFamilyName, u.PrimaryOrgID, meta(u.Metadata))
	return nil
}

func (b *Builder) Enrollment(e *roster.Enrollment) error {
	key := e.SourcedID
	if key == "" {
		key = e.ClassID + "/" + e.UserID
	}
	b.add(roster.EnrollmentKind, key, e.ClassID, e.SchoolID, e.UserID, e.Role, e.Primary, e.BeginDate, e.EndDate, meta(e.Metadata))
	return nil
}

func (b *Builder) Demographics(d *roster.Demographics) error {
	b.add(roster.DemographicsKind, d.SourcedID, d.BirthDate, d.Sex, d.AmericanIndianOrAlaskaNative, d.Asian, d.BlackOrAfricanAmerican,
		d.NativeHawaiianOrOtherPacificIslander, d.White, d.DemographicRaceTwoOrMoreRaces, d.HispanicOrLatinoEthnicity,
		d.CountryOfBirthCode, d.StateOfBirthAbbreviation, d.CityOfBirth, d.PublicSchoolResidenceStatus, meta(d.Metadata))
	return nil
}

// Counts compares two snapshots of one kind.
type Counts struct {
	Added          int     `json:"added"`
	Removed        int     `json:"removed"`
	Changed        int     `json:"changed"`
	Unchanged      int     `json:"unchanged"`
	RemovedPercent float64 `json:"removed_percent"`
}

// Compare counts, per kind present in either snapshot, the entities added, removed and changed
// from old to new.
func Compare(old, new *Snapshot) map[roster.Kind]Counts {
	out := map[roster.Kind]Counts{}
	for _, k := range roster.Kinds {
		a, b := old.Kinds[k], new.Kinds[k]
		if len(a) == 0 && len(b) == 0 {
			continue
		}
		var c Counts
		i, j := 0, 0
		for i < len(a) || j < len(b) {
			switch {
			case j == len(b) || (i < len(a) && a[i].Key < b[j].Key):
				c.Removed++
				i++
			case i == len(a) || b[j].Key < a[i].Key:
				c.Added++
				j++
			default:
				if a[i].Row == b[j].Row {
					c.Unchanged++
				} else {
					c.Changed++
				}
				i++
				j++
			}
		}
		if len(a) > 0 {
			c.RemovedPercent = float64(c.Removed) * 100 / float64(len(a))
		}
		out[k] = c
	}
	return out
}

const magic = "rostersync-snapshot-1\n"

// Write writes s in a compact binary form.
func (s *Snapshot) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(magic) //nolint:errcheck // checked at Flush
	var buf [16]byte
	for _, k := range roster.Kinds {
		e := s.Kinds[k]
		if len(e) == 0 {
			continue
		}
		fmt.Fprintf(bw, "%s %d\n", k, len(e))
		for _, x := range e {
			binary.LittleEndian.PutUint64(buf[:8], x.Key)
			binary.LittleEndian.PutUint64(buf[8:], x.Row)
			bw.Write(buf[:]) //nolint:errcheck
		}
	}
	return bw.Flush()
}

// ErrFormat is returned for a file that is not a snapshot.
var ErrFormat = errors.New("not a rostersync snapshot")

// Read reads a snapshot written by Write.
func Read(r io.Reader) (*Snapshot, error) {
	br := bufio.NewReader(r)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return nil, ErrFormat
	}
	s := &Snapshot{Kinds: map[roster.Kind][]Entry{}}
	var buf [16]byte
	for {
		line, err := br.ReadString('\n')
		if err == io.EOF && line == "" {
			return s, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		var kind string
		var n int
		if _, err := fmt.Sscanf(line, "%s %d\n", &kind, &n); err != nil || n < 0 || n > 1<<31 {
			return nil, fmt.Errorf("%w: bad section %q", ErrFormat, strings.TrimSpace(line))
		}
		e := make([]Entry, 0, min(n, 1<<20))
		for range n {
			if _, err := io.ReadFull(br, buf[:]); err != nil {
				return nil, fmt.Errorf("%w: truncated", ErrFormat)
			}
			e = append(e, Entry{Key: binary.LittleEndian.Uint64(buf[:8]), Row: binary.LittleEndian.Uint64(buf[8:])})
		}
		s.Kinds[roster.Kind(kind)] = e
	}
}
