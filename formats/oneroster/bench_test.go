package oneroster

import (
	"bufio"
	"encoding/csv"
	"io"
	"os"
	"testing"

	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// benchDir is a package to validate: $ROSTERSYNC_BENCH_DIR (for example a 1M-user rostergen
// package: go run ./cmd/rostergen --users 1000000 --out /tmp/night1), or a 100k-user one
// generated for the run.
func benchDir(b *testing.B) string { return formattest.BenchDir(b, "ROSTERSYNC_BENCH_DIR") }

func BenchmarkValidate(b *testing.B) {
	dir := benchDir(b)
	formattest.BenchValidate(b, New(), os.DirFS(dir), packageSize(dir))
}

// BenchmarkEncodingCSV is SPEC §6's baseline for BenchmarkValidate: encoding/csv (ReuseRecord)
// reading the same files and nothing else. Run both side by side and compare the ratio:
// go test -run XXX -bench 'Validate|EncodingCSV' ./formats/oneroster/
func BenchmarkEncodingCSV(b *testing.B) {
	dir := benchDir(b)
	b.SetBytes(packageSize(dir))
	for b.Loop() {
		rows := 0
		for _, n := range rostergen.Files {
			f, err := os.Open(dir + "/" + n)
			if err != nil {
				continue
			}
			cr := csv.NewReader(bufio.NewReaderSize(f, 256<<10))
			cr.ReuseRecord = true
			cr.FieldsPerRecord = -1
			for {
				_, err := cr.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				rows++
			}
			f.Close()
		}
		if rows == 0 {
			b.Fatal("no rows read")
		}
	}
}

// packageSize is the size of the package files in dir, for MB/s.
func packageSize(dir string) int64 {
	var size int64
	for _, n := range rostergen.Files {
		if fi, err := os.Stat(dir + "/" + n); err == nil {
			size += fi.Size()
		}
	}
	return size
}
