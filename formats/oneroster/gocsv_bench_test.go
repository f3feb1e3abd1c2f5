//go:build unix

package oneroster

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gocarina/gocsv"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/roster"
)

// benchUser is a OneRoster 1.1 users.csv row, its columns matched by name.
type benchUser struct {
	SourcedID        string `csv:"sourcedId"`
	Status           string `csv:"status"`
	DateLastModified string `csv:"dateLastModified"`
	EnabledUser      string `csv:"enabledUser"`
	OrgSourcedIDs    string `csv:"orgSourcedIds"`
	Role             string `csv:"role"`
	Username         string `csv:"username"`
	UserIDs          string `csv:"userIds"`
	GivenName        string `csv:"givenName"`
	FamilyName       string `csv:"familyName"`
	MiddleName       string `csv:"middleName"`
	Identifier       string `csv:"identifier"`
	Email            string `csv:"email"`
	SMS              string `csv:"sms"`
	Phone            string `csv:"phone"`
	AgentSourcedIDs  string `csv:"agentSourcedIds"`
	Grades           string `csv:"grades"`
	Password         string `csv:"password"`
}

const benchUsersHeader = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU seconds per read to the benchmark's output, on every core and the
// garbage collector's included: on a shared, loaded machine a steadier figure than the time.
func reportCPU(b *testing.B) func() {
	start := cpuTime(b)
	return func() {
		b.ReportMetric((cpuTime(b)-start).Seconds()/float64(b.N), "cpu-s/op")
	}
}

// benchUsersFile writes a users.csv of $ROSTERSYNC_BENCH_USERS rows (1,000,000 by default).
func benchUsersFile(b *testing.B) (string, int) {
	b.Helper()
	n := 1_000_000
	if s := os.Getenv("ROSTERSYNC_BENCH_USERS"); s != "" {
		if _, err := fmt.Sscan(s, &n); err != nil {
			b.Fatal(err)
		}
	}
	p := filepath.Join(b.TempDir(), "users.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, benchUsersHeader)
	for i := range n {
		fmt.Fprintf(w, "u%07d,,,true,org%d,student,user%d,{SIS:%d},Given%d,\"Family, %d\",,%d,user%d@school.example.org,,,,%02d,\n",
			i, i%40, i, i, i%997, i%1009, 100000+i, i, i%12+1)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p, n
}

// BenchmarkGocsvUsers decodes a 1M-row users.csv into structs with gocsv (streaming, through an
// encoding/csv reader of our own): the header-name mapping gocsv is good at, but by reflection
// and with no line numbers. Compare: go test -run XXX -bench 'GocsvUsers|CsvioUsers' -benchmem ./formats/oneroster/
func BenchmarkGocsvUsers(b *testing.B) {
	benchUsersRead(b, func(f *os.File, n int) {
		cr := csv.NewReader(bufio.NewReaderSize(f, 256<<10))
		rows := 0
		err := gocsv.UnmarshalDecoderToCallback(gocsv.NewSimpleDecoderFromCSVReader(cr), func(u benchUser) {
			if u.SourcedID != "" {
				rows++
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		if rows != n {
			b.Fatalf("%d rows, want %d", rows, n)
		}
	})
}

// benchUsersRead times read of the users file (benchUsersFile: n rows), opened for it and
// closed after in each iteration, with the file's size as the bytes of an iteration and the
// CPU time reported.
func benchUsersRead(b *testing.B, read func(f *os.File, n int)) {
	path, n := benchUsersFile(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	defer reportCPU(b)()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		read(f, n)
		f.Close()
	}
}

// BenchmarkCsvioUsers decodes the same file into the same structs with pkg/csvio's hot path
// (csvio.Each, as validate, convert and diff read: parsing on a second goroutine, the strings
// borrowed from the read block for the callback's time): columns by name through the header,
// each row with its line, UTF-8 and syntax checked.
func BenchmarkCsvioUsers(b *testing.B) { benchCsvio(b, true) }

// BenchmarkCsvioUsersNext is BenchmarkCsvioUsers on one goroutine (Reader.Next, each row's
// strings copied), like for like with gocsv's one goroutine.
func BenchmarkCsvioUsersNext(b *testing.B) { benchCsvio(b, false) }

func benchCsvio(b *testing.B, each bool) {
	benchUsersRead(b, func(f *os.File, n int) {
		var probs roster.Problems
		rd, err := csvio.NewReader(f, "users.csv", csvio.Options{}, &probs)
		if err != nil {
			b.Fatal(err)
		}
		// Each struct field's column, found once by name.
		var ix [18]int
		for i, name := range strings.Split(benchUsersHeader, ",") {
			ix[i] = slices.Index(rd.Header(), name)
		}
		at := func(rec []string, field int) string {
			if i := ix[field]; i >= 0 && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		rows, last := 0, 0
		decode := func(rec []string, line int) error {
			u := benchUser{
				SourcedID: at(rec, 0), Status: at(rec, 1), DateLastModified: at(rec, 2), EnabledUser: at(rec, 3),
				OrgSourcedIDs: at(rec, 4), Role: at(rec, 5), Username: at(rec, 6), UserIDs: at(rec, 7),
				GivenName: at(rec, 8), FamilyName: at(rec, 9), MiddleName: at(rec, 10), Identifier: at(rec, 11),
				Email: at(rec, 12), SMS: at(rec, 13), Phone: at(rec, 14), AgentSourcedIDs: at(rec, 15),
				Grades: at(rec, 16), Password: at(rec, 17),
			}
			if u.SourcedID != "" {
				rows++
			}
			last = line
			return nil
		}
		if each {
			err = csvio.Each(context.Background(), rd, decode)
		} else {
			for {
				rec, line, rerr := rd.Next()
				if rerr == io.EOF {
					break
				}
				if rerr != nil {
					err = rerr
					break
				}
				decode(rec, line) //nolint:errcheck // never fails
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		if rows != n || probs.Errors > 0 || last != n+1 {
			b.Fatalf("%d rows, last on line %d, %d errors; want %d rows", rows, last, probs.Errors, n)
		}
	})
}
