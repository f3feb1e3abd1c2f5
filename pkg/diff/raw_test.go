package diff

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/formats/oneroster"
	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/rostergen"
)

// entitiesOnly hides a sink's raw-row ability, keeping its others: the reader sends it
// entities, as before rows could be taken raw.
type entitiesOnly struct{ roster.Sink }

func (s entitiesOnly) Wants(k roster.Kind) bool   { return s.Sink.(roster.Selective).Wants(k) }
func (s entitiesOnly) SkipN(k roster.Kind, n int) { s.Sink.(roster.Selective).SkipN(k, n) }
func (s entitiesOnly) BorrowsStrings() bool       { return roster.Borrows(s.Sink) }
func (s entitiesOnly) SetMode(k roster.Kind, m Mode) {
	s.Sink.(ModeSetter).SetMode(k, m)
}

// rawCounter counts the rows a sink takes raw.
type rawCounter struct {
	roster.Sink
	rows *int
}

func (s rawCounter) Wants(k roster.Kind) bool      { return s.Sink.(roster.Selective).Wants(k) }
func (s rawCounter) SkipN(k roster.Kind, n int)    { s.Sink.(roster.Selective).SkipN(k, n) }
func (s rawCounter) BorrowsStrings() bool          { return roster.Borrows(s.Sink) }
func (s rawCounter) SetMode(k roster.Kind, m Mode) { s.Sink.(ModeSetter).SetMode(k, m) }
func (s rawCounter) RawRows(kind roster.Kind, col func(string) int, header []string, meta []int) func([]string) error {
	fn := s.Sink.(interface {
		RawRows(roster.Kind, func(string) int, []string, []int) func([]string) error
	}).RawRows(kind, col, header, meta)
	if fn == nil {
		return nil
	}
	return func(rec []string) error {
		*s.rows++
		return fn(rec)
	}
}

// readOneRoster returns a Source reading the package in dir as the diff command does (ragged
// rows compared, rereads unchecked), its sink wrapped by wrap.
func readOneRoster(dir string, wrap func(roster.Sink) roster.Sink) Source {
	calls := 0
	return func(ctx context.Context, sink roster.Sink) error {
		calls++
		_, err := oneroster.New().Read(ctx, os.DirFS(dir), format.Options{Reread: calls > 1, Ragged: true}, wrap(sink), &roster.Problems{Max: 1})
		return err
	}
}

