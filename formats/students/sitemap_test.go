package students

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rostersync/rostersync/pkg/format"
)

// xlsx writes a workbook at dir/name whose first sheet holds rows (nil cells left empty), and a
// second sheet that must be ignored. Cells that look like whole numbers are stored as numbers,
// as a spreadsheet would.
func xlsx(t *testing.T, dir, name string, rows map[int][]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Sites"); err != nil {
		t.Fatal(err)
	}
	for n, row := range rows {
		cell, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow("Sites", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.NewSheet("Notes"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Notes", "A1", &[]any{"SITE_ID", "SITE_NAME"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Notes", "A2", &[]any{"999", "Not a site"}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func csvFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadSiteMap(t *testing.T) {
	dir := t.TempDir()
	want := []format.Site{{ID: "0101", Name: "Lincoln High"}, {ID: "102", Name: "Roosevelt Middle"}, {ID: "7", Name: "Adams Elementary"}}
	tests := []struct {
		name string
		path string
	}{
		{"csv", csvFile(t, dir, "sites.csv", "SITE_ID,SITE_NAME\n0101,Lincoln High\n102, Roosevelt Middle \n\n7,Adams Elementary\n")},
		{"csv: BOM, CRLF, lower case, other columns", csvFile(t, dir, "sites2.CSV",
			"\ufeffNotes,site_name,site_id\r\nx,Lincoln High,0101\r\n,Roosevelt Middle,102\r\n,Adams Elementary,7\r\n")},
		{"xlsx: first sheet, numbers, a blank row", xlsx(t, dir, "sites.xlsx", map[int][]any{
			1: {"SITE_ID", "SITE_NAME", "PRINCIPAL"},
			2: {"0101", "Lincoln High", "Dr. X"},
			3: {102, "Roosevelt Middle"},
			5: {7, "Adams Elementary"},
		})},
		{"xlsx: header below a blank row", xlsx(t, dir, "sites2.XLSX", map[int][]any{
			2: {"SITE_ID", "SITE_NAME"},
			3: {"0101", "Lincoln High"},
			4: {"102", "Roosevelt Middle"},
			5: {"7", "Adams Elementary"},
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadSiteMap(tt.path)
			if err != nil {
				t.Fatalf("LoadSiteMap: %v", err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("sites = %+v, want %+v", got, want)
			}
		})
	}
}

func TestLoadSiteMapErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, path, want string
	}{
		{"other extension", csvFile(t, dir, "sites.xls", "x"), "want a .csv or .xlsx file"},
		{"missing file", filepath.Join(dir, "nope.csv"), "no such file"},
		{"empty csv", csvFile(t, dir, "empty.csv", ""), "is empty: expected a header row SITE_ID,SITE_NAME"},
		{"no SITE_NAME", csvFile(t, dir, "a.csv", "SITE_ID,NAME\n1,x\n"), `row 1: the header row must name the columns SITE_ID and SITE_NAME, found "SITE_ID,NAME"`},
		{"blank id", csvFile(t, dir, "b.csv", "SITE_ID,SITE_NAME\n1,x\n,y\n"), `row 3: SITE_ID is blank`},
		{"blank name", csvFile(t, dir, "c.csv", "SITE_ID,SITE_NAME\n1,\n"), `row 2: SITE_NAME is blank for SITE_ID "1"`},
		{"duplicate id", csvFile(t, dir, "d.csv", "SITE_ID,SITE_NAME\n1,x\n2,y\n1,z\n"), `row 4: SITE_ID "1" is already on row 2`},
		{"header only", csvFile(t, dir, "e.csv", "SITE_ID,SITE_NAME\n"), "no sites below the header row"},
		{"UTF-16", csvFile(t, dir, "f.csv", "\xff\xfeS\x00I\x00"), "line 1: the file is UTF-16"},
		{"CSV syntax", csvFile(t, dir, "g.csv", "SITE_ID,SITE_NAME\n1,\"x\n"), "line 2:"},
		{"xlsx: duplicate id names the sheet row", xlsx(t, dir, "dup.xlsx", map[int][]any{
			1: {"SITE_ID", "SITE_NAME"}, 2: {101, "A"}, 4: {"101", "B"}}), `row 4: SITE_ID "101" is already on row 2`},
		{"xlsx: empty first sheet", xlsx(t, dir, "none.xlsx", map[int][]any{}), "no header row SITE_ID,SITE_NAME"},
		{"not a workbook", csvFile(t, dir, "fake.xlsx", "SITE_ID,SITE_NAME\n1,x\n"), "fake.xlsx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadSiteMap(tt.path)
			if err == nil {
				t.Fatalf("LoadSiteMap = %v, want an error", got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not hold %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), filepath.Base(tt.path)) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// TestSiteMapCheck reads a students.csv against a site map loaded from a real .xlsx.
func TestSiteMapCheck(t *testing.T) {
	p := xlsx(t, t.TempDir(), "sites.xlsx", map[int][]any{1: {"SITE_ID", "SITE_NAME"}, 2: {"0101", "Lincoln High"}, 3: {102, "Roosevelt"}})
	sites, err := LoadSiteMap(p)
	if err != nil {
		t.Fatal(err)
	}
	opts := format.Options{Students: format.StudentsOptions{SiteMap: sites, SiteMapName: p}}
	_, coll, probs := read(t, lines(header, "1,A,B,9,0101,,pw", "2,A,B,9,102,,pw", "3,A,B,9,999,,pw", "4,A,B,9,101,,pw"), opts)
	checkProblems(t, probs, []want{
		{"error dangling-ref 4 SITE_ID", `SITE_ID "999" is not in the site map ` + p},
		{"error dangling-ref 5 SITE_ID", `SITE_ID "101" is not in the site map ` + p + ` (it has "0101"`},
	})
	var names []string
	for _, o := range coll.Roster.Orgs {
		names = append(names, o.SourcedID+"="+o.Name)
	}
	if want := []string{"0101=Lincoln High", "102=Roosevelt", "999=999", "101=101"}; !slices.Equal(names, want) {
		t.Errorf("orgs %v, want %v", names, want)
	}
}
