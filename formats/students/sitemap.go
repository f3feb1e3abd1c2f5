package students

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gocarina/gocsv"
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
		rows []siteRow
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
	return checkSites(path, rows)
}

// siteRow is one row of a site map below its header. In a CSV file gocsv fills ID and Name
// from the columns named SITE_ID and SITE_NAME: a small fixed-shape file, where its
// header-name mapping fits and its reflection costs nothing (the roster files stream through
// csvio).
type siteRow struct {
	ID    string `csv:"SITE_ID"`
	Name  string `csv:"SITE_NAME"`
	row   string // the CSV line or sheet row it came from
	blank bool   // every cell of the row is blank, other columns included
}

// siteColumns finds the columns SITE_ID and SITE_NAME in a header row (in any case, spaces
// around ignored, the first of each); -1 when absent.
func siteColumns(header []string) (id, name int) {
	id, name = -1, -1
	for j, h := range header {
		switch strings.ToUpper(strings.TrimSpace(h)) {
		case "SITE_ID":
			if id < 0 {
				id = j
			}
		case "SITE_NAME":
			if name < 0 {
				name = j
			}
		}
	}
	return id, name
}

// badHeader is the error for a header row without SITE_ID or SITE_NAME.
func badHeader(path, row string, header []string) error {
	return fmt.Errorf("site map %s, row %s: the header row must name the columns SITE_ID and SITE_NAME, found %q", path, row, strings.Join(header, ","))
}

// siteMapCSV reads the rows of a CSV site map below its header (the first row that is not
// blank), each with its line number.
func siteMapCSV(path string) ([]siteRow, error) {
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
	fail := func(err error) ([]siteRow, error) {
		if first != nil {
			return nil, fmt.Errorf("site map %s, line %d: %s", path, first.Line, first.Message)
		}
		return nil, fmt.Errorf("site map %s: %w", path, err)
	}
	rd, err := csvio.NewReader(f, path, csvio.Options{}, rep)
	if err != nil || first != nil {
		return fail(err)
	}
	if rd.Empty {
		return nil, fmt.Errorf("site map %s is empty: expected a header row SITE_ID,SITE_NAME", path)
	}
	header, hline := rd.Header(), 1
	for blankRow(header) {
		rec, line, err := rd.Next()
		if err == io.EOF && first == nil {
			return nil, fmt.Errorf("site map %s: no header row SITE_ID,SITE_NAME", path)
		}
		if err != nil || first != nil {
			return fail(err)
		}
		header, hline = slices.Clone(rec), line
	}
	id, name := siteColumns(header)
	if id < 0 || name < 0 {
		return nil, badHeader(path, strconv.Itoa(hline), header)
	}
	named := make([]string, len(header)) // gocsv matches names exactly: give the two theirs
	named[id], named[name] = "SITE_ID", "SITE_NAME"
	recs := rd.Records(named, MaxSiteMapRows)
	var rows []siteRow
	err = gocsv.UnmarshalCSV(recs, &rows)
	if err != nil || first != nil {
		return fail(err)
	}
	if recs.Truncated {
		return nil, tooBig(path, fmt.Sprintf("more than %d rows", MaxSiteMapRows))
	}
	for i := range rows {
		rows[i].row, rows[i].blank = strconv.Itoa(recs.Lines[i]), recs.Blank[i]
	}
	return rows, nil
}

// siteMapXLSX reads the rows of the first sheet of a workbook below its header (the first row
// that is not blank), each with its row number.
func siteMapXLSX(path string) ([]siteRow, error) {
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
	var (
		rows     []siteRow
		header   []string
		id, name int
	)
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
		cols = cols[:last]
		switch {
		case header == nil && blankRow(cols):
		case header == nil:
			header = cols
			if id, name = siteColumns(header); id < 0 || name < 0 {
				return nil, badHeader(path, strconv.Itoa(n), header)
			}
		default:
			rows = append(rows, siteRow{ID: at(cols, id), Name: at(cols, name), row: strconv.Itoa(n), blank: blankRow(cols)})
		}
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("site map %s, sheet %q: %w", path, sheets[0], err)
	}
	if header == nil {
		return nil, fmt.Errorf("site map %s: no header row SITE_ID,SITE_NAME", path)
	}
	return rows, nil
}

// tooBig is the error for a site map past a limit.
func tooBig(path, why string) error {
	return fmt.Errorf("site map %s is too big to be one: %s; a site map lists each site once (SITE_ID,SITE_NAME)", path, why)
}

// checkSites turns the rows below a site map's header into sites: blank rows are skipped, an
// ID or name left blank or an ID given twice is an error naming the row.
func checkSites(path string, rows []siteRow) ([]Site, error) {
	bad := func(row, msg string, args ...any) error {
		return fmt.Errorf("site map %s, row %s: %s", path, row, fmt.Sprintf(msg, args...))
	}
	var sites []Site
	seen := map[string]string{}
	for _, r := range rows {
		if r.blank {
			continue
		}
		id, name := strings.TrimSpace(r.ID), strings.TrimSpace(r.Name)
		if id == "" {
			return nil, bad(r.row, "SITE_ID is blank")
		}
		if name == "" {
			return nil, bad(r.row, "SITE_NAME is blank for SITE_ID %q", id)
		}
		if prev, dup := seen[id]; dup {
			return nil, bad(r.row, "SITE_ID %q is already on row %s", id, prev)
		}
		seen[id] = r.row
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
