package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repetitivePackage is examples/oneroster with 1,200 more users whose enabledUser is "TRUE"
// (lines 42-1241 of users.csv, one bad-boolean each), one of them (line 1201) also with a bad
// e-mail address.
func repetitivePackage(t *testing.T) string {
	t.Helper()
	dir := editedPackage(t, nil)
	f, err := os.OpenFile(filepath.Join(dir, "users.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1200 {
		email := fmt.Sprintf("x%d@example.org", i)
		if i == 1159 {
			email = "not-an-email"
		}
		fmt.Fprintf(f, "x%d,,,TRUE,sch0,student,x%d,,X,Y,,9%06d,%s,,,,07,\n", i, i, i, email)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Text and table output show a repeated (file, code, column) once, with its count and lines, so
// the lone bad e-mail late in users.csv is listed; --all lists each problem, JSON every problem
// up to --max-problems.
func TestValidateGroupsRepeatedProblems(t *testing.T) {
	dir := repetitivePackage(t)
	code, out, errOut := runCLI(t, nil, false, "validate", "-o", "text", dir)
	if code != 1 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Errorf("text: %d lines, want 2 (one group, one e-mail):\n%s", len(lines), out)
	}
	group := regexp.MustCompile(`^users\.csv:42: error bad-boolean \[enabledUser\]: 1,200 problems, lines 42–1241; the first: enabledUser "TRUE" must be true or false`)
	if !group.MatchString(lines[0]) {
		t.Errorf("text: first line %q, want the bad-boolean group", lines[0])
	}
	if !strings.Contains(out, "users.csv:1201: error bad-email [email]: email \"not-an-email\"") {
		t.Errorf("text: the bad e-mail is not shown:\n%s", out)
	}
	if !strings.Contains(errOut, "1,201 errors") && !strings.Contains(errOut, "1201 errors") {
		t.Errorf("summary %q", errOut)
	}

	_, out, _ = runCLI(t, nil, false, "validate", "-o", "table", dir)
	if !strings.Contains(out, "1,200 problems") || !strings.Contains(out, "not-an-email") || !strings.Contains(out, "42–1241") {
		t.Errorf("table does not group or misses the e-mail:\n%s", out)
	}

	_, out, _ = runCLI(t, nil, false, "validate", "-o", "text", "--all", "--max-problems", "0", dir)
	if n := strings.Count(out, "\n"); n != 1201 {
		t.Errorf("--all: %d lines, want 1201", n)
	}
	_, out, _ = runCLI(t, nil, false, "validate", "-o", "json", dir)
	if n := strings.Count(out, `"code": "bad-boolean"`); n != 1000 {
		t.Errorf("json: %d bad-boolean problems listed, want 1000 (--max-problems)", n)
	}

	// --max-problems caps the rows of the grouped listing: each group first.
	_, out, errOut = runCLI(t, nil, false, "validate", "-o", "text", "--max-problems", "2", dir)
	if strings.Count(out, "\n") != 2 || !strings.Contains(out, "bad-email") || !strings.Contains(out, "1,200 problems") {
		t.Errorf("--max-problems 2:\n%s", out)
	}
	_, out, errOut = runCLI(t, nil, false, "validate", "-o", "text", "--max-problems", "1", dir)
	if strings.Count(out, "\n") != 1 || !strings.Contains(errOut, "listing cut at 1") {
		t.Errorf("--max-problems 1: %q, stderr %q", out, errOut)
	}

	// --summary: the counts only.
	code, out, errOut = runCLI(t, nil, false, "validate", "-o", "text", "--summary", dir)
	if code != 1 || out != "bad-boolean: 1,200\nbad-email: 1\n" {
		t.Errorf("--summary: exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errOut, "(bad-boolean 1200, bad-email 1)") {
		t.Errorf("--summary: stderr %q", errOut)
	}
}

// A group is one message but for the values it quotes and its numbers: a distinct problem of
// the same file, code and column ("yes", which no case fix repairs, among 1,200 "TRUE") gets
// its own line, while the 1,200 "TRUE" stay one.
func TestValidateGroupsKeepDistinctMessages(t *testing.T) {
	dir := repetitivePackage(t)
	f, err := os.OpenFile(filepath.Join(dir, "users.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "y0,,,yes,sch0,student,y0,,X,Y,,8000000,y0@example.org,,,,07,\n")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	_, out, _ := runCLI(t, nil, false, "validate", "-o", "text", dir)
	if !strings.Contains(out, `users.csv:1242: error bad-boolean [enabledUser]: enabledUser "yes"`) {
		t.Errorf("the distinct bad-boolean is not shown:\n%s", out)
	}
	if !strings.Contains(out, "1,200 problems, lines 42–1241") {
		t.Errorf("the 1,200 alike are not one line:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("%d lines, want 3:\n%s", n, out)
	}
}

// A group of at most groupMin problems is listed problem by problem.
func TestValidateSmallGroupsListed(t *testing.T) {
	dir := editedPackage(t, map[string]string{
		"stu00,": strings.Replace(userLine(t, "stu00"), ",true,", ",TRUE,", 1),
		"stu01,": strings.Replace(userLine(t, "stu01"), ",true,", ",TRUE,", 1),
	})
	_, out, _ := runCLI(t, nil, false, "validate", "-o", "text", dir)
	if strings.Count(out, "bad-boolean [enabledUser]: enabledUser \"TRUE\"") != 2 || strings.Contains(out, "problems, lines") {
		t.Errorf("two problems not listed each:\n%s", out)
	}
}

// -o table fits the width: every line within it, the message column wrapped, long paths
// shortened from the left, no line number for a file-level problem.
func TestProblemTableFits(t *testing.T) {
	long := "/srv/exports/district-with-a-very-long-name/nightly/2026-12-06/oneroster"
	rows := [][]string{
		{long + "/users.csv", "", "warning", "missing-file", "", "orgs.csv is not here: a lone users.csv is checked against the rest of its package, which is beside it"},
		{long + "/users.csv", "1501", "error", "bad-email", "email", `email "not-an-email" is not a valid address, and this message goes on long enough to need wrapping twice at eighty columns`},
	}
	for _, width := range []int{80, 120} {
		var b strings.Builder
		if err := renderProblemTable(&b, width, rows); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if n := len([]rune(l)); n > width {
				t.Errorf("width %d: line of %d: %q", width, n, l)
			}
		}
		if !strings.Contains(out, "…") || !strings.Contains(out, "/users.csv") {
			t.Errorf("width %d: path not shortened from the left:\n%s", width, out)
		}
		if strings.Contains(out, "│ 0 ") {
			t.Errorf("width %d: a file-level problem shows line 0:\n%s", width, out)
		}
		if !strings.Contains(out, "wrapping") {
			t.Errorf("width %d: message lost:\n%s", width, out)
		}
	}
}

// validate -o table gives file-level problems no line number.
func TestValidateTableFileLevelNoLine(t *testing.T) {
	_, out, _ := runCLI(t, nil, false, "validate", "-o", "table", filepath.Join(examples, "oneroster", "users.csv"))
	if !strings.Contains(out, "missing-file") || regexp.MustCompile(`│ +0 +│`).MatchString(out) {
		t.Errorf("file-level problems:\n%s", out)
	}
}
