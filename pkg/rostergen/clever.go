package rostergen

import (
	"fmt"
	"strconv"
)

// FormatClever is a Clever SFTP CSV upload of the same roster as the OneRoster package: the
// files rostersync's Clever writer makes from it (schools, teachers, staff, students with their
// demographics, sections with their teacher, course and term, student enrollments). Aides and
// guardians have no place in Clever's files and are left out; the Summary counts what the
// upload holds (users and changes of students, teachers and staff; student enrollments).
const FormatClever = "clever"

// CleverFiles lists the files of a generated Clever upload.
var CleverFiles = []string{"schools.csv", "teachers.csv", "staff.csv", "sections.csv", "students.csv", "enrollments.csv"}

// cleverGrades are Clever's spellings of gradeCodes.
var cleverGrades = [...]string{"Kindergarten", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}

func (g *gen) cleverSteps() []step {
	return []step{
		{"schools.csv", g.cleverSchools}, {"teachers.csv", g.cleverTeachers}, {"staff.csv", g.cleverAdmins},
		{"sections.csv", g.cleverSections}, {"students.csv", g.cleverStudents}, {"enrollments.csv", g.cleverEnrollments},
	}
}

func (g *gen) cleverSchools(w *rowWriter, _ *Summary) error {
	if err := w.header([]string{"School_id", "School_name", "School_number"}); err != nil {
		return err
	}
	for s := range g.p.sh.schools {
		w.start()
		w.safe(g.schoolIDs[s])
		w.str(schoolNames[s%len(schoolNames)] + " School " + strconv.Itoa(s+1))
		w.id("06000", s+10, 5)
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

// username is user u's username, the local part of their e-mail address.
func (g *gen) username(u user) string {
	return u.emailGiven + "." + emailFamily[u.family] + u.number
}

// password is user n's password, as users.csv has it.
func (g *gen) password(n int) string {
	var pw [10]byte
	g.rng.reseed(g.p, saltUser, n)
	for i := range pw {
		pw[i] = passwordChars[g.rng.IntN(len(passwordChars))]
	}
	return string(pw[:])
}

func (g *gen) cleverTeachers(w *rowWriter, sum *Summary) error {
	if err := w.header([]string{"School_id", "Teacher_id", "Teacher_number", "Teacher_email", "First_name", "Middle_name", "Last_name", "Username", "Password"}); err != nil {
		return err
	}
	sh := g.p.sh
	return g.cleverStaff(sh.students, sh.endTeachers(), &sum.Teachers, sum, func(n int, u user, name, pw string) error {
		for k := range u.nSchools {
			if err := g.cleverStaffRow(w, true, g.schoolIDs[u.schools[k]], n, u, name, pw); err != nil {
				return err
			}
		}
		return nil
	})
}

// cleverStaffRow writes user n's row at school in teachers.csv (teacher: with a Teacher_number
// and a Middle_name) or staff.csv (neither).
func (g *gen) cleverStaffRow(w *rowWriter, teacher bool, school string, n int, u user, name, pw string) error {
	w.start()
	w.safe(school)
	w.uuid(g.p, idUser, uint64(n))
	if teacher {
		w.safe(u.number)
	}
	w.safe(name + "@example.org")
	w.str(givenNames[u.given])
	if teacher {
		if u.middle >= 0 {
			w.str(givenNames[u.middle])
		} else {
			w.empty(1)
		}
	}
	w.str(familyNames[u.family])
	w.safe(name)
	w.safe(pw)
	return w.end()
}

// cleverStaff calls row for each user n from from to to (teachers, administrators) that the
// roster holds, with their username and password, counting them in sum and in *role.
func (g *gen) cleverStaff(from, to int, role *int, sum *Summary, row func(n int, u user, name, pw string) error) error {
	for n := from; n < to; n++ {
		if !g.present(n) {
			continue
		}
		u := g.userAt(n)
		*role++
		sum.Users++
		if g.p.changed(n) {
			sum.ChangedUsers++
		}
		if err := row(n, u, g.username(u), g.password(n)); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) cleverAdmins(w *rowWriter, sum *Summary) error {
	if err := w.header([]string{"School_id", "Staff_id", "Staff_email", "First_name", "Last_name", "Username", "Password"}); err != nil {
		return err
	}
	sh := g.p.sh
	return g.cleverStaff(sh.endAides(), sh.endAdmins(), &sum.Administrators, sum, func(n int, u user, name, pw string) error {
		schools := []string{"DEFAULT_DISTRICT_OFFICE"}
		if u.nSchools > 0 {
			schools = []string{g.schoolIDs[u.schools[0]], g.schoolIDs[u.schools[1]]}
		}
		for _, s := range schools {
			if err := g.cleverStaffRow(w, false, s, n, u, name, pw); err != nil {
				return err
			}
		}
		return nil
	})
}

func (g *gen) cleverSections(w *rowWriter, _ *Summary) error {
	cols := []string{"School_id", "Section_id", "Teacher_id", "Name", "Section_number", "Grade", "Course_name", "Course_number", "Period", "Term_name", "Term_start", "Term_end"}
	if err := w.header(cols); err != nil {
		return err
	}
	sh := g.p.sh
	for c := range sh.classes {
		k := sh.classCourse(c)
		sub := subjects[k%len(subjects)]
		gr := courseGrade(k)
		sec := strconv.Itoa(c/sh.schools + 1)
		w.start()
		w.safe(g.schoolIDs[c%sh.schools])
		w.uuid(g.p, idClass, uint64(c))
		w.uuid(g.p, idUser, uint64(sh.students+sh.classTeacher(c)))
		w.str(sub.name + " " + gradeCodes[gr] + " - Section " + sec)
		w.safe(sub.code + "-" + gradeCodes[gr] + "-" + sec)
		w.safe(cleverGrades[gr])
		w.str(sub.name + " " + gradeCodes[gr])
		w.safe(sub.code + "-" + gradeCodes[gr])
		w.safe(strconv.Itoa(c%8 + 1))
		w.safe("2026-2027")
		w.safe("08/01/2026")
		w.safe("06/30/2027")
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) cleverStudents(w *rowWriter, sum *Summary) error {
	if err := w.header([]string{"School_id", "Student_id", "Student_number", "Last_name", "Middle_name", "First_name", "Grade", "Gender", "DOB", "Race", "Hispanic_Latino", "Student_email", "Username", "Password"}); err != nil {
		return err
	}
	races := [...]string{"I", "A", "B", "P", "W", "M"} // the order of demographics.csv's race flags
	for n := range g.lastUser() {
		if role, _ := g.p.sh.role(n); role != roleStudent {
			continue
		}
		if !g.present(n) {
			sum.RemovedStudents++
			sum.RemovedUsers++
			continue
		}
		sum.Students++
		sum.Users++
		if n >= g.p.sh.users {
			sum.AddedUsers++
		}
		if g.p.changed(n) {
			sum.ChangedUsers++
		}
		u := g.userAt(n)
		h := g.p.hash(saltDemo, n)
		year := 2026 - 6 - u.grade + int(h%2)
		name := g.username(u)
		w.start()
		w.safe(g.schoolIDs[u.schools[0]])
		w.uuid(g.p, idUser, uint64(n))
		w.safe(u.number)
		w.str(familyNames[u.family])
		if u.middle >= 0 {
			w.str(givenNames[u.middle])
		} else {
			w.empty(1)
		}
		w.str(givenNames[u.given])
		w.safe(cleverGrades[u.grade])
		w.safe([2]string{"F", "M"}[(h>>24)%2])
		w.safe(fmt.Sprintf("%02d/%02d/%04d", 1+(h>>8)%12, 1+(h>>16)%28, year))
		w.safe(races[(h>>32)%6])
		w.safe([2]string{"N", "Y"}[(h>>40)%4/3])
		w.safe(name + "@example.org")
		w.safe(name)
		w.safe(g.password(n))
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) cleverEnrollments(w *rowWriter, sum *Summary) error {
	if err := w.header([]string{"School_id", "Section_id", "Student_id"}); err != nil {
		return err
	}
	sh := g.p.sh
	return g.studentEnrollments(sum, func(c, n int) error {
		w.start()
		w.safe(g.schoolIDs[c%sh.schools])
		w.uuid(g.p, idClass, uint64(c))
		w.uuid(g.p, idUser, uint64(n))
		sum.Enrollments++
		return w.end()
	})
}
