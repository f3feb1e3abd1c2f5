package students

import (
	"archive/zip"
	"fmt"
	"io"
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
	want := []Site{{ID: "0101", Name: "Lincoln High"}, {ID: "102", Name: "Roosevelt Middle"}, {ID: "7", Name: "Adams Elementary"}}
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
	opts := format.Options{}.WithSettings(Name, Settings{Sites: sites, SiteMap: p})
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

// workbook writes a minimal .xlsx whose first sheet's rows are XML written by rows (after a
// SITE_ID,SITE_NAME header), so tests can build sheets a spreadsheet program would not.
func workbook(t *testing.T, dir, name string, rows func(w io.Writer)) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	part := func(name, data string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, data) //nolint:errcheck // checked by Close
	}
	part("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)
	part("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	part("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sites" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	part("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+ //nolint:errcheck
		`<row r="1"><c r="A1" t="inlineStr"><is><t>SITE_ID</t></is></c><c r="B1" t="inlineStr"><is><t>SITE_NAME</t></is></c></row>`)
	rows(w)
	io.WriteString(w, `</sheetData></worksheet>`) //nolint:errcheck
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// Site maps too big to be one are refused with a clear error, before they take the memory a
// workbook bomb asks for: one cell at the last column on each row (16,384 cells a row), more
// rows than a district has sites, or a sheet past the unzip limit.
func TestSiteMapLimits(t *testing.T) {
	dir := t.TempDir()
	site := func(w io.Writer, n int) {
		fmt.Fprintf(w, `<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>School %d</t></is></c></row>`, n, n, n, n, n)
	}
	tests := []struct {
		name, path, want string
	}{
		{"wide rows", workbook(t, dir, "wide.xlsx", func(w io.Writer) {
			for n := 2; n < 5000; n++ {
				fmt.Fprintf(w, `<row r="%d"><c r="XFD%d"><v>1</v></c></row>`, n, n)
			}
		}), "cells"},
		{"many rows", workbook(t, dir, "long.xlsx", func(w io.Writer) {
			for n := 2; n < MaxSiteMapRows+10; n++ {
				site(w, n)
			}
		}), "rows"},
		{"past the unzip limit", workbook(t, dir, "huge.xlsx", func(w io.Writer) {
			pad := strings.Repeat(" ", 1<<20)
			site(w, 2)
			for range siteMapUnzipLimit>>20 + 1 {
				io.WriteString(w, pad) //nolint:errcheck
			}
		}), "unzip"},
		{"csv: many rows", csvFile(t, dir, "long.csv", "SITE_ID,SITE_NAME\n"+strings.Repeat("1,x\n", MaxSiteMapRows+1)), "rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadSiteMap(tt.path)
			if err == nil {
				t.Fatalf("LoadSiteMap read %d sites, want an error", len(got))
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), filepath.Base(tt.path)) {
				t.Errorf("error %q does not name the file and hold %q", err, tt.want)
			}
		})
	}
	// Just under the limits reads.
	ok := workbook(t, dir, "ok.xlsx", func(w io.Writer) {
		for n := 2; n <= MaxSiteMapRows; n++ {
			site(w, n)
		}
	})
	if sites, err := LoadSiteMap(ok); err != nil || len(sites) != MaxSiteMapRows-1 {
		t.Errorf("LoadSiteMap = %d sites, %v; want %d", len(sites), err, MaxSiteMapRows-1)
	}
}
