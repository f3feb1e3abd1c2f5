package roster

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// With Max, the listing is the first Max problems in sorted order, whatever order they were
// reported in; the counts are of all of them.
func TestProblemsMaxKeepsTheFirstInOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, max := range []int{1, 2, 3, 7, 50} {
		var all []Problem
		for i := range 200 {
			sev := []Severity{Error, Warning, Info}[i%3]
			all = append(all, Problem{Severity: sev, Code: "c", File: fmt.Sprintf("f%d.csv", r.IntN(3)), Line: r.IntN(40)})
		}
		ps := &Problems{Max: max}
		for _, p := range all {
			ps.Report(p)
		}
		want := slices.Clone(all)
		slices.SortStableFunc(want, Compare)
		want = want[:max]
		if got := ps.List(); !slices.Equal(got, want) {
			t.Errorf("max %d: listed %v, want %v", max, got, want)
		}
		if !ps.Truncated || ps.Errors+ps.Warnings+ps.Infos != len(all) {
			t.Errorf("max %d: truncated %v, counts %d/%d/%d", max, ps.Truncated, ps.Errors, ps.Warnings, ps.Infos)
		}
	}
	ps := &Problems{Max: 5}
	for i := range 5 {
		ps.Report(Problem{Severity: Error, File: "a", Line: i})
	}
	if len(ps.List()) != 5 || ps.Truncated {
		t.Errorf("exactly Max problems: %d listed, truncated %v", len(ps.List()), ps.Truncated)
	}
}

// ByCode counts every problem per code, past Max, and none of an ignored code.
func TestProblemsByCodeCountsPastMax(t *testing.T) {
	ps := &Problems{Max: 2, Ignore: map[string]bool{CodeFormula: true}}
	for i := range 1500 {
		ps.Report(Problem{Severity: Error, Code: CodeManifest, File: "enrollments.csv", Line: i + 2})
	}
	ps.Report(Problem{Severity: Error, Code: CodeBadEmail, File: "users.csv", Line: 1501})
	ps.Report(Problem{Severity: Warning, Code: CodeFormula, File: "users.csv", Line: 9})
	want := map[string]int{CodeManifest: 1500, CodeBadEmail: 1}
	if len(ps.ByCode) != len(want) || ps.ByCode[CodeManifest] != 1500 || ps.ByCode[CodeBadEmail] != 1 {
		t.Errorf("ByCode %v, want %v", ps.ByCode, want)
	}
	if len(ps.List()) != 2 || !ps.Truncated {
		t.Errorf("listed %d, truncated %v", len(ps.List()), ps.Truncated)
	}
}

// Problems alike but for their quoted values and numbers are one group; another message of the
// same file, code and column is another group, up to maxShapes of them, after which the rest
// join the first: the groups stay few whatever the messages.
func TestGroupsByMessageShape(t *testing.T) {
	var ps Problems
	for i := range 100 {
		ps.Report(Problem{Severity: Error, Code: CodeDanglingRef, File: "enrollments.csv", Line: i + 2, Column: "userSourcedId",
			Message: fmt.Sprintf("user %q is not in users.csv (line %d)", fmt.Sprint("stu", i), i+2)})
	}
	if g := ps.Groups(); len(g) != 1 || g[0].Count != 100 {
		t.Fatalf("alike messages: %d groups, want one of 100", len(g))
	}
	ps.Report(Problem{Severity: Error, Code: CodeDanglingRef, File: "enrollments.csv", Line: 500, Column: "userSourcedId",
		Message: `user "x" is a guardian: an enrollment needs a student or a teacher`})
	g := ps.Groups()
	if len(g) != 2 || g[1].Count != 1 || g[1].First != 500 {
		t.Fatalf("a distinct message: groups %+v, want its own", g)
	}
	for i := range 1000 {
		ps.Report(Problem{Severity: Error, Code: CodeDanglingRef, File: "enrollments.csv", Line: 1000 + i, Column: "userSourcedId",
			Message: "unquoted value " + strings.Repeat("x", i)})
	}
	g = ps.Groups()
	total := 0
	for _, x := range g {
		total += x.Count
	}
	if len(g) != maxShapes || total != 1101 {
		t.Fatalf("%d groups of %d problems, want %d of 1101", len(g), total, maxShapes)
	}
}

// A message quoting a value of a megabyte (a 900,000-character sourcedId quoted by the problem
// of every row that names it) keeps the start of the value and its length: the listing held a
// megabyte a problem, 1.3 GB to validate a 517 MB package whose 600 enrollments named it.
func TestProblemsShortenLongQuotedValues(t *testing.T) {
	long := strings.Repeat("L", 900_000)
	ps := &Problems{Max: 1000}
	for i := range 3 {
		ps.Report(Problem{Severity: Error, Code: CodeBadID, File: "users.csv", Line: 2 + i, Column: "sourcedId",
			Message: `sourcedId "` + long + `" is longer than 255 characters; user "u` + strconv.Itoa(i) + `" names it`})
	}
	list := ps.List()
	if len(list) != 3 {
		t.Fatalf("%d problems kept, want 3", len(list))
	}
	for _, p := range list {
		if len(p.Message) > 1024 {
			t.Errorf("message of %d bytes kept, want at most 1 KiB", len(p.Message))
		}
		if !strings.HasPrefix(p.Message, `sourcedId "LLLL`) || !strings.Contains(p.Message, "900000 bytes") ||
			!strings.Contains(p.Message, `…" (900000 bytes) is longer than 255 characters; user "u`) {
			t.Errorf("message %q: want the value's start, its length and the rest of the message", p.Message)
		}
	}
	for _, g := range ps.Groups() {
		if g.Count != 3 {
			t.Errorf("group of %d, want the 3 problems in one group", g.Count)
		}
	}
	// A short message is kept as it is.
	ps.Report(Problem{Severity: Error, Code: CodeBadID, File: "users.csv", Line: 9, Message: `sourcedId "a b" has a space`})
	if got := ps.List()[3].Message; got != `sourcedId "a b" has a space` {
		t.Errorf("short message changed to %q", got)
	}
}
