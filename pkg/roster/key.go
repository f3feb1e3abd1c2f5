package roster

import "slices"

// UserKey returns what identifies u when users are keyed by field, a OneRoster column name
// ("sourcedId", "identifier", "email" or "username"): that field's value, or u's sourcedId when
// it is blank (or the field is another). It is the one rule convert writes a students.csv
// STUDENT_ID by (identifier, else sourcedId) and diff keys users by, so a file converted from
// another keys its users as its source does.
func UserKey(u *User, field string) string {
	var v string
	switch field {
	case "identifier":
		v = u.Identifier
	case "email":
		v = u.Email
	case "username":
		v = u.Username
	}
	if v == "" {
		return u.SourcedID
	}
	return v
}

// HoldsRole reports whether a format that holds only the roles listed (nil: every role) holds
// a user of role; a user without a role (a file with no role column) is held.
func HoldsRole(roles []string, role string) bool {
	return roles == nil || role == "" || slices.Contains(roles, role)
}
