package clever

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rostersync/rostersync/pkg/csvio"
	"github.com/rostersync/rostersync/pkg/roster"
	"github.com/rostersync/rostersync/pkg/value"
)

// namedGrades are Clever's grades that are not numbers, with their CEDS codes (the model's).
var namedGrades = []struct{ clever, ceds string }{
	{"InfantToddler", "IT"}, {"Preschool", "PR"}, {"PreKindergarten", "PK"}, {"TransitionalKindergarten", "TK"},
	{"Kindergarten", "KG"}, {"PostGraduate", "PS"}, {"Ungraded", "UG"}, {"Other", "Other"},
}

// gradeName returns the Clever spelling of a grade matched without case ("kindergarten" →
// "Kindergarten"), or "" when v is not one. Numbers are 1 to 13 without a leading zero.
// students.csv takes no "Other" (only sections and schools do).
func gradeName(v string, other bool) string {
	if n, ok := gradeNumber(v); ok {
		return itoa(n)
	}
	for _, g := range namedGrades {
		if strings.EqualFold(v, g.clever) && (other || g.clever != "Other") {
			return g.clever
		}
	}
	return ""
}

func gradeNumber(v string) (int, bool) {
	if v == "" || len(v) > 2 || v[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		n = n*10 + int(v[i]-'0')
	}
	return n, n >= 1 && n <= 13
}

// toCEDS maps a Clever grade (valid) to the model's CEDS code: 1 → 01, Kindergarten → KG.
func toCEDS(v string) string {
	if n, ok := gradeNumber(v); ok {
		if n < 10 {
			return "0" + itoa(n)
		}
		return itoa(n)
	}
	for _, g := range namedGrades {
		if strings.EqualFold(v, g.clever) {
			return g.ceds
		}
	}
	return v
}

// fromCEDS maps a CEDS grade to Clever's spelling; "" when Clever has none.
func fromCEDS(v string) string {
	if len(v) == 2 && v[0] >= '0' && v[0] <= '9' && v[1] >= '0' && v[1] <= '9' {
		if n := int(v[0]-'0')*10 + int(v[1]-'0'); n >= 1 && n <= 13 {
			return itoa(n)
		}
		return ""
	}
	for _, g := range namedGrades {
		if v == g.ceds {
			return g.clever
		}
	}
	return ""
}

var subjects = []string{"English/language arts", "Math", "Science", "Social studies", "Language", "Homeroom/advisory",
	"Interventions/online learning", "Technology and engineering", "PE and health", "Arts and music", "other"}

var languages = strings.Fields("English Albanian Amharic Arabic Bengali Bosnian Burmese Cantonese Chinese Dutch Farsi French German Hebrew Hindi Hmong Ilocano Japanese Javanese Karen Khmer Korean Laotian Latvian Malay Mandarin Nepali Oromo Polish Portuguese Punjabi Romanian Russian Samoan Serbian Somali Spanish Swahili Tagalog Tamil Telugu Thai Tigrinya Turkish Ukrainian Urdu Vietnamese")

// oneOf returns the entry of list v is, matched without case; "" when none.
func oneOf(v string, list []string) string {
	for _, s := range list {
		if strings.EqualFold(v, s) {
			return s
		}
	}
	return ""
}

var races = []string{"A", "B", "I", "M", "P", "W"}

// raceFlag is one of Clever's race codes (races) and the OneRoster flag it stands for.
type raceFlag struct {
	code string
	flag *string
}

// raceFlags pairs each of Clever's race codes with d's flag for it (M is
// DemographicRaceTwoOrMoreRaces): the reader sets the flags from a code, the writer finds the
// code from the flags.
func raceFlags(d *roster.Demographics) [6]raceFlag {
	return [...]raceFlag{{"A", &d.Asian}, {"B", &d.BlackOrAfricanAmerican}, {"I", &d.AmericanIndianOrAlaskaNative},
		{"M", &d.DemographicRaceTwoOrMoreRaces}, {"P", &d.NativeHawaiianOrOtherPacificIslander}, {"W", &d.White}}
}

// validDate reports whether v is MM/DD/YYYY (M/D/YYYY too when lenient) naming a real day.
func validDate(v string, lenient bool) bool {
	m, d, y, ok := splitDate(v, lenient)
	return ok && realDay(m, d, y)
}

