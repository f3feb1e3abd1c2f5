package roster

import "testing"

func TestUserKey(t *testing.T) {
	u := &User{SourcedID: "s1", Identifier: "1001", Email: "a@x.org"}
	blank := &User{SourcedID: "s2"}
	for _, tc := range []struct {
		u     *User
		field string
		want  string
	}{
		{u, "sourcedId", "s1"}, {u, "identifier", "1001"}, {u, "email", "a@x.org"}, {u, "username", "s1"},
		{blank, "identifier", "s2"}, {blank, "email", "s2"}, {u, "", "s1"},
	} {
		if got := UserKey(tc.u, tc.field); got != tc.want {
			t.Errorf("UserKey(%s, %q) = %q, want %q", tc.u.SourcedID, tc.field, got, tc.want)
		}
	}
	if !HoldsRole(nil, "aide") || !HoldsRole([]string{"student"}, "") || HoldsRole([]string{"student"}, "teacher") {
		t.Error("HoldsRole")
	}
}
