package csvio

import (
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

// A header's problems come in the order of its columns, the expected header (Hint) is given
// once, and a run of empty header names is one problem.
func TestCheckHeaderColumnOrderHintOnceEmptyRun(t *testing.T) {
	spec := HeaderSpec{Columns: Columns("sourcedId", "status", "dateLastModified", "role", "username"), Ordered: true,
		Hint: "users.csv is sourcedId,status,dateLastModified,role,username"}
	var msgs []string
	CheckHeader("users.csv", strings.Split("sourcedId,Status,shoeSize,role,usrname,,,", ","), spec, roster.ReporterFunc(func(p roster.Problem) {
		msgs = append(msgs, p.Message)
	}))
	want := []string{
		`column 2 is "Status", expected "status" (header names are case-sensitive); users.csv is sourcedId,status,dateLastModified,role,username`,
		`column 3: unknown column "shoeSize"`,
		`missing column "dateLastModified" (expected as column 3)`,
		`column 5 is "usrname", expected "username" (misspelled?)`,
		`columns 6–8 have empty header names (a trailing ",,,"? remove them)`,
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}
