package roster

// Applied counts what applying a delta did to one kind of a full roster.
type Applied struct {
	Deleted, Updated, Added int
	// Replaced says the delta package held this kind as a full (bulk) file, which replaced
	// the base's.
	Replaced bool
}

// Apply applies the delta package d to the full roster base, in place, as an importer would:
// for each kind d holds as a delta, a row with status tobedeleted removes the record with its
// sourcedId, any other row replaces the record with its sourcedId or is added; a kind d holds
// in full replaces the base's; a kind d leaves out is kept. base becomes the full roster after
// the delta; d is left as it was.
func Apply(base, d *Roster) map[Kind]Applied {
	out := map[Kind]Applied{}
	for _, k := range Kinds {
		var a Applied
		switch k {
		case OrgKind:
			base.Orgs, a = applyKind(base.Orgs, d.Orgs, d, k, func(v *Org) (string, string) { return v.SourcedID, v.Status })
		case AcademicSessionKind:
			base.AcademicSessions, a = applyKind(base.AcademicSessions, d.AcademicSessions, d, k, func(v *AcademicSession) (string, string) { return v.SourcedID, v.Status })
		case CourseKind:
			base.Courses, a = applyKind(base.Courses, d.Courses, d, k, func(v *Course) (string, string) { return v.SourcedID, v.Status })
		case ClassKind:
			base.Classes, a = applyKind(base.Classes, d.Classes, d, k, func(v *Class) (string, string) { return v.SourcedID, v.Status })
		case UserKind:
			base.Users, a = applyKind(base.Users, d.Users, d, k, func(v *User) (string, string) { return v.SourcedID, v.Status })
		case DemographicsKind:
			base.Demographics, a = applyKind(base.Demographics, d.Demographics, d, k, func(v *Demographics) (string, string) { return v.SourcedID, v.Status })
		case EnrollmentKind:
			base.Enrollments, a = applyKind(base.Enrollments, d.Enrollments, d, k, func(v *Enrollment) (string, string) { return v.SourcedID, v.Status })
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
	base.Delta = nil
	return out
}

func applyKind[T any](base, rows []T, d *Roster, k Kind, key func(*T) (id, status string)) ([]T, Applied) {
	var a Applied
	if !d.Delta[k] {
		if d.Count(k) == 0 {
			return base, a // left out of the delta package: unchanged
		}
		a.Replaced = true
		return append([]T(nil), rows...), a
	}
	at := make(map[string]int, len(base))
	for i := range base {
		id, _ := key(&base[i])
		at[id] = i
	}
	gone := map[int]bool{}
	for i := range rows {
		id, status := key(&rows[i])
		j, ok := at[id]
		switch {
		case Deleted(status):
			if ok && !gone[j] {
				gone[j] = true
				a.Deleted++
			}
		case ok && !gone[j]:
			base[j] = rows[i]
			a.Updated++
		default:
			// New, or deleted earlier in the same delta and back again.
			at[id] = len(base)
			base = append(base, rows[i])
			a.Added++
		}
	}
	if len(gone) == 0 {
		return base, a
	}
	kept := base[:0]
	for i := range base {
		if !gone[i] {
			kept = append(kept, base[i])
		}
	}
	return kept, a
}
