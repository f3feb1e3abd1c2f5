package roster

import (
	"slices"
	"testing"
	"unsafe"
)

// Arena copies entities whose strings are borrowed (valid only during the call that sends them,
// Borrower) into memory of its own, so that they can be handed to another goroutine: the
// strings' bytes go end to end into blocks, the list items into one slice. A copy is valid until
// Reset; an Arena reused after Reset reuses its blocks, and takes no new memory once it has
// grown to a batch's size.
type Arena struct {
	blocks [][]byte // the blocks, each filled up to its length; the last in use is blocks[cur]
	cur    int
	items  []string // list items, end to end
	kvs    []KV
	held   int // bytes copied since Reset
}

// poison makes Reset overwrite the bytes it frees in test binaries, so that a string kept past
// Reset (a writer that does not copy what it keeps) shows as garbage in a test, not by chance.
var poison = testing.Testing()

const (
	arenaBlock = 256 << 10
	arenaKeep  = 8 << 20 // the most memory Reset keeps for the next copies
)

// Reset makes the Arena's memory free for new copies: every copy made before is invalid.
func (a *Arena) Reset() {
	kept := 0
	for i, b := range a.blocks {
		if poison {
			for j := range b {
				b[j] = '#'
			}
		}
		if kept += cap(b); kept > arenaKeep {
			a.blocks[i] = nil // let go of what a batch of long rows took
			continue
		}
		a.blocks[i] = b[:0]
	}
	a.blocks = slices.DeleteFunc(a.blocks, func(b []byte) bool { return b == nil })
	if cap(a.items)*int(unsafe.Sizeof("")) > arenaKeep {
		a.items = nil
	}
	if cap(a.kvs)*int(unsafe.Sizeof(KV{})) > arenaKeep {
		a.kvs = nil
	}
	a.cur, a.items, a.kvs, a.held = 0, a.items[:0], a.kvs[:0], 0
}

// Held returns the bytes copied into the Arena since Reset: the strings' bytes and the list
// items' and metadata pairs' headers.
func (a *Arena) Held() int { return a.held }

// Str returns a copy of s in the Arena.
func (a *Arena) Str(s string) string {
	if s == "" {
		return ""
	}
	for len(a.blocks) == 0 || cap(a.blocks[a.cur])-len(a.blocks[a.cur]) < len(s) {
		if len(a.blocks) > 0 && a.cur+1 < len(a.blocks) && cap(a.blocks[a.cur+1]) >= len(s) {
			a.cur++ // a block of an earlier batch, emptied by Reset
			continue
		}
		a.blocks = append(a.blocks, make([]byte, 0, max(arenaBlock, len(s))))
		a.cur = len(a.blocks) - 1
	}
	b := &a.blocks[a.cur]
	at := len(*b)
	a.held += len(s)
	*b = append(*b, s...)
	return unsafe.String(&(*b)[at], len(s))
}

// strs replaces each string *p with its copy.
func (a *Arena) strs(ps ...*string) {
	for _, p := range ps {
		*p = a.Str(*p)
	}
}

// List returns a copy of list and its items (an empty list as it is).
func (a *Arena) List(list []string) []string {
	a.held += len(list) * int(unsafe.Sizeof(""))
	return copyInto(&a.items, list, a.Str)
}

// KVs returns a copy of kvs and their strings (none as it is).
func (a *Arena) KVs(kvs []KV) []KV {
	a.held += len(kvs) * int(unsafe.Sizeof(KV{}))
	return copyInto(&a.kvs, kvs, func(kv KV) KV { return KV{Key: a.Str(kv.Key), Value: a.Str(kv.Value)} })
}

// copyInto appends a copy (by cp) of each item of src to *pool, and returns the copies: a slice
// of *pool whose capacity ends with it, so that appending to it cannot overwrite another copy.
// When *pool is full it is replaced (copies made before keep the old one).
func copyInto[T any](pool *[]T, src []T, cp func(T) T) []T {
	if len(src) == 0 {
		return src
	}
	if cap(*pool)-len(*pool) < len(src) {
		*pool = make([]T, 0, max(2*cap(*pool), len(src), 64))
	}
	at := len(*pool)
	for _, v := range src {
		*pool = append(*pool, cp(v))
	}
	return (*pool)[at:len(*pool):len(*pool)]
}

