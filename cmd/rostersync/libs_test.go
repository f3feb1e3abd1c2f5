package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Each third-party library is imported where the design puts it, and nowhere else (tests
// aside): the importing files of the repository, read from source.
func TestLibrariesStayInTheirPackage(t *testing.T) {
	rules := []struct {
		lib     string // import path prefix
		allowed func(file string) bool
		where   string
	}{
		{"github.com/spf13/viper", func(f string) bool { return path.Dir(f) == "pkg/config" }, "pkg/config"},
		{"github.com/olekukonko/tablewriter", func(f string) bool { return path.Base(f) == "output.go" }, "the output code (output.go)"},
		{"github.com/gocarina/gocsv", func(f string) bool { return strings.HasPrefix(f, "formats/") }, "the format packages"},
		{"github.com/xuri/excelize", func(f string) bool { return strings.HasPrefix(f, "formats/") }, "the format packages"},
		{"github.com/pkg/sftp", inTransport, "pkg/transport"},
		{"golang.org/x/crypto/ssh", inTransport, "pkg/transport"},
		{"github.com/skeema/knownhosts", inTransport, "pkg/transport"},
	}
	used := map[string]bool{}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			for _, r := range rules {
				if ip != r.lib && !strings.HasPrefix(ip, r.lib+"/") {
					continue
				}
				used[r.lib] = true
				if !r.allowed(rel) {
					t.Errorf("%s imports %s, which belongs in %s only", rel, ip, r.where)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if !used[r.lib] {
			t.Errorf("%s is imported nowhere: drop it from go.mod, or drop the rule", r.lib)
		}
	}
	if t.Failed() {
		return
	}
	libs := make([]string, 0, len(used))
	for l := range used {
		libs = append(libs, l)
	}
	slices.Sort(libs)
	t.Log("checked:", strings.Join(libs, ", "))
}

func inTransport(f string) bool { return strings.HasPrefix(f, "pkg/transport/") }
