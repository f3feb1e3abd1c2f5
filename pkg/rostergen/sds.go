package rostergen

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
)

// FormatSDS is Microsoft School Data Sync v2.1 CSV: the same roster as the OneRoster package
// of the same Options, file by file.
const FormatSDS = "sds"

// SDSFiles lists the files of a generated SDS v2.1 set.
var SDSFiles = []string{"orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv", "roles.csv",
	"enrollments.csv", "demographics.csv", "userFlags.csv", "relationships.csv"}

// generateSDS writes the OneRoster package of o into a temporary folder in dir and converts it
// to SDS v2.1 one row at a time: every SDS row comes from one OneRoster row (roles.csv and
// relationships.csv from users.csv's orgSourcedIds and agentSourcedIds), so memory does not
// grow with Users either. Usernames without a domain take the user's e-mail, as the sds writer
// does; aides are SDS teacherAssistants; guardians are contacts (users.csv and
// relationships.csv, no roles.csv row).
func generateSDS(ctx context.Context, dir string, o Options) (Summary, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Summary{}, err
	}
	tmp, err := os.MkdirTemp(dir, ".oneroster-")
	if err != nil {
		return Summary{}, err
	}
	defer os.RemoveAll(tmp)
	o.Format = FormatOneRoster
	sum, err := Generate(ctx, tmp, o)
	if err != nil {
		return sum, err
	}
	conv := func(in string, outs []string, headers [][]string, row func(get func(string) string, write []func(...string) error) error) error {
		if in != "" {
			in = filepath.Join(tmp, in)
		}
		return sdsConvert(ctx, in, dir, outs, headers, row)
	}
	steps := []error{
		conv("orgs.csv", []string{"orgs.csv"}, [][]string{{"sourcedId", "name", "type", "parentSourcedId"}},
			func(get func(string) string, w []func(...string) error) error {
				return w[0](get("sourcedId"), get("name"), get("type"), get("parentSourcedId"))
			}),
		conv("academicSessions.csv", []string{"academicSessions.csv"}, [][]string{{"sourcedId", "title", "type", "schoolYear", "startDate", "endDate"}},
			func(get func(string) string, w []func(...string) error) error {
				return w[0](get("sourcedId"), get("title"), get("type"), get("schoolYear"), get("startDate"), get("endDate"))
			}),
		conv("courses.csv", []string{"courses.csv"}, [][]string{{"sourcedId", "orgSourcedId", "title", "code", "schoolYearSourcedId", "subject", "grade"}},
			func(get func(string) string, w []func(...string) error) error {
				return w[0](get("sourcedId"), get("orgSourcedId"), get("title"), get("courseCode"), get("schoolYearSourcedId"), firstItem(get("subjectCodes")), firstItem(get("grades")))
			}),
		conv("classes.csv", []string{"classes.csv"}, [][]string{{"sourcedId", "orgSourcedId", "title", "sessionSourcedIds", "courseSourcedId"}},
			func(get func(string) string, w []func(...string) error) error {
				return w[0](get("sourcedId"), get("schoolSourcedId"), get("title"), get("termSourcedIds"), get("courseSourcedId"))
			}),
		conv("users.csv", []string{"users.csv", "roles.csv", "relationships.csv"}, [][]string{
			{"sourcedId", "username", "givenName", "familyName", "password", "activeDirectoryMatchId", "email", "phone", "sms"},
			{"userSourcedId", "orgSourcedId", "role", "sessionSourcedId", "grade", "isPrimary", "roleStartDate", "roleEndDate"},
			{"userSourcedId", "relationshipUserSourcedId", "relationshipRole"}},
			func(get func(string) string, w []func(...string) error) error {
				id, un, email := get("sourcedId"), get("username"), get("email")
				if !strings.Contains(un, "@") && email != "" {
					un = email
				}
				if err := w[0](id, un, get("givenName"), get("familyName"), get("password"), "", email, get("phone"), get("sms")); err != nil {
					return err
				}
				role := get("role")
				if role != "guardian" && role != "parent" && role != "relative" {
					if role == "aide" {
						role = "teacherAssistant"
					}
					for i, org := range strings.Split(get("orgSourcedIds"), ",") {
						if err := w[1](id, org, role, "", firstItem(get("grades")), fmt.Sprint(i == 0), "", ""); err != nil {
							return err
						}
					}
				}
				if a := get("agentSourcedIds"); a != "" {
					for _, agent := range strings.Split(a, ",") {
						// rostergen's agents are always the student's guardians.
						if err := w[2](id, agent, "guardian"); err != nil {
							return err
						}
					}
				}
				return nil
			}),
		conv("enrollments.csv", []string{"enrollments.csv"}, [][]string{{"classSourcedId", "userSourcedId", "role"}},
			func(get func(string) string, w []func(...string) error) error {
				role := get("role")
				if role == "aide" {
					role = "teacherAssistant"
				}
				return w[0](get("classSourcedId"), get("userSourcedId"), role)
			}),
		conv("demographics.csv", []string{"demographics.csv"}, [][]string{{"userSourcedId", "sex", "birthDate", "birthCity", "birthState", "birthCountry", "ethnicityCodes", "raceCodes"}},
			func(get func(string) string, w []func(...string) error) error {
				var races []string
				for _, r := range []string{"americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces"} {
					if get(r) == "true" {
						races = append(races, r)
					}
				}
				eth := ""
				if get("hispanicOrLatinoEthnicity") == "true" {
					eth = "hispanicOrLatinoEthnicity"
				}
				return w[0](get("sourcedId"), get("sex"), get("birthDate"), get("cityOfBirth"), get("stateOfBirthAbbreviation"), get("countryOfBirthCode"), eth, strings.Join(races, ","))
			}),
		conv("", []string{"userFlags.csv"}, [][]string{{"userSourcedId", "flag"}}, nil),
	}
	for _, err := range steps {
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func firstItem(list string) string {
	first, _, _ := strings.Cut(list, ",")
	return first
}

// sdsConvert reads the OneRoster file in (none when "") row by row and writes outs (0600, under
// a temporary name, then renamed) with headers, row making each input row's output rows. An
// absent input file (demographics.csv when no student is left) gives header-only outputs.
func sdsConvert(ctx context.Context, in, dir string, outs []string, headers [][]string, row func(get func(string) string, write []func(...string) error) error) error {
	type out struct {
		f    *os.File
		bw   *bufio.Writer
		cw   *csv.Writer
		path string
	}
	files := make([]*out, len(outs))
	defer func() {
		for _, o := range files {
			if o != nil && o.f != nil {
				o.f.Close()
				os.Remove(o.path + ".tmp")
			}
		}
	}()
	writes := make([]func(...string) error, len(outs))
	for i, n := range outs {
		o := &out{path: filepath.Join(dir, n)}
		f, err := os.OpenFile(o.path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		o.f, o.bw = f, bufio.NewWriterSize(f, 1<<20)
		o.cw = csv.NewWriter(o.bw)
		o.cw.UseCRLF = true // as Microsoft's samples
		if err := o.cw.Write(headers[i]); err != nil {
			return err
		}
		files[i] = o
		writes[i] = func(rec ...string) error { return o.cw.Write(rec) }
	}
	if in != "" {
		if err := sdsRows(ctx, in, row, writes); err != nil {
			return fmt.Errorf("convert %s: %w", filepath.Base(in), err)
		}
	}
	for i, o := range files {
		o.cw.Flush()
		err := o.cw.Error()
		if err == nil {
			err = o.bw.Flush()
		}
		if cerr := o.f.Close(); err == nil {
			err = cerr
		}
		o.f = nil
		if err == nil {
			err = os.Rename(o.path+".tmp", o.path)
		}
		if err != nil {
			os.Remove(o.path + ".tmp")
			return fmt.Errorf("write %s: %w", outs[i], err)
		}
	}
	return nil
}

func sdsRows(ctx context.Context, in string, row func(get func(string) string, write []func(...string) error) error, writes []func(...string) error) error {
	f, err := os.Open(in)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return err
	}
	header = slices.Clone(header)
	var rec []string
	get := func(name string) string {
		if i := slices.Index(header, name); i >= 0 && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err = cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := row(get, writes); err != nil {
			return err
		}
	}
}