// Org returns a copy of v in the Arena.
func (a *Arena) Org(v *Org) Org {
	c := *v
	a.strs(&c.SourcedID, &c.Status, &c.DateLastModified, &c.Name, &c.Type, &c.Identifier, &c.ParentID)
	c.Metadata = a.KVs(c.Metadata)
	return c
}

// AcademicSession returns a copy of v in the Arena.
func (a *Arena) AcademicSession(v *AcademicSession) AcademicSession {
	c := *v
	a.strs(&c.SourcedID, &c.Status, &c.DateLastModified, &c.Title, &c.Type, &c.StartDate, &c.EndDate, &c.ParentID, &c.SchoolYear)
	c.Metadata = a.KVs(c.Metadata)
	return c
}

// Course returns a copy of v in the Arena.
func (a *Arena) Course(v *Course) Course {
	c := *v
	a.strs(&c.SourcedID, &c.Status, &c.DateLastModified, &c.SchoolYearID, &c.Title, &c.CourseCode, &c.OrgID)
	c.Grades, c.Subjects, c.SubjectCodes = a.List(c.Grades), a.List(c.Subjects), a.List(c.SubjectCodes)
	c.Metadata = a.KVs(c.Metadata)
	return c
}

// Class returns a copy of v in the Arena.
func (a *Arena) Class(v *Class) Class {
	c := *v
	a.strs(&c.SourcedID, &c.Status, &c.DateLastModified, &c.Title, &c.CourseID, &c.ClassCode, &c.ClassType, &c.Location, &c.SchoolID)
	c.Grades, c.TermIDs, c.Subjects = a.List(c.Grades), a.List(c.TermIDs), a.List(c.Subjects)
	c.SubjectCodes, c.Periods = a.List(c.SubjectCodes), a.List(c.Periods)
	c.Metadata = a.KVs(c.Metadata)
	return c
}

// User returns a copy of v in the Arena.
func (a *Arena) User(v *User) User {
	c := *v
	a.strs(&c.SourcedID, &c.Status, &c.DateLastModified, &c.EnabledUser, &c.Role, &c.Username, &c.GivenName, &c.FamilyName,
		&c.MiddleName, &c.Identifier, &c.Email, &c.SMS, &c.Phone, &c.Password, &c.UserMasterIdentifier, &c.PreferredGivenName,
		&c.PreferredMiddleName, &c.PreferredFamilyName, &c.PrimaryOrgID, &c.Pronouns)
	c.OrgIDs, c.UserIDs, c.AgentIDs, c.Grades = a.List(c.OrgIDs), a.List(c.UserIDs), a.List(c.AgentIDs), a.List(c.Grades)
	c.Metadata = a.KVs(c.Metadata)
	return c
}

// Enrollment returns a copy of v in the Arena.
func (a *Arena) Enrollment(v *Enrollment) Enrollment {
	c := *v
	a.strs(&c.SourcedID, &c.Status, &c.DateLastModified, &c.ClassID, &c.SchoolID, &c.UserID, &c.Role, &c.Primary, &c.BeginDate, &c.EndDate)
	c.Metadata = a.KVs(c.Metadata)
	return c
}

// Demographics returns a copy of v in the Arena.
func (a *Arena) Demographics(v *Demographics) Demographics {
	c := *v
	a.strs(&c.SourcedID, &c.Status, &c.DateLastModified, &c.BirthDate, &c.Sex, &c.AmericanIndianOrAlaskaNative, &c.Asian,
		&c.BlackOrAfricanAmerican, &c.NativeHawaiianOrOtherPacificIslander, &c.White, &c.DemographicRaceTwoOrMoreRaces,
		&c.HispanicOrLatinoEthnicity, &c.CountryOfBirthCode, &c.StateOfBirthAbbreviation, &c.CityOfBirth, &c.PublicSchoolResidenceStatus)
	c.Metadata = a.KVs(c.Metadata)
	return c
}
