package roster

// Applied counts what applying a delta did to one kind of a full roster.
type Applied struct {
	Deleted, Updated, Added int
	// Cascaded counts the records dropped with a deleted user or class they belong to
	// (enrollments, demographics), as an importer drops them.
	Cascaded int
	// Replaced says the delta package held this kind as a full (bulk) file, which replaced
	// the base's.
	Replaced bool
}

// Apply applies the delta package d to the full roster base, in place, as an importer would:
// for each kind d holds as a delta, a row with status tobedeleted removes the record with its
// sourcedId, any other row replaces the record with its sourcedId or is added; a kind d holds
// in full replaces the base's; a kind d leaves out is kept. The enrollments and demographics
// of a deleted user, and the enrollments of a deleted class, go with it. base becomes the full
// roster after the delta; d is left as it was.
func Apply(base, d *Roster) map[Kind]Applied {
	out := map[Kind]Applied{}
	var goneUsers, goneClasses map[string]bool
	for _, k := range Kinds {
		var a Applied
		switch k {
		case OrgKind:
			base.Orgs, a, _ = applyKind(base.Orgs, d.Orgs, d, k, func(v *Org) (string, string) { return v.SourcedID, v.Status })
		case AcademicSessionKind:
			base.AcademicSessions, a, _ = applyKind(base.AcademicSessions, d.AcademicSessions, d, k, func(v *AcademicSession) (string, string) { return v.SourcedID, v.Status })
		case CourseKind:
			base.Courses, a, _ = applyKind(base.Courses, d.Courses, d, k, func(v *Course) (string, string) { return v.SourcedID, v.Status })
		case ClassKind:
			base.Classes, a, goneClasses = applyKind(base.Classes, d.Classes, d, k, func(v *Class) (string, string) { return v.SourcedID, v.Status })
		case UserKind:
			base.Users, a, goneUsers = applyKind(base.Users, d.Users, d, k, func(v *User) (string, string) { return v.SourcedID, v.Status })
		case DemographicsKind:
			base.Demographics, a, _ = applyKind(base.Demographics, d.Demographics, d, k, func(v *Demographics) (string, string) { return v.SourcedID, v.Status })
		case EnrollmentKind:
			base.Enrollments, a, _ = applyKind(base.Enrollments, d.Enrollments, d, k, func(v *Enrollment) (string, string) { return v.SourcedID, v.Status })
		}
		if a.Replaced {
			if base.Skipped == nil {
				base.Skipped = map[Kind]int{}
			}
			base.Skipped[k] = d.Skipped[k]
		}
		if a != (Applied{}) {
			out[k] = a
		}
	}
	cascadeKinds(base, goneUsers, goneClasses, out)
	base.Delta = nil
	return out
}

// DropDeleted removes from r the records whose status is tobedeleted, in the kinds r holds in
// full (a delta kind keeps them: there they are the deletions), with the enrollments and
// demographics of a deleted user and the enrollments of a deleted class. It counts what it
// removed per kind (Deleted, Cascaded). A full roster written from r then lists only the
// records that exist.
func DropDeleted(r *Roster) map[Kind]Applied {
	out := map[Kind]Applied{}
	var goneUsers, goneClasses map[string]bool
	count := func(k Kind, n int) {
		if n > 0 {
			a := out[k]
			a.Deleted += n
			out[k] = a
		}
	}
	var n int
	if !r.Delta[OrgKind] {
		r.Orgs, n = dropWhere(r.Orgs, func(v *Org) bool { return Deleted(v.Status) })
		count(OrgKind, n)
	}
	if !r.Delta[AcademicSessionKind] {
		r.AcademicSessions, n = dropWhere(r.AcademicSessions, func(v *AcademicSession) bool { return Deleted(v.Status) })
		count(AcademicSessionKind, n)
	}
	if !r.Delta[CourseKind] {
		r.Courses, n = dropWhere(r.Courses, func(v *Course) bool { return Deleted(v.Status) })
		count(CourseKind, n)
	}
	if !r.Delta[ClassKind] {
		r.Classes, n = dropWhere(r.Classes, func(v *Class) bool {
			if Deleted(v.Status) {
				goneClasses = addID(goneClasses, v.SourcedID)
				return true
			}
			return false
		})
		count(ClassKind, n)
	}
	if !r.Delta[UserKind] {
		r.Users, n = dropWhere(r.Users, func(v *User) bool {
			if Deleted(v.Status) {
				goneUsers = addID(goneUsers, v.SourcedID)
				return true
			}
			return false
		})
		count(UserKind, n)
	}
	if !r.Delta[DemographicsKind] {
		r.Demographics, n = dropWhere(r.Demographics, func(v *Demographics) bool { return Deleted(v.Status) })
		count(DemographicsKind, n)
	}
	if !r.Delta[EnrollmentKind] {
		r.Enrollments, n = dropWhere(r.Enrollments, func(v *Enrollment) bool { return Deleted(v.Status) })
		count(EnrollmentKind, n)
	}
	cascadeKinds(r, goneUsers, goneClasses, out)
	return out
}

