package capti

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
)

// The example roster without its header row, and saved with semicolons or tabs: one problem
// each, no user read, and no cell of the file (passwords among them) in any message.
func TestHeaderlessAndOtherSeparators(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "capti", "roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	formattest.OtherSeparators(t, Format{}, "roster.csv", string(b))
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
