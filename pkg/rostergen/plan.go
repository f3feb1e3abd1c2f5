package rostergen

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Limits on Options.Users.
const (
	MinUsers = 10
	MaxUsers = 100_000_000
)

// FormatOneRoster is the default output format: a OneRoster 1.1 CSV package.
const FormatOneRoster = "oneroster"

// DefaultChangePercent is the default of rostergen's --change flag (Generate takes
// Options.ChangePercent as given).
const DefaultChangePercent = 1.0

// Options select what Generate writes.
type Options struct {
	// Users is the number of users of night 1: students, teachers, guardians, aides and
	// administrators.
	Users int
	// Seed makes the output reproducible: the same Options give the same bytes.
	Seed uint64
	// Night is 1 or 2 (0 means 1). Night 2 is night 1 with deterministic changes.
	Night int
	// ChangePercent drives night 2: about ChangePercent/2 % of students are removed (with
	// their guardians), as many new students are added, about ChangePercent % of users get a
	// new given name, and about ChangePercent/5 % of students move from one class to another.
	ChangePercent float64
	// Added, Removed and Changed, when Split is set, replace ChangePercent with separate rates
	// for night 2: Added % of night 1's students are new, Removed % of them are gone (with
	// their guardians), Changed % of users get a new given name, and Changed/5 % of students
	// move class.
	Split                   bool
	Added, Removed, Changed float64
	// Format is the output format, FormatOneRoster or FormatClever; "" means FormatOneRoster.
	Format string
}

// ErrOptions marks invalid Options.
var ErrOptions = errors.New("invalid options")

func (o Options) normalize() (Options, error) {
	if o.Night == 0 {
		o.Night = 1
	}
	if o.Format == "" {
		o.Format = FormatOneRoster
	}
	switch {
	case o.Format != FormatOneRoster && o.Format != FormatClever && o.Format != FormatSDS:
		return o, fmt.Errorf("%w: format %q is not supported (use %q, %q or %q)", ErrOptions, o.Format, FormatOneRoster, FormatClever, FormatSDS)
	case o.Users < MinUsers || o.Users > MaxUsers:
		return o, fmt.Errorf("%w: users must be between %d and %d, got %d", ErrOptions, MinUsers, MaxUsers, o.Users)
	case o.Night != 1 && o.Night != 2:
		return o, fmt.Errorf("%w: night must be 1 or 2, got %d", ErrOptions, o.Night)
	case math.IsNaN(o.ChangePercent) || o.ChangePercent < 0 || o.ChangePercent > 100:
		return o, fmt.Errorf("%w: change percent must be between 0 and 100, got %v", ErrOptions, o.ChangePercent)
	}
	for _, pct := range []float64{o.Added, o.Removed, o.Changed} {
		if math.IsNaN(pct) || pct < 0 || pct > 100 {
			return o, fmt.Errorf("%w: added, removed and changed percentages must be between 0 and 100, got %v", ErrOptions, pct)
		}
	}
	return o, nil
}

// shape is the size of each entity set for a number of users.
//
// Users are numbered by role: students 0..students-1, then teachers, aides, administrators
// and guardians (see the role bounds below). Night-2 students get numbers from users upwards.
// School s holds student u when u%schools == s, teacher t when t%schools == s, course k when
// k%schools == s and class c when c%schools == s.
type shape struct {
	users, students, teachers, aides, admins, guardians int
	schools, courses, classes                           int
	// linkStride spaces the students who have guardians: see guardianStudent.
	linkStride int
}

// The mix of a district's export: about 86% students, 4% teachers, 9% guardians, a few
// administrators (one per 2,000 users) and aides (the rest, about 1%); about 400 schools per
// 1M users; every student in six sections, of 25 students on average (classes are sized for
// classSeats; a class holds the students whose hashed run of six slots covers it).
func newShape(users int) shape {
	s := shape{users: users}
	s.students = users * 86 / 100
	s.teachers = max(1, users*4/100)
	s.guardians = users * 9 / 100
	s.admins = max(1, users/2000)
	s.aides = users - s.students - s.teachers - s.guardians - s.admins
	if s.aides < 0 { // tiny rosters: fewer guardians
		s.guardians += s.aides
		s.aides = 0
	}
	s.schools = max(2, users/2500)
	s.courses = max(2*s.schools, users/200)
	s.classes = max(2*s.courses, s.students*studentClasses/classSeats)
	if linked := 3 * ((s.guardians + 3) / 4); linked > 0 {
		s.linkStride = max(1, s.students/linked)
	}
	return s
}

// Each student takes studentClasses classes (fewer only when the school has fewer), and
// classes are sized for classSeats students.
const (
	studentClasses = 6
	classSeats     = 25
)

// Role bounds: users numbered below each bound and at or above the previous one.
func (sh shape) endTeachers() int { return sh.students + sh.teachers }
func (sh shape) endAides() int    { return sh.endTeachers() + sh.aides }
func (sh shape) endAdmins() int   { return sh.endAides() + sh.admins }

// Guardians come in groups of four for three students: the first student of a group has two
// guardians (listed as "g1,g2" in its agentSourcedIds), the other two one each. The linked
// students are every linkStride-th student.