// editCSV rewrites a package file record by record: fn gets the header and each row (line 1
// onward) and may change them in place.
func editCSV(t *testing.T, path string, fn func(header, rec []string, line int) []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	for i, rec := range recs {
		if i > 0 {
			rec = fn(recs[0], rec, i)
		} else {
			rec = fn(nil, rec, 0)
		}
		if rec != nil {
			_ = w.Write(rec)
		}
	}
	w.Flush()
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func col(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	panic("no column " + name)
}

// awkward writes the OneRoster example with what the flattening evens out, night 2 changed
// besides: lists out of order, with spaces and repeats; metadata columns; blank primaries;
// tobedeleted rows; ragged rows; users without e-mail (keyed by sourcedId).
func awkward(t *testing.T, dir string, night int) {
	t.Helper()
	if err := os.CopyFS(dir, os.DirFS("../../examples/oneroster")); err != nil {
		t.Fatal(err)
	}
	editCSV(t, filepath.Join(dir, "users.csv"), func(h, rec []string, line int) []string {
		if h == nil {
			return append(rec, "metadata.house", "metadata.bus")
		}
		switch line % 7 {
		case 1:
			rec[col(h, "orgSourcedIds")] = " sch1 ,sch0"
		case 2:
			rec[col(h, "userIds")] = "{SIS:9},{LDAP:x}, {SIS:9}"
		case 3:
			rec[col(h, "email")] = ""
			rec[col(h, "identifier")] = ""
		case 4:
			rec[col(h, "grades")] = "10, 09"
		case 5:
			rec[col(h, "status")] = "tobedeleted"
		}
		house, bus := "", fmt.Sprint(line%3)
		if line%2 == 0 {
			house = "Blue"
		}
		if night == 2 && line%11 == 0 {
			bus = "9"
		}
		if night == 2 && line%13 == 0 {
			rec[col(h, "givenName")] += "x"
		}
		if night == 2 && line%17 == 0 {
			rec[col(h, "email")] = strings.ToUpper(rec[col(h, "email")])
		}
		if night == 2 && line == 30 {
			return nil
		}
		return append(rec, house, bus)
	})
	editCSV(t, filepath.Join(dir, "classes.csv"), func(h, rec []string, line int) []string {
		if h != nil && line%2 == night%2 {
			rec[col(h, "termSourcedIds")] = "sem2, sem1"
			rec[col(h, "periods")] = "3,1,3"
		}
		return rec
	})
	editCSV(t, filepath.Join(dir, "enrollments.csv"), func(h, rec []string, line int) []string {
		switch {
		case h == nil:
		case line%5 == 0:
			rec[col(h, "primary")] = ""
		case line%9 == 0 && night == 2:
			rec[col(h, "primary")] = "true"
		case line%23 == 0:
			rec = append(rec, "") // a trailing comma
		case line%29 == 0:
			rec = rec[:len(rec)-2] // short, its key first
		case line%31 == 0:
			rec[col(h, "sourcedId")] = "" // keyed by class and user
		case line%37 == 0 && night == 2:
			rec[col(h, "status")] = "tobedeleted"
		}
		return rec
	})
}

// Rows taken raw compare exactly as their entities do: the same tables (what snapshots keep),
// the same counts, changes, notes and schools, under every option that changes how fields and
// keys are made, on rostergen nights and on rows with everything the flattening evens out.
// And rows are taken raw: the reader builds no entity for them.
func TestRawRowsCompareAsEntities(t *testing.T) {
	ctx := context.Background()
	d := t.TempDir()
	pairs := map[string][2]string{}
	g1, g2 := filepath.Join(d, "g1"), filepath.Join(d, "g2")
	if _, err := rostergen.Generate(ctx, g1, rostergen.Options{Users: 1500, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if _, err := rostergen.Generate(ctx, g2, rostergen.Options{Users: 1500, Seed: 7, Night: 2, ChangePercent: 5}); err != nil {
		t.Fatal(err)
	}
	pairs["rostergen"] = [2]string{g1, g2}
	a1, a2 := filepath.Join(d, "a1"), filepath.Join(d, "a2")
	awkward(t, a1, 1)
	awkward(t, a2, 2)
	pairs["awkward"] = [2]string{a1, a2}
	pairs["awkward-old-new"] = [2]string{a2, a1}
	opts := map[string]Options{
		"default":     {Detail: true},
		"all-fields":  {Detail: true, AllFields: true, ShowSecrets: true},
		"email":       {Detail: true, UserKey: "email"},
		"identifier":  {Detail: true, UserKey: "identifier", OrgKey: "identifier"},
		"username":    {Detail: true, UserKey: "username", Roles: []string{"student"}},
		"fields":      {Detail: true, Fields: map[roster.Kind][]string{roster.UserKind: {"givenName", "orgSourcedIds", "metadata.bus"}, roster.EnrollmentKind: {"classSourcedId", "userSourcedId", "primary"}}},
		"users+enrol": {Detail: true, Entities: []roster.Kind{roster.UserKind, roster.EnrollmentKind}, Limit: 7},
	}
	plain := func(s roster.Sink) roster.Sink { return entitiesOnly{s} }
	for pname, p := range pairs {
		for oname, o := range opts {
			t.Run(pname+"/"+oname, func(t *testing.T) {
				want, err := Compare(ctx, readOneRoster(p[0], plain), readOneRoster(p[1], plain), o)
				if err != nil {
					t.Fatal(err)
				}
				if want.Identical() {
					t.Fatal("the inputs compare as identical: nothing tested")
				}
				var rows int
				counted := func(s roster.Sink) roster.Sink { return rawCounter{s, &rows} }
				got, err := Compare(ctx, readOneRoster(p[0], counted), readOneRoster(p[1], counted), o)
				if err != nil {
					t.Fatal(err)
				}
				if rows == 0 {
					t.Error("no row taken raw")
				}
				if !reflect.DeepEqual(got, want) {
					gs, ws := fmt.Sprintf("%+v", *got), fmt.Sprintf("%+v", *want)
					t.Errorf("raw rows compare otherwise:\n got  %.2000s\n want %.2000s", gs, ws)
				}
				for _, dir := range p {
					bw, err := NewBuilder(o)
					if err != nil {
						t.Fatal(err)
					}
					if err := readOneRoster(dir, plain)(ctx, bw); err != nil {
						t.Fatal(err)
					}
					bg, _ := NewBuilder(o)
					if err := readOneRoster(dir, func(s roster.Sink) roster.Sink { return s })(ctx, bg); err != nil {
						t.Fatal(err)
					}
					if tw, tg := bw.Table(), bg.Table(); !reflect.DeepEqual(tg, tw) {
						t.Errorf("%s: a Builder taking rows raw builds another table", filepath.Base(dir))
					}
				}
			})
		}
	}
}
