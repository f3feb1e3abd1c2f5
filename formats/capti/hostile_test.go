package capti

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
)

// The example roster without its header row, and saved with semicolons or tabs: one problem
// each, no user read, and no cell of the file (passwords among them) in any message.
func TestHeaderlessAndOtherSeparators(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "capti", "roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	full := string(b)
	_, body, _ := strings.Cut(full, "\n")
	tests := []struct{ name, data, says string }{
		{"headerless", body, "the first row looks like data, not a header"},
		{"semicolons", strings.ReplaceAll(full, ",", ";"), `splits on ";"`},
		{"tabs", strings.ReplaceAll(full, ",", "\t"), "splits on tabs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, coll, probs := read(t, fileFS("roster.csv", tt.data), format.Options{})
			checkProblems(t, probs, []want{{"error header 1 ", tt.says}})
			if n := len(coll.Roster.Users); n != 0 {
				t.Errorf("%d users read from a file without a header", n)
			}
			for _, cell := range strings.FieldsFunc(body, func(r rune) bool { return r == ',' || r == '\n' }) {
				if len(cell) > 2 && strings.Contains(probs[0].Message+probs[0].Column, cell) {
					t.Errorf("the problem shows the cell %q: %s", cell, probs[0].Message)
				}
			}
		})
	}
}

// Every column is checked for formulas, a tab or CR first too; a password's problem shows
// nothing of it.
func TestFormulaEveryColumn(t *testing.T) {
	data := "email,password,first_name,last_name,person_number,unique_id\n" +
		"a@x.org,=1+1secret,Ann,Lee,+1|cmd,@SUM(1)\n" +
		"b@x.org,pw,\"\t=1+1\",Lee,2,u2\n"
	_, _, probs := read(t, fileFS("roster.csv", data), format.Options{})
	checkProblems(t, probs, []want{
		{"warning formula 2 password", "password starts with"},
		{"warning formula 2 person_number", `person_number starts with "+"`},
		{"warning formula 2 unique_id", `unique_id starts with "@"`},
		{"warning formula 3 first_name", `first_name starts with "\t"`},
	})
	if strings.Contains(probs[0].Message, "=") || strings.Contains(probs[0].Message, "secret") {
		t.Errorf("the password's problem shows some of it: %s", probs[0].Message)
	}
}

// IDs holding zero-width or bidi characters look like others but are not: bad-id.
func TestInvisibleCharactersInIDs(t *testing.T) {
	data := "email,password,first_name,last_name,person_number,unique_id\n" +
		"a@x.org,pw,Ann,Lee,1,stu\u200b01\n" +
		"b\u202e@x.org,pw,Bob,Lee,2\u2066,stu02\n"
	_, _, probs := read(t, fileFS("roster.csv", data), format.Options{})
	checkProblems(t, probs, []want{
		{"error bad-id 2 unique_id", `U+200B`},
		{"error bad-id 3 email", `U+202E`},
		{"error bad-id 3 person_number", `U+2066`},
	})
}