// guardianStudent is the student of guardian j (0-based among guardians).
func (sh shape) guardianStudent(j int) int {
	l := 3*(j/4) + max(0, j%4-1)
	return l * sh.linkStride
}

// studentGuardians returns the first guardian (0-based among guardians) and how many
// guardians student u has.
func (sh shape) studentGuardians(u int) (first, n int) {
	if sh.linkStride == 0 || u >= sh.students || u%sh.linkStride != 0 {
		return 0, 0
	}
	l := u / sh.linkStride
	first, n = 4*(l/3), 2
	if r := l % 3; r > 0 {
		first, n = first+r+1, 1
	}
	n = min(n, sh.guardians-first)
	return first, max(n, 0)
}

// inSchool is how many of n items numbered round-robin over the schools fall in school s.
func (sh shape) inSchool(n, s int) int {
	if n <= s {
		return 0
	}
	return (n - s + sh.schools - 1) / sh.schools
}

// classCourse is the course of class c.
func (sh shape) classCourse(c int) int {
	s, q := c%sh.schools, c/sh.schools
	return s + (q%sh.inSchool(sh.courses, s))*sh.schools
}

// classTeacher is the teacher number (0-based among teachers) of class c.
func (sh shape) classTeacher(c int) int {
	s, q := c%sh.schools, c/sh.schools
	if n := sh.inSchool(sh.teachers, s); n > 0 {
		return s + (q%n)*sh.schools
	}
	return c % sh.teachers
}

// Salts separate the independent pseudo-random streams, so that one attribute never shifts
// another and night 2 reproduces every unchanged row of night 1 exactly.
const (
	saltUser uint64 = iota + 1
	saltGrade
	saltEnroll
	saltDemo
	saltCourse
	saltClass
	saltRemove
	saltChange
	saltVariant
	saltVariantName
	saltMove
	saltMoveSlot
	saltMoveTarget
	saltID // sourcedIds: saltID + kind; keep it last
)

// ID kinds: each kind's UUIDs come from its own stream.
const (
	idOrg uint64 = iota
	idSession
	idCourse
	idClass
	idUser
	idEnrollment
)

// mix hashes three words (splitmix64 finaliser, chained).
func mix(a, b, c uint64) uint64 {
	return fin(a ^ fin(b^fin(c)))
}

func fin(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// threshold converts a probability to a bound on a 64-bit hash.
func threshold(p float64) uint64 {
	switch {
	case p <= 0:
		return 0
	case p >= 1:
		return math.MaxUint64
	}
	return uint64(p * (1 << 64))
}

// plan holds everything derived from Options; its methods are pure functions of it.
type plan struct {
	seed   uint64
	night2 bool
	sh     shape
	added  int // night-2 new students

	tRemove, tChange, tMove uint64
}

func newPlan(o Options) *plan {
	p := &plan{seed: o.Seed, night2: o.Night == 2, sh: newShape(o.Users)}
	added, removed, changed := o.ChangePercent/2, o.ChangePercent/2, o.ChangePercent
	if o.Split {
		added, removed, changed = o.Added, o.Removed, o.Changed
	}
	if p.night2 {
		p.tRemove = threshold(removed / 100)
		p.tChange = threshold(changed / 100)
		p.tMove = threshold(changed / 500)
		p.added = int(math.Round(float64(p.sh.students) * added / 100))
	}
	return p
}

func (p *plan) hash(salt uint64, u int) uint64 { return mix(p.seed, salt, uint64(u)) }

// removed reports whether night 2 drops night-1 user u: a removed student, or a guardian
// of one.
func (p *plan) removed(u int) bool {
	if u >= p.sh.endAdmins() && u < p.sh.users {
		u = p.sh.guardianStudent(u - p.sh.endAdmins())
	}
	return p.night2 && u < p.sh.students && p.hash(saltRemove, u) < p.tRemove
}

// anyStudent reports whether the plan's night has a student: only a night 2 that removes every
// student and adds none has none.
func (p *plan) anyStudent() bool {
	if p.added > 0 {
		return true
	}
	for u := range p.sh.students {
		if !p.removed(u) {
			return true
		}
	}
	return false
}

// changed reports whether night 2 changes night-1 user u.
func (p *plan) changed(u int) bool {
	return p.night2 && u < p.sh.users && !p.removed(u) && p.hash(saltChange, u) < p.tChange
}

// moved reports whether night 2 moves night-1 student u from one class to another.
func (p *plan) moved(u int) bool {
	return p.night2 && u < p.sh.students && !p.removed(u) && p.hash(saltMove, u) < p.tMove
}

// grade is the night-1 grade (index into gradeCodes) of student u.
func (p *plan) grade(u int) int { return int(p.hash(saltGrade, u) % uint64(len(gradeCodes))) }

// rng is a reseedable PCG generator: seeding it per entity makes every row independent of
// the rows written before it.
type rng struct {
	pcg rand.PCG
	*rand.Rand
}

func newRNG() *rng {
	r := &rng{}
	r.Rand = rand.New(&r.pcg)
	return r
}

func (r *rng) reseed(p *plan, salt uint64, n int) { r.pcg.Seed(p.seed, mix(salt, uint64(n), p.seed)) }
