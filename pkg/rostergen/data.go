package rostergen

import "strings"

// gradeCodes are the CEDS grade levels rostergen uses, in order; a grade is an index into it.
var gradeCodes = [...]string{"KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"}

// highSchoolGrades is the grade list of a course that spans the high-school grades.
const highSchoolGrades = "09,10,11,12"

// givenNames and familyNames are unique within their list (a changed given name must differ
// from the old one). Some are UTF-8, one has an apostrophe and one a comma (a quoted field).
var givenNames = [...]string{
	"Aaliyah", "Aiden", "Amelia", "Andre", "Aria", "Benjamin", "Björn", "Brianna", "Caleb", "Camila",
	"Carlos", "Chloé", "Daniel", "Diego", "Elena", "Elijah", "Emily", "Ethan", "Fatima", "Gabriel",
	"Grace", "Hannah", "Hiroshi", "Isaac", "Isabella", "Jacob", "Jada", "James", "Jasmine", "José",
	"Julia", "Kai", "Layla", "Liam", "Lucas", "Luna", "Malik", "Maria", "Mason", "Maya",
	"Mei", "Mia", "Mohammed", "Nadia", "Ngọc", "Noah", "Nora", "Olivia", "Omar", "Priya",
	"Rafael", "Riley", "Rohan", "Samuel", "Sofía", "Tariq", "Valentina", "William", "Yusuf", "Zoë",
}

var familyNames = [...]string{
	"Adams", "Ahmed", "Alvarez", "Anderson", "Baker", "Brown", "Chen", "Clark", "Cruz", "Davis",
	"Díaz", "Evans", "Flores", "García", "Garcia-Lopez", "Gomez", "Green", "Hall", "Harris", "Hernández",
	"Hill", "Jackson", "Johnson", "Kim", "King", "Lee", "Lewis", "Lopez", "Martin", "Martinez",
	"McDonald", "Miller", "Moore", "Müller", "Nguyễn", "O'Brien", "Okafor", "Patel", "Peña", "Ramirez",
	"Reyes", "Rivera", "Robinson", "Rodriguez", "Sanchez", "Scott", "Singh", "Smith", "Smith, Jr.", "Taylor",
	"Thomas", "Torres", "Trần", "Walker", "White", "Williams", "Wilson", "Yamamoto", "Young", "Zhang",
}

// emailGiven and emailFamily are the names reduced to lowercase ASCII letters for usernames
// and email addresses ("Nguyễn" gives "nguyen", "Smith, Jr." gives "smithjr").
var emailGiven, emailFamily = emailParts(givenNames[:]), emailParts(familyNames[:])

// asciiFold maps the accented letters of the name lists to their base letters.
var asciiFold = strings.NewReplacer("á", "a", "é", "e", "ë", "e", "í", "i", "ñ", "n", "ó", "o", "ö", "o",
	"ọ", "o", "ü", "u", "ễ", "e", "ầ", "a")

func emailParts(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		var b strings.Builder
		for _, c := range []byte(asciiFold.Replace(strings.ToLower(n))) {
			if c >= 'a' && c <= 'z' {
				b.WriteByte(c)
			}
		}
		out[i] = b.String()
	}
	return out
}

// subject is a course subject: its name and a short code for course codes.
type subject struct{ name, code string }

var subjects = [...]subject{
	{"Mathematics", "MATH"},
	{"English Language Arts", "ELA"},
	{"Science", "SCI"},
	{"Social Studies", "SOC"},
	{"Physical Education", "PE"},
	{"Art", "ART"},
	{"Music", "MUS"},
	{"World Languages", "WL"},
	{"Computer Science", "CS"},
	{"Health", "HLTH"},
}

var schoolNames = [...]string{
	"Lincoln", "Washington", "Jefferson", "Roosevelt", "Franklin", "Kennedy", "Madison", "Hamilton",
	"Riverside", "Oak Grove", "Hillcrest", "Lakeview", "Maple", "Cedar Ridge", "Sunset", "Valley View",
}

var cities = [...]string{
	"Springfield", "Riverside", "Fairview", "Georgetown", "Salem", "Madison", "Clinton", "Franklin",
	"Greenville", "Bristol", "Oakland", "Austin", "Denver", "Portland", "Phoenix", "Columbus",
}

var states = [...]string{"CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "WA", "AZ", "CO", "OR", "MA", "NJ"}

var countries = [...]string{"MX", "CA", "IN", "CN", "PH", "VN", "SV", "KR", "DO", "GT"}

const passwordChars = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
