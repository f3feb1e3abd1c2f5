package source

import (
	"archive/zip"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/rostersync/rostersync/pkg/roster"
)

// Zip intake limits: an archive with more entries, or that claims to expand past this ratio of
// its own size, is refused rather than read.
const (
	MaxZipEntries = 1000
	MaxZipRatio   = 200
	zipSlack      = 64 << 20
)

// OpenZip checks a zip archive and returns the file system to read from it. Entries with ".."
// or absolute names, too many entries or an uncompressed size far past the archive's size refuse
// the whole archive (an error problem, ok false). Files inside one top folder are read from that
// folder with a warning.
func OpenZip(zr *zip.Reader, size int64, name string, rep roster.Reporter) (fsys fs.FS, ok bool) {
	refuse := func(msg string) (fs.FS, bool) {
		rep.Report(roster.Problem{Severity: roster.Error, Code: roster.CodeParse, File: name, Message: msg})
		return nil, false
	}
	if len(zr.File) > MaxZipEntries {
		return refuse(fmt.Sprintf("zip has %d entries, more than the %d rostersync reads: not a roster package?", len(zr.File), MaxZipEntries))
	}
	var total uint64
	tops := map[string]bool{}
	seen := map[string]string{} // folded name → the name as written
	rootFiles := 0
	for _, f := range zr.File {
		n := f.Name
		if strings.HasPrefix(n, "/") || strings.HasPrefix(n, `\`) || strings.Contains(n, `\`) || (len(n) > 1 && n[1] == ':') {
			return refuse(fmt.Sprintf("zip entry %q has an absolute or Windows path: refused", n))
		}
		for _, part := range strings.Split(n, "/") {
			if part == ".." {
				return refuse(fmt.Sprintf("zip entry %q climbs out of the archive (\"..\"): refused", n))
			}
		}
		total += f.UncompressedSize64
		if f.FileInfo().IsDir() {
			continue
		}
		// Two entries with one name (as the zip package cleans it): which one a reader would
		// get is up to the archive's order, so neither is read.
		// Names that differ only in case count as one: they are one file on Windows and macOS,
		// and to an importer that ignores case.
		clean := path.Clean(n)
		folded := strings.ToLower(clean)
		if prev, dup := seen[folded]; dup {
			named := fmt.Sprintf("%q", clean)
			if prev != clean {
				named = fmt.Sprintf("%q and %q", clean, prev)
			}
			return refuse(fmt.Sprintf("zip has two entries named %s: refused, as either could be read; make the zip again from the folder", named))
		}
		seen[folded] = clean
		if strings.HasPrefix(path.Base(n), ".") || strings.HasPrefix(n, "__MACOSX/") {
			continue
		}
		if i := strings.IndexByte(n, '/'); i >= 0 {
			tops[n[:i]] = true
		} else {
			rootFiles++
		}
	}
	if total > uint64(size)*MaxZipRatio+zipSlack {
		return refuse(fmt.Sprintf("zip would expand to %d bytes from %d: refused as a likely zip bomb", total, size))
	}
	if rootFiles == 0 && len(tops) == 1 {
		var top string
		for t := range tops {
			top = t
		}
		sub, err := fs.Sub(zr, top)
		if err == nil {
			rep.Report(roster.Problem{Severity: roster.Warning, Code: roster.CodeMissingFile, File: name,
				Message: fmt.Sprintf("the files sit in the folder %q inside the zip; a roster package has them at the root of the archive (read from the folder)", top)})
			return sub, true
		}
	}
	return zr, true
}
