package csvio

import (
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/roster"
)

func TestCheckHeader(t *testing.T) {
	students := HeaderSpec{Columns: append(Columns("STUDENT_ID", "FIRST_NAME", "LAST_NAME", "GRADE"),
		HeaderColumn{Name: "MIDDLE_NAME", Optional: true}), Ordered: true}
	oneroster := HeaderSpec{Columns: Columns("sourcedId", "name", "type"), Ordered: true, ExtraLast: true,
		Extra: func(n string) bool { return strings.HasPrefix(n, "metadata.") }}
	tests := []struct {
		name string
		spec HeaderSpec
		got  string
		idx  []int
		msgs []string
	}{
		{"exact", students, "STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE", []int{0, 1, 2, 3, -1}, nil},
		{"optional present", students, "STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,MIDDLE_NAME", []int{0, 1, 2, 3, 4}, nil},
		{"misordered", students, "STUDENT_ID,FIRST_NAME,GRADE,LAST_NAME", []int{0, 1, 3, 2, -1},
			[]string{"column 3 is GRADE, expected LAST_NAME: the columns are out of order (columns must be in the order STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,MIDDLE_NAME)"}},
		{"wrong case", students, "student_id,FIRST_NAME,LAST_NAME,GRADE", []int{0, 1, 2, 3, -1},
			[]string{`column 1 is "student_id", expected "STUDENT_ID" (header names are case-sensitive)`}},
		{"misspelled", students, "STUDENT_ID,FIRST_NAM,LAST_NAME,GRADE", []int{0, 1, 2, 3, -1},
			[]string{`column 2 is "FIRST_NAM", expected "FIRST_NAME" (misspelled?)`}},
		{"missing", students, "STUDENT_ID,FIRST_NAME,LAST_NAME", []int{0, 1, 2, -1, -1},
			[]string{`missing column "GRADE" (expected as column 4)`}},
		{"duplicate and empty", students, "STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,GRADE,", []int{0, 1, 2, 3, -1},
			[]string{`column 5: header "GRADE" appears twice (also column 4)`, "column 6 has an empty header name"}},
		{"unknown", students, "STUDENT_ID,FIRST_NAME,LAST_NAME,GRADE,SHOE_SIZE", []int{0, 1, 2, 3, -1},
			[]string{`column 5: unknown column "SHOE_SIZE"`}},
		{"metadata trailing", oneroster, "sourcedId,name,type,metadata.x", []int{0, 1, 2}, nil},
		{"metadata in the middle", oneroster, "sourcedId,metadata.x,name,type", []int{0, 2, 3},
			[]string{`column 2: extension column "metadata.x" must come after every standard column`}},
		{"ext column", oneroster, "sourcedId,name,type,ext_foo", []int{0, 1, 2},
			[]string{`column 4: unexpected column "ext_foo"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var msgs []string
			idx := CheckHeader("f.csv", strings.Split(tt.got, ","), tt.spec, roster.ReporterFunc(func(p roster.Problem) {
				if p.Line != 1 || p.Code != roster.CodeHeader || p.Severity != roster.Error {
					t.Errorf("problem %+v", p)
				}
				msgs = append(msgs, p.Message)
			}))
			if strings.Join(msgs, "\n") != strings.Join(tt.msgs, "\n") {
				t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(tt.msgs, "\n"))
			}
			if len(idx) != len(tt.idx) {
				t.Fatalf("idx %v, want %v", idx, tt.idx)
			}
			for i := range idx {
				if idx[i] != tt.idx[i] {
					t.Fatalf("idx %v, want %v", idx, tt.idx)
				}
			}
		})
	}
}

// A header that is not one (another separator, or a first row of data) gets one problem, shows
// no cell of the row, and leaves the file unread (nil).
// TestUnknownColumnLooksLikeData: in a header that is read, an unknown column whose name looks
// like a value (a date, a number, an e-mail) is reported without it: it may be a birth date.
func TestUnknownColumnLooksLikeData(t *testing.T) {
	spec := HeaderSpec{Columns: Columns("STUDENT_ID", "FIRST_NAME", "LAST_NAME", "PASSWORD", "BIRTHDATE"), Ordered: true}
	for _, cell := range []string{"2013-07-23", "7/23/2013", "nadia@example.org", "0600000010"} {
		var ps []roster.Problem
		CheckHeader("f.csv", []string{"STUDENT_ID", "FIRST_NAME", "LAST_NAME", "PASSWORD", cell}, spec,
			roster.ReporterFunc(func(p roster.Problem) { ps = append(ps, p) }))
		if len(ps) == 0 {
			t.Fatalf("%s: no problem", cell)
		}
		for _, p := range ps {
			if strings.Contains(p.Message+p.Column, cell) {
				t.Errorf("%s: the problem shows the cell: %+v", cell, p)
			}
		}
	}
}

func TestCheckHeaderUnusable(t *testing.T) {
	students := HeaderSpec{Columns: Columns("STUDENT_ID", "FIRST_NAME", "LAST_NAME", "PASSWORD", "BIRTHDATE"), Ordered: true}
	tests := []struct {
		name string
		got  []string
		want string
	}{
		{"semicolons", []string{"STUDENT_ID;FIRST_NAME;LAST_NAME;PASSWORD;BIRTHDATE"}, `the header splits on ";", not on ","`},
		{"tabs", []string{"STUDENT_ID\tFIRST_NAME\tLAST_NAME\tPASSWORD\tBIRTHDATE"}, `the header splits on tabs, not on ","`},
		{"data", []string{"1000000", "Nadia", "Ramirez", "3U8VWTwtCZ", "2013-07-23"}, "the first row looks like data, not a header"},
		{"data one column", []string{"3U8VWTwtCZ"}, "the first row looks like data, not a header"},
		// A password that happens to be a column name does not make a row of data a header.
		{"data with a column name", []string{"1000000", "Nadia", "Ramirez", "password", "2013-07-23"}, "the first row looks like data, not a header"},
		{"semicolon data", []string{"1000000;Nadia;Ramirez;3U8VWTwtCZ;2013-07-23"}, `splits on ";"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps []roster.Problem
			idx := CheckHeader("f.csv", tt.got, students, roster.ReporterFunc(func(p roster.Problem) { ps = append(ps, p) }))
			if idx != nil {
				t.Errorf("idx %v, want nil (the file is not read)", idx)
			}
			if len(ps) != 1 {
				t.Fatalf("%d problems, want 1: %+v", len(ps), ps)
			}
			p := ps[0]
			if p.Code != roster.CodeHeader || p.Line != 1 || p.Severity != roster.Error || !strings.Contains(p.Message, tt.want) {
				t.Errorf("problem %+v, want a header error saying %q", p, tt.want)
			}
			for _, secret := range []string{"3U8VWTwtCZ", "2013-07-23", "Nadia"} {
				if strings.Contains(p.Message+p.Column, secret) {
					t.Errorf("the problem shows a cell of the row: %+v", p)
				}
			}
		})
	}
}

