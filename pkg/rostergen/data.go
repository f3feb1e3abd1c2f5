package rostergen

import "strings"

// gradeCodes are the CEDS grade levels rostergen uses, in order; a grade is an index into it.
var gradeCodes = [...]string{"KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"}

// highSchoolGrades is the grade list of a course that spans the high-school grades.
const highSchoolGrades = "09,10,11,12"

// givenNames and familyNames are ASCII and unique within their list (a changed given name
// must differ from the old one).
var givenNames = [...]string{
	"Aaliyah", "Aiden", "Amelia", "Andre", "Aria", "Benjamin", "Brianna", "Caleb", "Camila", "Carlos",
	"Chloe", "Daniel", "Diego", "Elena", "Elijah", "Emily", "Ethan", "Fatima", "Gabriel", "Grace",
	"Hannah", "Hiroshi", "Isaac", "Isabella", "Jacob", "Jada", "James", "Jasmine", "Jayden", "Julia",
	"Kai", "Layla", "Leah", "Liam", "Lucas", "Luna", "Malik", "Maria", "Mason", "Maya",
	"Mei", "Mia", "Mohammed", "Nadia", "Noah", "Nora", "Olivia", "Omar", "Priya", "Rafael",
	"Riley", "Rohan", "Samuel", "Sofia", "Tariq", "Valentina", "William", "Xavier", "Yusuf", "Zoe",
}

var familyNames = [...]string{
	"Adams", "Ahmed", "Alvarez", "Anderson", "Baker", "Brown", "Chen", "Clark", "Cruz", "Davis",
	"Diaz", "Evans", "Flores", "Garcia", "Garcia-Lopez", "Gomez", "Green", "Hall", "Harris", "Hernandez",
	"Hill", "Jackson", "Johnson", "Kim", "King", "Lee", "Lewis", "Lopez", "Martin", "Martinez",
	"McDonald", "Miller", "Moore", "Nguyen", "O'Brien", "Okafor", "Patel", "Perez", "Ramirez", "Reyes",
	"Rivera", "Robinson", "Rodriguez", "Sanchez", "Scott", "Singh", "Smith", "Taylor", "Thomas", "Thompson",
	"Torres", "Tran", "Walker", "White", "Williams", "Wilson", "Wright", "Yamamoto", "Young", "Zhang",
}

// emailGiven and emailFamily are the names reduced to lowercase ASCII letters for usernames
// and email addresses.
var emailGiven, emailFamily = emailParts(givenNames[:]), emailParts(familyNames[:])

func emailParts(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		var b strings.Builder
		for _, c := range []byte(strings.ToLower(n)) {
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
