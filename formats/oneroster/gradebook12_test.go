package oneroster

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rostersync/rostersync/pkg/format"
	"github.com/rostersync/rostersync/pkg/roster"
)

// gradebookFiles12 is a spec-clean set of OneRoster 1.2 gradebook files over the example package.
var gradebookFiles12 = map[string]string{
	"categories.csv": "sourcedId,status,dateLastModified,title,weight\n" +
		"cat1,,,Homework,40\n" +
		"cat2,,,Tests,60.5\n",
	"lineItems.csv": "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,academicSessionSourcedId,resultValueMin,resultValueMax,schoolSourcedId\n" +
		"li1,,,Quiz 1,\"Fractions, part 1\",2026-09-01,2026-09-08,cls0,cat1,sem1,0,100,sch0\n" +
		"li2,,,Essay,,2026-09-01,2026-09-15,cls1,cat2,sem1,,,sch1\n",
	"results.csv": "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment,textScore,classSourcedId,inProgress,incomplete,late,missing\n" +
		"res1,,,li1,stu00,fully graded,95.5,2026-09-09,Good work,,cls0,false,false,false,false\n" +
		"res2,,,li2,stu01,not submitted,,2026-09-16,,,,,,,true\n",
	"scoreScales.csv": "sourcedId,status,dateLastModified,title,type,orgSourcedId,courseSourcedId,classSourcedId,scoreScaleValue\n" +
		"ss1,,,Letter grades,letter,sch0,crs0,cls0,\"{A:90},{B:80},{C:70}\"\n",
	"lineItemScoreScales.csv": "sourcedId,status,dateLastModified,title,lineItemSourcedId,scoreScaleSourcedId\n" +
		"liss1,,,,li1,ss1\n",
	"resultScoreScales.csv": "sourcedId,status,dateLastModified,title,resultSourcedId,scoreScaleSourcedId\n" +
		"rss1,,,,res1,ss1\n",
	"lineItemLearningObjectiveIds.csv": "sourcedId,status,dateLastModified,lineItemSourcedId,source,learningObjectiveId\n" +
		"lilo1,,,li1,case,urn:uuid:9f8c1a52-3f1e-4c2b-9d7a-1b2c3d4e5f60\n" +
		"lilo2,,,li2,unknown,ELA.W.1\n",
	"resultLearningObjectiveIds.csv": "sourcedId,status,dateLastModified,resultSourcedId,source,learningObjectiveId,score,textScore\n" +
		"rlo1,,,res1,case,urn:uuid:9F8C1A52-3F1E-4C2B-9D7A-1B2C3D4E5F60,3.5,Proficient\n",
	"userResources.csv": "sourcedId,status,dateLastModified,userSourcedId,orgSourcedId,classSourcedId,resourceSourcedId\n" +
		"ur1,,,stu00,sch0,cls0,res-a\n",
	"resources.csv": "sourcedId,status,dateLastModified,vendorResourceId,title,roles,importance,vendorId,applicationId\n" +
		"res-a,,,V-1,Reader,\"student,teacher\",primary,vendor1,\n",
}