func TestFormula(t *testing.T) {
	for s, want := range map[string]bool{
		"=1+1": true, "+cmd|' /C calc'!A0": true, "-2+3": true, "@SUM(A1)": true, "\t=1": true, "\r=1": true,
		"-3": false, "+44": false, "-1.5e3": false, "Ann": false, "": false, "a=b": false, " =1": false,
	} {
		if got := Formula(s); got != want {
			t.Errorf("Formula(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestInvisible(t *testing.T) {
	for s, want := range map[string]rune{
		"stu01": 0, "José": 0, "stu\u200b01": '\u200b', "\u202estu": '\u202e', "a\u200db": '\u200d',
		"x\u2066y": '\u2066', "\ufeffid": '\ufeff', "a\x1bb": '\x1b', "a\u200eb": '\u200e',
		// Characters that look like nothing or like a plain space: no-break and other Unicode
		// spaces, Hangul fillers, the combining grapheme joiner, variation selectors, braille blank.
		"1000000\u00a0": '\u00a0', "a\u3000b": '\u3000', "\u3164": '\u3164', "a\u034fb": '\u034f',
		"a\ufe0fb": '\ufe0f', "a\u2800b": '\u2800', "a\u115fb": '\u115f', "a\uffa0b": '\uffa0',
		"Zoë": 0, "e\u0301": 0, "李": 0,
	} {
		if got := Invisible(s); got != want {
			t.Errorf("Invisible(%q) = %U, want %U", s, got, want)
		}
	}
}

// TestPlace checks that Place keeps the spec's columns the header has, in spec order, with
// their spec and record indexes, and skips the others.
func TestPlace(t *testing.T) {
	spec := []string{"sourcedId", "status", "name", "type"}
	got := Place(spec, []int{2, -1, 0, 5})
	want := []Placed[string]{{Spec: &spec[0], I: 0, At: 2}, {Spec: &spec[2], I: 2, At: 0}, {Spec: &spec[3], I: 3, At: 5}}
	if len(got) != len(want) {
		t.Fatalf("Place = %d columns, want %d", len(got), len(want))
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("column %d = {%s %d %d}, want {%s %d %d}", k, *got[k].Spec, got[k].I, got[k].At, *want[k].Spec, want[k].I, want[k].At)
		}
	}
	if got := Place(spec, nil); len(got) != 0 {
		t.Errorf("Place without a header = %d columns, want none", len(got))
	}
}
