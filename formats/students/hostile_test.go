package students

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/format"
)

// The example file without its header row, and saved with semicolons or tabs: one problem each,
// no student read, and no cell of the file (passwords, birth dates) in any message.
func TestHeaderlessAndOtherSeparators(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "students", FileName))
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
			_, coll, probs := read(t, tt.data, format.Options{})
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
