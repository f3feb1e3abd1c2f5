package csvio

import (
	"slices"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Records gives the header (or the one passed), then each data record with the line it
// starts on, its width and whether it is blank; past the limit it stops and says so. A record
// with a problem is reported and skipped, and the lines stay the file's own.
func TestRecords(t *testing.T) {
	data := "a,b\n1,2\n\n\"x\ny\",3\n\"bad\"q,4\n , \n5,6,7\n8\n"
	tests := []struct {
		name    string
		header  []string
		limit   int
		rows    int
		lines   []int
		widths  []int
		blank   []bool
		trunc   bool
		problem []int // lines of the problems reported
	}{
		{name: "all", rows: 5, lines: []int{2, 4, 7, 8, 9}, widths: []int{2, 2, 2, 3, 1},
			blank: []bool{false, false, true, false, false}, problem: []int{4, 6}},
		{name: "renamed header", header: []string{"A", "B"}, rows: 5, lines: []int{2, 4, 7, 8, 9}, widths: []int{2, 2, 2, 3, 1},
			blank: []bool{false, false, true, false, false}, problem: []int{4, 6}},
		{name: "limit", limit: 2, rows: 2, lines: []int{2, 4}, widths: []int{2, 2}, blank: []bool{false, false}, trunc: true, problem: []int{4, 6}},
		{name: "limit not reached", limit: 5, rows: 5, lines: []int{2, 4, 7, 8, 9}, widths: []int{2, 2, 2, 3, 1},
			blank: []bool{false, false, true, false, false}, problem: []int{4, 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var probs []int
			rd, err := NewReader(strings.NewReader(data), "f.csv", Options{}, roster.ReporterFunc(func(p roster.Problem) { probs = append(probs, p.Line) }))
			if err != nil {
				t.Fatal(err)
			}
			recs := rd.Records(tc.header, tc.limit)
			all, err := recs.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want := tc.header
			if want == nil {
				want = []string{"a", "b"}
			}
			if len(all) == 0 || !slices.Equal(all[0], want) {
				t.Fatalf("header %q, want %q", all, want)
			}
			if got := len(all) - 1; got != tc.rows {
				t.Errorf("%d rows, want %d: %q", got, tc.rows, all)
			}
			if !slices.Equal(recs.Lines, tc.lines) || !slices.Equal(recs.Widths, tc.widths) || !slices.Equal(recs.Blank, tc.blank) {
				t.Errorf("lines %v widths %v blank %v, want %v %v %v", recs.Lines, recs.Widths, recs.Blank, tc.lines, tc.widths, tc.blank)
			}
			if recs.Truncated != tc.trunc {
				t.Errorf("Truncated %v, want %v", recs.Truncated, tc.trunc)
			}
			if !slices.Equal(probs, tc.problem) {
				t.Errorf("problems on lines %v, want %v", probs, tc.problem)
			}
		})
	}
	// An empty file gives no header and no rows.
	rd, err := NewReader(strings.NewReader(""), "f.csv", Options{}, roster.ReporterFunc(func(roster.Problem) {}))
	if err != nil {
		t.Fatal(err)
	}
	if all, err := rd.Records(nil, 0).ReadAll(); err != nil || len(all) != 0 {
		t.Errorf("empty file: %q, %v", all, err)
	}
}
