package sds

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
)

// users.csv without its header row, or saved with semicolons: one problem, no user read, and no
// cell of the file (passwords among them) in any message.
func TestHeaderlessAndOtherSeparators(t *testing.T) {
	full := string(edited(t)["users.csv"].Data)
	_, body, _ := strings.Cut(full, "\n")
	for _, tt := range []struct{ name, data, says string }{
		{"headerless", body, "looks like data"},
		{"semicolons", strings.ReplaceAll(full, ",", ";"), `splits on ";"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := edited(t)
			fsys["users.csv"] = &fstest.MapFile{Data: []byte(tt.data)}
			_, coll, probs := formattest.Read(t, New(), fsys, format.Options{})
			if len(probs) == 0 || formattest.Key(probs[0]) != "error header 1 " || !strings.Contains(probs[0].Message, tt.says) {
				t.Fatalf("problems %v", probs)
			}
			if n := len(coll.Roster.Users); n != 0 {
				t.Errorf("%d users read from a file without a header", n)
			}
			for _, p := range probs {
				for _, cell := range strings.FieldsFunc(body, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
					if len(cell) > 3 && strings.Contains(p.Message+p.Column, cell) {
						t.Errorf("a problem shows the cell %q: %s", cell, p.Message)
					}
				}
			}
		})
	}
}

// Every column is checked for formulas; a password's or birth date's problem shows nothing of
// it. E.164 phone numbers (+15035550100) are numbers, not formulas.
func TestFormulaEveryColumn(t *testing.T) {
	fsys := edited(t,
		edit{"users.csv", "Nadia,Ramirez,3U8VWTwtCZ", "=Nadia,Ramirez,=1+1secret"},
		edit{"demographics.csv", ",Portland,", ",@SUM(1),"})
	_, _, probs := formattest.Read(t, New(), fsys, format.Options{})
	formattest.CheckProblems(t, probs, []formattest.Want{
		{"warning formula 2 birthCity", `birthCity starts with "@"`},
		{"warning formula 2 givenName", `givenName starts with "="`},
		{"warning formula 2 password", "value not shown"},
	})
	for _, p := range probs {
		if strings.Contains(p.Message, "secret") {
			t.Errorf("the password's problem shows some of it: %s", p.Message)
		}
	}
}

// IDs holding zero-width or bidi characters look like others but are not: bad-id.
func TestInvisibleCharactersInIDs(t *testing.T) {
	fsys := edited(t, edit{"orgs.csv", "sch1,Lincoln", "sch1\u200b,Lincoln"})
	_, _, probs := formattest.Read(t, New(), fsys, format.Options{})
	found := false
	for _, p := range probs {
		if p.File == "orgs.csv" {
			found = formattest.Key(p) == "error bad-id 3 sourcedId" && strings.Contains(p.Message, "U+200B")
		}
	}
	if !found {
		t.Fatalf("no bad-id problem for orgs.csv line 3: %v", probs)
	}
}

// A file saved as UTF-16 is one encoding problem, and the rest of the set is still checked.
func TestUTF16File(t *testing.T) {
	fsys := edited(t)
	fsys["userFlags.csv"] = &fstest.MapFile{Data: []byte{0xFF, 0xFE, 'u', 0, 's', 0}}
	_, _, probs := formattest.Read(t, New(), fsys, format.Options{})
	formattest.CheckProblems(t, probs, []formattest.Want{{"error encoding 1 ", "UTF-16"}})
}

// chainOrgs makes an orgs.csv of n orgs, each the parent of the next, with org back's parent
// the last one, which closes a loop (no loop when back < 0).
func chainOrgs(n, back int) []byte {
	var b strings.Builder
	b.WriteString("sourcedId,name,type,parentSourcedId\r\ndistrict1,Unified School District,district,\r\nsch1,Lincoln Elementary,school,district1\r\n")
	for i := range n {
		parent := "district1"
		if i > 0 {
			parent = fmt.Sprintf("o%d", i-1)
		}
		if i == back {
			parent = fmt.Sprintf("o%d", n-1)
		}
		fmt.Fprintf(&b, "o%d,Org %d,department,%s\r\n", i, i, parent)
	}
	return []byte(b.String())
}

// A long chain of parents whose end loops back into it: exactly the orgs on the loop are
// reported, each once; the orgs leading into it are not.
func TestOrgChainCycle(t *testing.T) {
	fsys := edited(t)
	fsys["orgs.csv"] = &fstest.MapFile{Data: chainOrgs(2000, 1990)}
	_, _, probs := formattest.Read(t, New(), fsys, format.Options{})
	cycle := 0
	for _, p := range probs {
		if strings.Contains(p.Message, "cycle") {
			cycle++
		}
	}
	if cycle != 10 {
		for _, p := range probs[:min(5, len(probs))] {
			t.Log(formattest.Key(p), p.Message)
		}
		t.Errorf("%d orgs reported in a cycle, want the 10 on it (o1990 to o1999)", cycle)
	}
}

// BenchmarkOrgChain reads an SDS set whose orgs.csv is one chain of 100,000 parents: the cycle
// check walks each org once (it took time in the square of the chain's length before).
func BenchmarkOrgChain(b *testing.B) {
	fsys := edited(b)
	fsys["orgs.csv"] = &fstest.MapFile{Data: chainOrgs(100_000, -1)}
	for b.Loop() {
		formattest.Read(b, New(), fsys, format.Options{})
	}
}
