package oneroster

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/roster"
)

// dirDest writes a package's files into a folder.
type dirDest string

func (d dirDest) Create(name string) (io.WriteCloser, error) {
	return os.OpenFile(filepath.Join(string(d), name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
}

// quiet drops what a writer reports.
var quiet = roster.ReporterFunc(func(roster.Problem) {})

type discardDest struct{}

func (discardDest) Create(string) (io.WriteCloser, error) { return nopCloser{io.Discard}, nil }

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// benchRoster reads the bench package (benchDir) into a roster.
func benchRoster(b *testing.B, dir string) *roster.Roster {
	coll := &roster.Collector{}
	var probs roster.Problems
	if _, err := New().Read(context.Background(), os.DirFS(dir), format.Options{}, coll, &probs); err != nil {
		b.Fatal(err)
	}
	return &coll.Roster
}

// BenchmarkWriteVersion writes the same roster as 1.1 and as 1.2 (roles.csv besides users.csv):
// go test -run XXX -bench WriteVersion -benchmem ./formats/oneroster/
func BenchmarkWriteVersion(b *testing.B) {
	r := benchRoster(b, benchDir(b))
	for _, v := range Versions {
		b.Run(v, func(b *testing.B) {
			opts, err := WithVersion(format.Options{}, v)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := New().Write(context.Background(), discardDest{}, r, opts, quiet); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidateVersion validates the bench package as it is (1.1) and converted to 1.2,
// side by side: go test -run XXX -bench ValidateVersion ./formats/oneroster/
func BenchmarkValidateVersion(b *testing.B) {
	src := benchDir(b)
	r := benchRoster(b, src)
	dir12 := b.TempDir()
	opts12, err := WithVersion(format.Options{}, "1.2")
	if err != nil {
		b.Fatal(err)
	}
	if err := New().Write(context.Background(), dirDest(dir12), r, opts12, quiet); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, dir string }{{"1.1", src}, {"1.2", dir12}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(dirSize(c.dir))
			for b.Loop() {
				var probs roster.Problems
				if _, err := New().Read(context.Background(), os.DirFS(c.dir), format.Options{}, roster.Discard{}, &probs); err != nil {
					b.Fatal(err)
				}
				if probs.Errors > 0 {
					b.Fatalf("%d errors: %v", probs.Errors, probs.List()[0])
				}
			}
		})
	}
}

// dirSize is the size of the .csv files in dir.
func dirSize(dir string) int64 {
	var size int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && filepath.Ext(e.Name()) == ".csv" {
			size += fi.Size()
		}
	}
	return size
}

// BenchmarkValidateGradebook12 validates a 1.2 package with n results (over 1,000 line items of
// the example's classes), to see time and memory grow with the results, whose IDs are kept for
// resultScoreScales and resultLearningObjectiveIds: go test -run XXX -bench ValidateGradebook12
// -benchmem ./formats/oneroster/
func BenchmarkValidateGradebook12(b *testing.B) {
	for _, n := range []int{100_000, 400_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			m := gradebookPkg(b, nil)
			var li, res strings.Builder
			li.WriteString(strings.SplitAfter(string(m["lineItems.csv"].Data), "\n")[0])
			for i := range 1000 {
				fmt.Fprintf(&li, "li%d,,,Quiz %d,,2026-09-01,2026-09-08,cls0,cat1,sem1,0,100,sch0\n", i, i)
			}
			res.WriteString(strings.SplitAfter(string(m["results.csv"].Data), "\n")[0])
			for i := range n {
				fmt.Fprintf(&res, "res%d,,,li%d,stu%02d,fully graded,%d,2026-09-09,,,cls0,,,,\n", i, i%1000, i%37, i%101)
			}
			m["lineItems.csv"] = &fstest.MapFile{Data: []byte(li.String())}
			m["results.csv"] = &fstest.MapFile{Data: []byte(res.String())}
			m["lineItemScoreScales.csv"] = &fstest.MapFile{Data: []byte("sourcedId,status,dateLastModified,title,lineItemSourcedId,scoreScaleSourcedId\nliss1,,,,li1,ss1\n")}
			m["lineItemLearningObjectiveIds.csv"] = &fstest.MapFile{Data: []byte("sourcedId,status,dateLastModified,lineItemSourcedId,source,learningObjectiveId\nlilo2,,,li2,unknown,ELA.W.1\n")}
			dir := b.TempDir()
			for name, f := range m {
				if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o600); err != nil {
					b.Fatal(err)
				}
			}
			formattest.BenchValidate(b, New(), os.DirFS(dir), dirSize(dir))
		})
	}
}

// BenchmarkWrite12UserInManyOrgs writes the roles.csv of a user in 20,000 orgs (one row per
// org): time must grow with the orgs, not their square.
func BenchmarkWrite12UserInManyOrgs(b *testing.B) {
	const n = 20000
	r := &roster.Roster{}
	u := roster.User{SourcedID: "u1", EnabledUser: "true", Role: "teacher", Username: "a", GivenName: "A", FamilyName: "B"}
	for i := range n {
		id := "o" + strconv.Itoa(i)
		r.Orgs = append(r.Orgs, roster.Org{SourcedID: id, Name: id, Type: "school"})
		u.OrgIDs = append(u.OrgIDs, id)
	}
	r.Users = []roster.User{u}
	opts, err := WithVersion(format.Options{}, "1.2")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := New().Write(context.Background(), discardDest{}, r, opts, quiet); err != nil {
			b.Fatal(err)
		}
	}
}
