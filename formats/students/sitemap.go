package students

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/roster"
)

// Site map limits: a district has hundreds of sites, not tens of thousands, and a workbook
// that expands past these is refused before it takes the memory it asks for (a sheet with one
// cell in its last column makes 16,384 cells a row).
const (
	MaxSiteMapRows     = 10000     // rows read, blank ones included
	maxSiteMapCells    = 1_000_000 // cells read, blank ones included
	siteMapUnzipLimit  = 32 << 20  // bytes a workbook may expand to (excelize's UnzipSizeLimit)
	siteMapXMLInMemory = 8 << 20   // a sheet past this is unzipped to a temporary file (UnzipXMLSizeLimit)
)

// LoadSiteMap reads a site map: a .csv file, or the first sheet of an .xlsx workbook, whose
// header row names the columns SITE_ID and SITE_NAME (in any case; other columns are ignored).
// Each further row maps a district site ID to a school name. Blank rows are skipped; a row
// without an ID or a name, or an ID given twice, is an error naming the file and the row.
func LoadSiteMap(path string) ([]Site, error) {
	var (
		rows [][]string
		err  error
	)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		rows, err = siteMapCSV(path)
	case ".xlsx":
		rows, err = siteMapXLSX(path)
	default:
		return nil, fmt.Errorf("site map %s: want a .csv or .xlsx file", path)
	}
	if err != nil {
		return nil, err
	}
	return parseSiteMap(path, rows)
}

// siteMapCSV reads every row of a CSV site map. Each row keeps its line number in front.
func siteMapCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("site map: %w", err)
	}
	defer f.Close()
	var first *roster.Problem
	rep := roster.ReporterFunc(func(p roster.Problem) {
		if first == nil && p.Severity == roster.Error {
			first = &p
		}
	})
	rd, err := csvio.NewReader(f, path, csvio.Options{}, rep)
	if err == nil && first == nil && rd.Empty {
		return nil, fmt.Errorf("site map %s is empty: expected a header row SITE_ID,SITE_NAME", path)
	}
	var rows [][]string
	if err == nil && first == nil {
		rows = append(rows, append([]string{"1"}, rd.Header()...))
		for {
			rec, line, rerr := rd.Next()
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				err = rerr
				break
			}
			if len(rows) >= MaxSiteMapRows {
				return nil, tooBig(path, fmt.Sprintf("more than %d rows", MaxSiteMapRows))
			}
			rows = append(rows, append([]string{fmt.Sprint(line)}, rec...))
		}
	}
	if first != nil {
		return nil, fmt.Errorf("site map %s, line %d: %s", path, first.Line, first.Message)
	}
	if err != nil {
		return nil, fmt.Errorf("site map %s: %w", path, err)
	}
	return rows, nil
}

// siteMapXLSX reads every row of the first sheet of a workbook, each with its row number in front.
func siteMapXLSX(path string) ([][]string, error) {
	wb, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: siteMapUnzipLimit, UnzipXMLSizeLimit: siteMapXMLInMemory})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size") {
			return nil, tooBig(path, fmt.Sprintf("it would unzip to more than %d MiB", siteMapUnzipLimit>>20))
		}
		return nil, fmt.Errorf("site map %s: %w", path, err)
	}
	defer wb.Close()
	sheets := wb.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("site map %s: the workbook has no sheets", path)
	}
	it, err := wb.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("site map %s, sheet %q: %w", path, sheets[0], err)
	}
	defer it.Close()
	var rows [][]string
	cells := 0
	for n := 1; it.Next(); n++ {
		if n > MaxSiteMapRows {
			return nil, tooBig(path, fmt.Sprintf("sheet %q has more than %d rows", sheets[0], MaxSiteMapRows))
		}
		cols, err := it.Columns()
		if err != nil {
			return nil, fmt.Errorf("site map %s, sheet %q, row %d: %w", path, sheets[0], n, err)
		}
		if cells += len(cols); cells > maxSiteMapCells {
			return nil, tooBig(path, fmt.Sprintf("sheet %q has more than %d cells by row %d (a cell far to the right makes every column up to it)", sheets[0], maxSiteMapCells, n))
		}
		// Keep the cells up to the last one filled in: a styled cell far to the right adds
		// thousands of blank ones.
		last := len(cols)
		for last > 0 && cols[last-1] == "" {
			last--
		}
		rows = append(rows, append([]string{fmt.Sprint(n)}, cols[:last]...))
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("site map %s, sheet %q: %w", path, sheets[0], err)
	}
	return rows, nil
}

// tooBig is the error for a site map past a limit.
func tooBig(path, why string) error {
	return fmt.Errorf("site map %s is too big to be one: %s; a site map lists each site once (SITE_ID,SITE_NAME)", path, why)
}

// parseSiteMap turns rows (row number first, then the cells) into sites.
func parseSiteMap(path string, rows [][]string) ([]Site, error) {
	bad := func(row, msg string, args ...any) error {
		return fmt.Errorf("site map %s, row %s: %s", path, row, fmt.Sprintf(msg, args...))
	}
	// The header is the first row that is not blank.
	for len(rows) > 0 && blankRow(rows[0][1:]) {
		rows = rows[1:]
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("site map %s: no header row SITE_ID,SITE_NAME", path)
	}
	idCol, nameCol := -1, -1
	for j, h := range rows[0][1:] {
		switch strings.ToUpper(strings.TrimSpace(h)) {
		case "SITE_ID":
			if idCol < 0 {
				idCol = j
			}
		case "SITE_NAME":
			if nameCol < 0 {
				nameCol = j
			}
		}
	}
	if idCol < 0 || nameCol < 0 {
		return nil, bad(rows[0][0], "the header row must name the columns SITE_ID and SITE_NAME, found %q", strings.Join(rows[0][1:], ","))
	}
	var sites []Site
	seen := map[string]string{}
	for _, row := range rows[1:] {
		n, cells := row[0], row[1:]
		if blankRow(cells) {
			continue
		}
		id := strings.TrimSpace(at(cells, idCol))
		name := strings.TrimSpace(at(cells, nameCol))
		if id == "" {
			return nil, bad(n, "SITE_ID is blank")
		}
		if name == "" {
			return nil, bad(n, "SITE_NAME is blank for SITE_ID %q", id)
		}
		if prev, dup := seen[id]; dup {
			return nil, bad(n, "SITE_ID %q is already on row %s", id, prev)
		}
		seen[id] = n
		sites = append(sites, Site{ID: id, Name: name})
	}
	if len(sites) == 0 {
		return nil, fmt.Errorf("site map %s: no sites below the header row", path)
	}
	return sites, nil
}

func at(cells []string, j int) string {
	if j < len(cells) {
		return cells[j]
	}
	return ""
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