// realDay reports whether month m, day d of year y is a day of the calendar.
func realDay(m, d, y int) bool {
	days := [...]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if m < 1 || m > 12 || d < 1 || d > days[m-1] {
		return false
	}
	leap := y%4 == 0 && (y%100 != 0 || y%400 == 0)
	return m != 2 || d <= 28 || leap
}

func splitDate(v string, lenient bool) (m, d, y int, ok bool) {
	parts := strings.Split(v, "/")
	if len(parts) != 3 || len(parts[2]) != 4 {
		return 0, 0, 0, false
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || (!lenient || i == 2) && len(p) != []int{2, 2, 4}[i] || len(p) > 4 {
			return 0, 0, 0, false
		}
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return 0, 0, 0, false
			}
			n[i] = n[i]*10 + int(p[j]-'0')
		}
	}
	return n[0], n[1], n[2], true
}

// yearFirst matches a date written year first: 2012-03-14, 2012/3/14.
var yearFirst = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$`)

// dateMessage says in plain words what is wrong with v, a value of the date column name that
// validDate refused, with an example whose day cannot be taken for a month. A DOB's value is
// never shown: a birth date is personal data.
func dateMessage(name, v string) string {
	const example = "03/14/2012 is March 14, 2012"
	what := fmt.Sprintf("%s %q", name, v)
	if name == "DOB" {
		what = "DOB (value not shown: a birth date is personal data)"
	}
	const noSuchDate = "Clever reads dates month first, MM/DD/YYYY, so the month is 01 to 12 and the day one that month has"
	m, d, y, digits := splitDate(v, true)
	if ymd := yearFirst.FindStringSubmatch(v); ymd != nil {
		y, m, d := atoi(ymd[1]), atoi(ymd[2]), atoi(ymd[3])
		if !realDay(m, d, y) {
			// Rewritten month first it would still be refused: say so now, not on the next upload.
			return fmt.Sprintf("%s is written year first and is no such date: %s (%s)", what, noSuchDate, example)
		}
		return fmt.Sprintf("%s is written year first: Clever reads dates month first, MM/DD/YYYY (%s)", what, example)
	}
	switch {
	case digits && validDate(v, true):
		return fmt.Sprintf("%s is missing a leading zero: Clever reads dates as MM/DD/YYYY, two digits for the month and the day (%s); or give --clever-lenient-dates to accept M/D/YYYY", what, example)
	case digits && realDay(d, m, y):
		// Read day first it is a date: the export writes the day first.
		return fmt.Sprintf("%s is no such date: %s (%s); read day first it is one: an export that writes the day first must be set to month first", what, noSuchDate, example)
	case digits:
		return fmt.Sprintf("%s is no such date: %s (%s)", what, noSuchDate, example)
	}
	return fmt.Sprintf("%s is not a date written MM/DD/YYYY, month first, as Clever requires (%s)", what, example)
}

// toISO turns a valid MM/DD/YYYY date into the model's YYYY-MM-DD.
func toISO(v string) string {
	m, d, y, ok := splitDate(v, true)
	if !ok {
		return v
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// fromISO turns YYYY-MM-DD into MM/DD/YYYY; "" when v is not such a date.
func fromISO(v string) string {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return ""
	}
	out := v[5:7] + "/" + v[8:10] + "/" + v[:4]
	if !validDate(out, false) {
		return ""
	}
	return out
}

// digitsOnly reports whether v is ASCII digits only.
func digitsOnly(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return v != ""
}

// blank reports whether s is empty or only spaces.
func blank(s string) bool {
	if s != "" && s[0] > ' ' && s[0] < utf8.RuneSelf {
		return false
	}
	return strings.TrimSpace(s) == ""
}

// problem is a problem found in one value: its code, severity and message.
type problem struct {
	sev       roster.Severity
	code, msg string
}

// checkValue checks one non-blank value of column c; ok when it is fine.
func checkValue(c *column, v string, lenient bool) (problem, bool) {
	bad := func(code, msg string) (problem, bool) { return problem{roster.Error, code, msg}, false }
	switch c.kind {
	case kID:
		if r := csvio.Invisible(v); r != 0 {
			return bad(roster.CodeBadID, csvio.InvisibleMessage(c.name, r))
		}
		if value.ExcelDamaged(v) {
			return bad(roster.CodeExcelDamage, fmt.Sprintf("%s %q is a number in scientific notation: a spreadsheet rewrote the identifier; export it again with the column formatted as text", c.name, v))
		}
		if v != strings.TrimSpace(v) {
			return bad(roster.CodeBadID, fmt.Sprintf("%s %q has spaces around it: Clever compares IDs exactly, so it would not match the same ID in another file", c.name, v))
		}
	case kEmail:
		if why := value.EmailProblem(v); why != "" {
			return bad(roster.CodeBadEmail, fmt.Sprintf("%s %q %s: Clever expects an address like name@school.org", c.name, v, why))
		}
	case kDate:
		if !validDate(v, lenient) {
			return bad(roster.CodeBadDate, dateMessage(c.name, v))
		}
	case kGrade, kGradeRange:
		g := v
		if c.kind == kGradeRange {
			if lo, hi, ok := strings.Cut(v, "-"); ok && gradeName(hi, false) != "" {
				g = lo
			}
		}
		if gradeName(g, c.kind == kGradeRange) == "" {
			return bad(roster.CodeBadGrade, fmt.Sprintf("%s %q is not a Clever grade: 1 to 13 (no leading zero), InfantToddler, Preschool, PreKindergarten, TransitionalKindergarten, Kindergarten, PostGraduate or Ungraded", c.name, v))
		}
	case kGender:
		if v != "M" && v != "F" && v != "X" {
			return bad(roster.CodeBadEnum, fmt.Sprintf("Gender %q is not M, F or X (Clever's codes for male, female, non-binary)", v))
		}
	case kRace:
		if oneOf(v, races) == "" || v != strings.ToUpper(v) {
			return bad(roster.CodeBadEnum, fmt.Sprintf("Race %q is not one of Clever's codes A, B, I, M, P, W (M: multiracial)", v))
		}
	case kYN:
		if v != "Y" && v != "N" {
			return bad(roster.CodeBadEnum, fmt.Sprintf("%s %q is not Y or N", c.name, v))
		}
	case kFRL:
		if v != "F" && v != "R" && v != "N" {
			return bad(roster.CodeBadEnum, fmt.Sprintf("Frl_status %q is not F (free), R (reduced) or N (no discount)", v))
		}
	case kPhone:
		if !digitsOnly(v) || len(v) < 10 || len(v) > 11 {
			return bad(roster.CodeBadEnum, fmt.Sprintf("%s %q is not 10 or 11 digits without punctuation, as Clever requires", c.name, v))
		}
	case kZip:
		if !digitsOnly(v) || len(v) != 5 && len(v) != 9 {
			return bad(roster.CodeBadEnum, fmt.Sprintf("%s %q is not 5 or 9 digits without punctuation, as Clever requires", c.name, v))
		}
	case kState:
		if len(v) != 2 || v != strings.ToUpper(v) || !unicode.IsLetter(rune(v[0])) || !unicode.IsLetter(rune(v[1])) {
			return bad(roster.CodeBadEnum, fmt.Sprintf("%s %q is not a two-letter state abbreviation (CA, NY)", c.name, v))
		}
	case kSubject:
		if oneOf(v, subjects) == "" {
			return bad(roster.CodeBadEnum, fmt.Sprintf("Subject %q is not one of Clever's subjects: %s", v, strings.Join(subjects, ", ")))
		}
	case kLanguage:
		if oneOf(v, languages) == "" {
			return bad(roster.CodeBadEnum, fmt.Sprintf("Home_language %q is not one of the languages Clever lists (English, Spanish, Vietnamese …)", v))
		}
	case kStaffRole:
		if oneOf(v, []string{"School Tech Lead", "SchoolTechLead", "STL"}) == "" {
			return bad(roster.CodeBadEnum, fmt.Sprintf("Role %q is not School Tech Lead (or SchoolTechLead, STL), the only staff role Clever supports", v))
		}
	case kPhoneType:
		if oneOf(v, []string{"Cell", "Home", "Work", "Other"}) == "" {
			return bad(roster.CodeBadEnum, fmt.Sprintf("Contact_phone_type %q is not Cell, Home, Work or Other", v))
		}
	}
	return problem{}, true
}

// plural returns "1 user" or "3 users".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// atoi is the value of s, ASCII digits only (yearFirst matched them).
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
