package roster

import (
	"fmt"
	"math/rand/v2"
	"slices"
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