func addID(m map[string]bool, id string) map[string]bool {
	if m == nil {
		m = map[string]bool{}
	}
	m[id] = true
	return m
}

// cascadeKinds drops the demographics of the users gone and the enrollments of the users and
// classes gone (in the kinds r holds in full), counting them as Cascaded.
func cascadeKinds(r *Roster, goneUsers, goneClasses map[string]bool, out map[Kind]Applied) {
	if len(goneUsers) > 0 && !r.Delta[DemographicsKind] {
		n := 0
		r.Demographics, n = dropWhere(r.Demographics, func(v *Demographics) bool { return goneUsers[v.SourcedID] })
		cascaded(out, DemographicsKind, n)
	}
	if (len(goneUsers) > 0 || len(goneClasses) > 0) && !r.Delta[EnrollmentKind] {
		n := 0
		r.Enrollments, n = dropWhere(r.Enrollments, func(v *Enrollment) bool { return goneUsers[v.UserID] || goneClasses[v.ClassID] })
		cascaded(out, EnrollmentKind, n)
	}
}

func cascaded(out map[Kind]Applied, k Kind, n int) {
	if n > 0 {
		a := out[k]
		a.Cascaded += n
		out[k] = a
	}
}

// dropWhere removes the records gone reports, in place, and counts them.
func dropWhere[T any](rows []T, gone func(*T) bool) ([]T, int) {
	kept := rows[:0]
	for i := range rows {
		if !gone(&rows[i]) {
			kept = append(kept, rows[i])
		}
	}
	return kept, len(rows) - len(kept)
}

// applyKind applies the rows of one kind; it returns the IDs it deleted.
func applyKind[T any](base, rows []T, d *Roster, k Kind, key func(*T) (id, status string)) ([]T, Applied, map[string]bool) {
	var a Applied
	if !d.Delta[k] {
		if d.Count(k) == 0 {
			return base, a, nil // left out of the delta package: unchanged
		}
		a.Replaced = true
		return append([]T(nil), rows...), a, nil
	}
	at := make(map[string]int, len(base))
	for i := range base {
		id, _ := key(&base[i])
		at[id] = i
	}
	gone := map[int]bool{}
	goneIDs := map[string]bool{}
	for i := range rows {
		id, status := key(&rows[i])
		j, ok := at[id]
		switch {
		case Deleted(status):
			if ok && !gone[j] {
				gone[j], goneIDs[id] = true, true
				a.Deleted++
			}
		case ok && !gone[j]:
			base[j] = rows[i]
			a.Updated++
		default:
			// New, or deleted earlier in the same delta and back again.
			delete(goneIDs, id)
			at[id] = len(base)
			base = append(base, rows[i])
			a.Added++
		}
	}
	if len(gone) == 0 {
		return base, a, nil
	}
	kept := base[:0]
	for i := range base {
		if !gone[i] {
			kept = append(kept, base[i])
		}
	}
	return kept, a, goneIDs
}