// gradebookPkg is the example package as OneRoster 1.2 with the gradebook files, each file
// rewritten by its edit.
func gradebookPkg(t testing.TB, edits map[string]func(string) string) fstest.MapFS {
	t.Helper()
	m := pkgFS(t)
	for n, s := range gradebookFiles12 {
		m[n] = &fstest.MapFile{Data: []byte(s)}
	}
	to12(t, m) // the manifest marks the files present bulk
	for n, e := range edits {
		m[n] = &fstest.MapFile{Data: []byte(e(string(m[n].Data)))}
	}
	return m
}

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("no " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

func TestGradebook12Clean(t *testing.T) {
	info, probs := read(t, gradebookPkg(t, nil), format.Options{}, roster.Discard{})
	if info.Version != "1.2" {
		t.Fatalf("version %q", info.Version)
	}
	for _, p := range probs {
		t.Errorf("%s %s", key(p), p.Message)
	}
}

// Each defect of the 1.2 gradebook and resource files is one positioned problem whose message
// says what to write.
func TestGradebook12Rules(t *testing.T) {
	cases := []struct {
		name  string
		edits map[string]func(string) string
		want  string // key, then a part of the message
		n     int    // problems expected (0: 1), want the first
	}{
		{"lineItems 1.1 header", map[string]func(string) string{"lineItems.csv": replace("academicSessionSourcedId", "gradingPeriodSourcedId")},
			"lineItems.csv:1 error header [academicSessionSourcedId] missing column \"academicSessionSourcedId\"", 2},
		{"lineItem title blank", map[string]func(string) string{"lineItems.csv": replace("li2,,,Essay,", "li2,,,,")},
			"lineItems.csv:3 error missing-required [title] title is blank: it is required", 0},
		{"lineItem dueDate not a date", map[string]func(string) string{"lineItems.csv": replace("2026-09-15", "09/15/2026")},
			"lineItems.csv:3 error bad-date [dueDate] dueDate \"09/15/2026\" is not a date written YYYY-MM-DD", 0},
		{"lineItem class dangling", map[string]func(string) string{"lineItems.csv": replace(",cls1,", ",cls99,")},
			"lineItems.csv:3 error dangling-ref [classSourcedId] class \"cls99\" is not in classes.csv", 0},
		{"lineItem category dangling", map[string]func(string) string{"lineItems.csv": replace(",cat2,", ",cat9,")},
			"lineItems.csv:3 error dangling-ref [categorySourcedId] category \"cat9\" is not in categories.csv", 0},
		{"lineItem session dangling", map[string]func(string) string{"lineItems.csv": replace(",cat2,sem1,", ",cat2,sem9,")},
			"lineItems.csv:3 error dangling-ref [academicSessionSourcedId] academic session \"sem9\" is not in academicSessions.csv", 0},
		{"lineItem school is a district", map[string]func(string) string{"lineItems.csv": replace(",,,sch1\n", ",,,district1\n")},
			"lineItems.csv:3 error dangling-ref [schoolSourcedId] org \"district1\" is not a school", 0},
		{"lineItem min not a number", map[string]func(string) string{"lineItems.csv": replace(",0,100,", ",low,100,")},
			"lineItems.csv:2 error bad-enum [resultValueMin] resultValueMin \"low\" is not a number", 0},
		{"lineItem min above max", map[string]func(string) string{"lineItems.csv": replace(",0,100,", ",100,10,")},
			"lineItems.csv:2 error bad-enum [resultValueMin] resultValueMin 100 is above resultValueMax 10", 0},
		{"lineItem repeated", map[string]func(string) string{"lineItems.csv": func(s string) string { return s + "li1,,,Quiz 1 again,,2026-09-01,2026-09-08,cls0,cat1,sem1,,,sch0\n" }},
			"lineItems.csv:4 error duplicate-id [sourcedId] sourcedId \"li1\" is also on line 2", 0},
		{"score above its line item's max", map[string]func(string) string{"results.csv": replace(",95.5,", ",105,")},
			"results.csv:2 error bad-enum [score] score 105 is outside its line item's resultValueMin 0 and resultValueMax 100", 0},
		{"score below its line item's min", map[string]func(string) string{"results.csv": replace(",95.5,", ",-1,")},
			"results.csv:2 error bad-enum [score] score -1 is outside its line item's resultValueMin 0 and resultValueMax 100", 0},
		{"result class not its line item's", map[string]func(string) string{"results.csv": replace(",cls0,false", ",cls1,false")},
			"results.csv:2 error dangling-ref [classSourcedId] class \"cls1\" is not the class of line item \"li1\" (cls0)", 0},
		{"category weight", map[string]func(string) string{"categories.csv": replace(",40\n", ",forty\n")},
			"categories.csv:2 error bad-enum [weight] weight \"forty\" is not a number", 0},
		{"scoreStatus", map[string]func(string) string{"results.csv": replace("fully graded", "Fully Graded")},
			"results.csv:2 error bad-enum [scoreStatus] scoreStatus \"Fully Graded\" is not a OneRoster scoreStatus value (write \"fully graded\"", 0},
		{"result score", map[string]func(string) string{"results.csv": replace(",95.5,", ",A+,")},
			"results.csv:2 error bad-enum [score] score \"A+\" is not a number", 0},
		{"result scoreDate blank", map[string]func(string) string{"results.csv": replace(",2026-09-16,", ",,")},
			"results.csv:3 error missing-required [scoreDate] scoreDate is blank: it is required", 0},
		{"result late", map[string]func(string) string{"results.csv": replace(",,true\n", ",,yes\n")},
			"results.csv:3 error bad-boolean [missing] missing \"yes\" must be true or false", 0},
		{"result student dangling", map[string]func(string) string{"results.csv": replace(",stu01,", ",stu999,")},
			"results.csv:3 error dangling-ref [studentSourcedId] user \"stu999\" is not in users.csv", 0},
		{"result lineItem dangling", map[string]func(string) string{"results.csv": replace("res2,,,li2,", "res2,,,li7,")},
			"results.csv:3 error dangling-ref [lineItemSourcedId] line item \"li7\" is not in lineItems.csv", 0},
		{"result class dangling", map[string]func(string) string{"results.csv": replace(",cls0,false", ",cls42,false")},
			"results.csv:2 error dangling-ref [classSourcedId] class \"cls42\" is not in classes.csv", 0},
		{"scoreScale course dangling", map[string]func(string) string{"scoreScales.csv": replace(",crs0,", ",crs404,")},
			"scoreScales.csv:2 error dangling-ref [courseSourcedId] course \"crs404\" is not in courses.csv", 0},
		{"scoreScale type blank", map[string]func(string) string{"scoreScales.csv": replace(",letter,", ",,")},
			"scoreScales.csv:2 error missing-required [type] type is blank: it is required", 0},
		{"scoreScaleValue", map[string]func(string) string{"scoreScales.csv": replace("{B:80}", "B=80")},
			"scoreScales.csv:2 error bad-list [scoreScaleValue] scoreScaleValue item \"B=80\" is not written {lhs:rhs}", 0},
		{"lineItemScoreScale scale dangling", map[string]func(string) string{"lineItemScoreScales.csv": replace(",ss1\n", ",ss2\n")},
			"lineItemScoreScales.csv:2 error dangling-ref [scoreScaleSourcedId] score scale \"ss2\" is not in scoreScales.csv", 0},
		{"resultScoreScale result dangling", map[string]func(string) string{"resultScoreScales.csv": replace(",res1,", ",res3,")},
			"resultScoreScales.csv:2 error dangling-ref [resultSourcedId] result \"res3\" is not in results.csv", 0},
		{"learning objective source", map[string]func(string) string{"lineItemLearningObjectiveIds.csv": replace(",case,", ",CASE,")},
			"lineItemLearningObjectiveIds.csv:2 error bad-enum [source] source \"CASE\" is not a OneRoster source value (write \"case\"", 0},
		{"CASE id not a UUID URN", map[string]func(string) string{"resultLearningObjectiveIds.csv": replace("urn:uuid:9F8C1A52", "9F8C1A52")},
			"resultLearningObjectiveIds.csv:2 error bad-id [learningObjectiveId] learningObjectiveId \"9F8C1A52-3F1E-4C2B-9D7A-1B2C3D4E5F60\" is not a UUID URN", 0},
		{"lineItem LO dangling", map[string]func(string) string{"lineItemLearningObjectiveIds.csv": replace("lilo2,,,li2,", "lilo2,,,li3,")},
			"lineItemLearningObjectiveIds.csv:3 error dangling-ref [lineItemSourcedId] line item \"li3\" is not in lineItems.csv", 0},
		{"userResource resource dangling", map[string]func(string) string{"userResources.csv": replace(",res-a\n", ",res-b\n")},
			"userResources.csv:2 error dangling-ref [resourceSourcedId] resource \"res-b\" is not in resources.csv", 0},
		{"userResource user blank", map[string]func(string) string{"userResources.csv": replace("ur1,,,stu00,", "ur1,,,,")},
			"userResources.csv:2 error missing-required [userSourcedId] userSourcedId is blank: it is required", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, probs := read(t, gradebookPkg(t, c.edits), format.Options{}, roster.Discard{})
			var got []string
			for _, p := range probs {
				got = append(got, key(p)+" "+p.Message)
			}
			if len(got) != max(c.n, 1) || !strings.HasPrefix(got[0], c.want) {
				t.Errorf("problems:\n%s\nwant %d, the first:\n%s", strings.Join(got, "\n"), max(c.n, 1), c.want)
			}
		})
	}
}
