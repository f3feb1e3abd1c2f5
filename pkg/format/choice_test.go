package format

import (
	"errors"
	"testing"
)

func TestChoice(t *testing.T) {
	c := Choice{Flag: "student-id", Key: "students.student_id", Values: []string{"identifier", "sourcedId"}}
	for in, want := range map[string]string{"": "", "SOURCEDID": "sourcedId", "Identifier": "identifier"} {
		if got, err := c.Configured(in); got != want || err != nil {
			t.Errorf("Configured(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := c.Configured("email"); err == nil || err.Error() != `students.student_id "email": use identifier or sourcedId` {
		t.Errorf("Configured(email): %v", err)
	}
	for _, ok := range []string{"", "identifier", "sourcedId"} {
		if err := c.Check(ok); err != nil {
			t.Errorf("Check(%q): %v", ok, err)
		}
	}
	err := c.Check("sourcedid") // a flag is spelled as the values are
	var se *SettingError
	if !errors.As(err, &se) || se.Error() != `unknown --student-id "sourcedid"` || se.Hint != "use --student-id identifier or --student-id sourcedId" {
		t.Errorf("Check(sourcedid): %#v", err)
	}
	three := Choice{Flag: "x", Key: "f.x", Values: []string{"a", "b", "c"}}
	if _, err := three.Configured("d"); err == nil || err.Error() != `f.x "d": use a, b or c` {
		t.Errorf("three values: %v", err)
	}
	if fv := c.FlagValues()["student-id"]; len(fv) != 2 {
		t.Errorf("FlagValues: %v", c.FlagValues())
	}
}
