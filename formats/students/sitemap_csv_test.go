package students

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A CSV site map's columns are found by name wherever they are, and every error names the
// row's own line, counted as the file's lines (a header below blank cells, a record over two
// lines, blank rows between).
func TestSiteMapCSVColumnsAndLines(t *testing.T) {
	dir := t.TempDir()
	ok := []struct{ name, data string }{
		{"header below a row of blank cells", ",,\nNOTES,SITE_NAME,SITE_ID\n,Lincoln High,0101\n,Roosevelt Middle,102\n"},
		{"repeated column: the first counts", "SITE_ID,SITE_NAME,site_id\n0101,Lincoln High,9\n102,Roosevelt Middle,9\n"},
		{"short rows of other columns", "SITE_ID,SITE_NAME,NOTES\n0101,Lincoln High\n102,Roosevelt Middle,x,y\n"},
	}
	want := []Site{{ID: "0101", Name: "Lincoln High"}, {ID: "102", Name: "Roosevelt Middle"}}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadSiteMap(csvFile(t, dir, "ok.csv", tt.data))
			if err != nil {
				t.Fatalf("LoadSiteMap: %v", err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("sites = %+v, want %+v", got, want)
			}
		})
	}
	bad := []struct{ name, data, want string }{
		{"header on line 2", ",\nSITE_ID,NAME\n1,x\n", `row 2: the header row must name the columns SITE_ID and SITE_NAME, found "SITE_ID,NAME"`},
		{"only blank rows", ",\n ,\n", "no header row SITE_ID,SITE_NAME"},
		{"a row with only a note", "SITE_ID,SITE_NAME,NOTES\n1,x,\n,,closed\n", "row 3: SITE_ID is blank"},
		{"a short row", "SITE_ID,SITE_NAME\n1,x\n2\n", `row 3: SITE_NAME is blank for SITE_ID "2"`},
		{"duplicate after blank lines", "SITE_ID,SITE_NAME\n1,x\n\n\n1,y\n", `row 5: SITE_ID "1" is already on row 2`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadSiteMap(csvFile(t, dir, "bad.csv", tt.data))
			if err == nil {
				t.Fatalf("LoadSiteMap = %v, want an error", got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not hold %q", err, tt.want)
			}
		})
	}
}

// FuzzSiteMapCSV: any CSV site map is read into sites or refused with an error naming the
// file, never a panic.
func FuzzSiteMapCSV(f *testing.F) {
	for _, s := range []string{
		"SITE_ID,SITE_NAME\n0101,Lincoln High\n", ",,\nNOTES,site_name,site_id\n,x,1\n", "SITE_ID,SITE_NAME\n1,\"x\n",
		"\xff\xfeS\x00", "SITE_ID;SITE_NAME\n1;x\n", "SITE_ID,SITE_NAME,SITE_ID\n1,x,2\n\n,,\n3\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "sites.csv")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		sites, err := LoadSiteMap(p)
		if err != nil {
			if !strings.Contains(err.Error(), "sites.csv") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		if len(sites) == 0 {
			t.Error("no sites and no error")
		}
		seen := map[string]bool{}
		for _, s := range sites {
			if s.ID == "" || s.Name == "" || seen[s.ID] {
				t.Errorf("site %+v: blank or repeated", s)
			}
			seen[s.ID] = true
		}
	})
}
