package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/rostersync/rostersync/pkg/diff"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`

// parse parses a report and checks that it is self-contained: one inline script (ours), no
// element that loads anything (src, href, link, iframe, object), no element a hostile value
// could have made.
func parse(t *testing.T, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	scripts := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script":
				scripts++
			case "img", "link", "iframe", "object", "embed":
				t.Errorf("element <%s> in the report", n.Data)
			}
			for _, a := range n.Attr {
				if a.Key == "src" || a.Key == "href" || strings.HasPrefix(a.Key, "on") {
					t.Errorf("<%s %s=%q> in the report", n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != 1 {
		t.Errorf("%d script elements, want 1 (the filter)", scripts)
	}
	return doc
}

// texts returns the text of every element with attribute key (by its value).
func texts(doc *html.Node, key string) map[string][]string {
	out := map[string][]string{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == key {
					out[a.Val] = append(out[a.Val], text(n))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func text(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") && b.Len() > 0 {
			b.WriteByte(' ') // cells apart
		}
		b.WriteString(text(c))
	}
	return b.String()
}

func TestValidateReport(t *testing.T) {
	var probs roster.Problems
	for line := 2; line <= 10733; line++ {
		probs.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeManifest, File: "enrollments.csv", Line: line, Column: "status", Message: "status is filled"})
	}
	probs.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeBadEmail, File: "users.csv", Line: 1501, Column: "email", Message: "email " + hostile + " is not valid"})
	v := Validation{
		Path: "night/" + hostile, Format: "oneroster", Version: "1.1",
		Files:   []format.FileInfo{{Name: "users.csv", Rows: 3000}, {Name: "enrollments.csv", Rows: 10732}},
		Summary: Summary{Errors: probs.Errors, Warnings: probs.Warnings, ByCode: probs.ByCode},
		Groups:  probs.Groups(),
	}
	var b bytes.Buffer
	if err := Validate(&b, Meta{Version: "v1.2.3", Time: time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)}, []Validation{v}); err != nil {
		t.Fatal(err)
	}
	doc := parse(t, b.Bytes())
	if !strings.Contains(text(doc), hostile) {
		t.Error("the hostile path and message are not shown as text")
	}
	codes := texts(doc, "data-code")
	// The per-code table's cell, and each problem row's data-code (its text is the whole row).
	if got := codes["manifest"]; len(got) != 2 || got[0] != "10,732" {
		t.Errorf("manifest: %q, want the count 10,732 and one grouped row", got)
	}
	if got := codes["bad-email"]; len(got) != 2 || got[0] != "1" {
		t.Errorf("bad-email: %q, want the count 1 and its row", got)
	}
	row := codes["manifest"][1]
	for _, want := range []string{"enrollments.csv", "2–10733", "10,732", "status is filled"} {
		if !strings.Contains(row, want) {
			t.Errorf("grouped row %q lacks %q", row, want)
		}
	}
	counts := texts(doc, "data-count")
	if counts["errors"][0] != "1" || counts["warnings"][0] != "10,732" || counts["infos"][0] != "0" {
		t.Errorf("severity counts %v", counts)
	}
	if got := texts(doc, "data-rows")["enrollments.csv"]; len(got) != 1 || got[0] != "10,732" {
		t.Errorf("rows of enrollments.csv: %q", got)
	}
	// Per file: its rows and its problems by severity, every problem counted; a file with
	// problems that is no data file (the manifest) has its row too.
	files := texts(doc, "data-file")
	for file, want := range map[string]string{"enrollments.csv": "10,732 0 10,732 0", "users.csv": "3,000 1 0 0"} {
		if got := files[file]; len(got) != 1 || strings.Join(strings.Fields(got[0]), " ") != file+" "+want {
			t.Errorf("the row of %s: %q, want %s %s", file, got, file, want)
		}
	}
	if n := bytes.Count(b.Bytes(), []byte(`class="p"`)); n != 2 {
		t.Errorf("%d problem rows, want 2 (one group, one problem)", n)
	}
}

func TestDiffReportMasksSecrets(t *testing.T) {
	res := &diff.Result{
		Compared: map[string][]string{"user": {"email", "password"}},
		Summary: map[roster.Kind]*diff.Counts{
			roster.UserKind: {Added: 1, Removed: 2, Changed: 1, Unchanged: 7, RemovedPercent: 20},
		},
		Changes: []diff.Change{
			{Entity: "user", ID: "u1", Kind: diff.Changed, Fields: map[string]diff.FieldChange{
				"password": {Old: "hunter2", New: "correct-horse"}, // as --show-secrets gives them
				"email":    {Old: "a@x.org", New: hostile},
			}},
			{Entity: "demographic", ID: "u1", Kind: diff.Changed, Fields: map[string]diff.FieldChange{
				"birthDate": {Old: "2010-01-02", New: "2010-02-01"},
			}},
			{Entity: "user", ID: "u8", Kind: diff.Added},
		},
		Notes: []diff.Note{
			{Kind: diff.NoteRekey, Entity: "user", OldID: "u7", NewID: "u9", Why: "same email"},
			{Kind: diff.NoteSchoolMove, Entity: "user", ID: "u1", Old: []string{"s1"}, New: []string{"s2"}},
		},
		Schools: []diff.SchoolCounts{{Org: "s1", Name: hostile, Removed: 2, Changed: 1}, {Org: "s2", Added: 1, Changed: 1}},
	}
	var b bytes.Buffer
	err := DiffReport(&b, Meta{}, Diff{Old: "night1/", New: "night2/", OldFormat: "oneroster", NewFormat: "oneroster", Result: res})
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2", "correct-horse", "2010-01-02", "2010-02-01"} {
		if bytes.Contains(b.Bytes(), []byte(secret)) {
			t.Errorf("the report shows the secret %q", secret)
		}
	}
	doc := parse(t, b.Bytes())
	all := text(doc)
	for _, want := range []string{hostile, "***", "u7 → u9", "s1 → s2", "school-move"} {
		if !strings.Contains(all, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	schools := texts(doc, "data-org")
	if got := schools["s1"]; len(got) != 1 || !strings.Contains(got[0], "2") {
		t.Errorf("school s1: %q", got)
	}
	if got := texts(doc, "data-kind")["users"]; len(got) != 1 || !strings.Contains(got[0], "20%") {
		t.Errorf("users row: %q", got)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 10732: "10,732", 1234567: "1,234,567", -1234567: "-1,234,567", -12: "-12"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
