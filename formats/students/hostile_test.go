package students

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
)

// The example file without its header row, and saved with semicolons or tabs: one problem each,
// no student read, and no cell of the file (passwords, birth dates) in any message.
func TestHeaderlessAndOtherSeparators(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "students", FileName))
	if err != nil {
		t.Fatal(err)
	}
	formattest.OtherSeparators(t, New(), FileName, string(b))
}

// Every column is checked for formulas, a tab or CR first too; a password's or birth date's
// problem shows nothing of it.
func TestFormulaEveryColumn(t *testing.T) {
	data := lines(header+",MIDDLE_NAME,BIRTHDATE",
		"1,Ann,Lee,9,+1|cmd,a@x.org,=1+1secret,,",
		"2,\t=1+1,Lee,9,s1,b@x.org,pw,,@2013")
	_, _, probs := read(t, data, format.Options{})
	var got []string
	for _, p := range probs {
		if p.Code == "formula" {
			got = append(got, key(p))
			if (p.Column == ColPassword || p.Column == ColBirthdate) && (strings.Contains(p.Message, "secret") || strings.Contains(p.Message, "2013") || strings.ContainsAny(p.Message, "=@")) {
				t.Errorf("the problem shows some of the value: %s", p.Message)
			}
		}
	}
	want := []string{"warning formula 2 PASSWORD", "warning formula 2 SITE_ID", "warning formula 3 BIRTHDATE", "warning formula 3 FIRST_NAME"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("formula problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// IDs holding zero-width or bidi characters look like others but are not: bad-id.
func TestInvisibleCharactersInIDs(t *testing.T) {
	_, _, probs := read(t, lines(header, "1\u200b,Ann,Lee,9,s1,a@x.org,pw", "2,Bob,Lee,9,s\u202e1,b@x.org,pw"), format.Options{})
	checkProblems(t, probs, []want{
		{"error bad-id 2 STUDENT_ID", "U+200B"},
		{"error bad-id 3 SITE_ID", "U+202E"},
	})
}
