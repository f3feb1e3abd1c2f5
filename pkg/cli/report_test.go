package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestReportFile: --report writes the file through a temporary one, mode 0600, for validate and
// diff, whatever the exit code; a report that cannot be written is exit 3 with nothing left.
func TestReportFile(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := t.TempDir()
	v := filepath.Join(dir, "validate.html")
	if code, _, errOut := runCLI(t, nil, false, "validate", "--report", v, "../testdata/several-defects"); code != ExitFindings {
		t.Fatalf("validate: exit %d, want 1\n%s", code, errOut)
	}
	d := filepath.Join(dir, "diff.html")
	changed := editedPackage(t, map[string]string{"stu02,": ""})
	if code, _, errOut := runCLI(t, nil, false, "diff", "--report", d, filepath.Join(examples, "oneroster"), changed); code != ExitFindings {
		t.Fatalf("diff: exit %d, want 1\n%s", code, errOut)
	}
	for _, p := range []string{v, d} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", p, fi.Mode().Perm())
		}
		b, _ := os.ReadFile(p)
		if !strings.HasPrefix(string(b), "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(string(b)), "</html>") {
			t.Errorf("%s is not a whole HTML document", p)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("the folder holds %d entries, want the 2 reports (a temporary file left?)", len(ents))
	}
	missing := filepath.Join(dir, "no-such-folder", "r.html")
	code, _, errOut := runCLI(t, nil, false, "validate", "--report", missing, filepath.Join(examples, "oneroster"))
	if code != ExitLocal || !strings.Contains(errOut, "write the report") {
		t.Errorf("a report in a missing folder: exit %d, want 3\n%s", code, errOut)
	}
}

// TestReportTableKeepsLimit: with --report the table still lists the first 50 changes, while
// the report counts every changed field.
func TestReportTableKeepsLimit(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	edits := map[string]string{}
	for i := range 40 {
		id := fmt.Sprintf("stu%02d", i)
		edits[id+","] = ""
	}
	changed := editedPackage(t, edits)
	enr := filepath.Join(changed, "enrollments.csv") // every enrollment removed: over 50 changes
	b, err := os.ReadFile(enr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(enr, []byte(strings.SplitAfter(string(b), "\n")[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	r := filepath.Join(t.TempDir(), "r.html")
	_, with, _ := runCLI(t, nil, false, "-o", "table", "diff", "--report", r, filepath.Join(examples, "oneroster"), changed)
	_, without, _ := runCLI(t, nil, false, "-o", "table", "diff", filepath.Join(examples, "oneroster"), changed)
	if with != without {
		t.Errorf("the table differs with --report:\n%s\nwithout:\n%s", with, without)
	}
	if !strings.Contains(with, "not listed (--limit") {
		t.Errorf("the table lists every change: %s", with)
	}
}

// browser returns the path of a Chromium to run, skipping the test when there is none unless
// ROSTERSYNC_TEST_BROWSER=1.
func browser(t *testing.T) string {
	t.Helper()
	if p := browserPath(); p != "" {
		return p
	}
	if os.Getenv("ROSTERSYNC_TEST_BROWSER") == "1" {
		t.Fatal("no chromium on PATH (ROSTERSYNC_TEST_BROWSER=1)")
	}
	t.Skip("no chromium on PATH (set ROSTERSYNC_TEST_BROWSER=1 to fail instead)")
	return ""
}

// browserPath is the path of a Chromium on PATH, or "".
func browserPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// shown is what a report shows, read in the browser.
type shown struct {
	Severity map[string]int            `json:"severity"`
	Codes    map[string]int            `json:"codes"`
	Kinds    map[string]map[string]int `json:"kinds"`
	Schools  map[string]map[string]int `json:"schools"`
	Pwned    bool                      `json:"pwned"`
	PerFile  [3]int                    `json:"perFile"` // errors, warnings, infos summed over the files
}

const readCounts = `(() => {
  const num = e => Number(e.textContent.replace(/,/g, ""));
  const out = {severity: {}, codes: {}, kinds: {}, schools: {}, pwned: !!window.pwned, perFile: [0, 0, 0]};
  document.querySelectorAll("section.input tr[data-file]").forEach(r => {
    const td = r.querySelectorAll("td"); for (let i = 0; i < 3; i++) out.perFile[i] += num(td[2 + i]);
  });
  document.querySelectorAll("section.input .card [data-count]").forEach(e => { out.severity[e.dataset.count] = num(e); });
  document.querySelectorAll("section.input td[data-code]").forEach(e => { out.codes[e.dataset.code] = num(e); });
  const by = (sel, key, into) => document.querySelectorAll(sel).forEach(r => {
    const m = {}; r.querySelectorAll("[data-count]").forEach(e => { m[e.dataset.count] = num(e); }); into[r.dataset[key]] = m;
  });
  by("tr[data-kind]", "kind", out.kinds);
  by(".school[data-org]", "org", out.schools);
  return out;
})()`

// open loads a report in a headless Chromium and returns what it shows, failing on any console
// error, exception or blocked load.
func open(t *testing.T, ctx context.Context, path string) shown {
	t.Helper()
	ctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	// Every console message from the load on, read as they come.
	messages := chromedp.Console(ctx)
	var msgs []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				msgs = append(msgs, m.String())
			}
		}
	}()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[shown](readCounts))
	if err != nil {
		t.Fatal(err)
	}
	// The filter: choosing a code shows its rows only, and the count of rows shown says so.
	filter, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`(() => {
	  const sec = document.querySelector("section.input"); if (!sec || !sec.querySelector(".f-code")) return [];
	  const sel = sec.querySelector(".f-code"); const code = sel.options[1].value; sel.value = code;
	  sel.dispatchEvent(new Event("change"));
	  const rows = [...sec.querySelectorAll("tr.p")];
	  return [rows.length, rows.filter(r => !r.hidden).length, rows.filter(r => r.dataset.code === code).length,
	    rows.filter(r => !r.hidden && r.dataset.code !== code).length, Number(sec.querySelector(".shown").textContent)];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(filter) > 0 {
		total, visible, ofCode, others, says := filter[0], filter[1], filter[2], filter[3], filter[4]
		if visible != ofCode || others != 0 || says != visible || visible == total {
			t.Errorf("the code filter: %d rows, %d shown, %d of the code, %d others shown, says %d", total, visible, ofCode, others, says)
		}
	}
	time.Sleep(300 * time.Millisecond) // for late messages
	cancel()
	<-done
	for _, m := range msgs {
		t.Errorf("%s: console: %s", filepath.Base(path), m)
	}
	return got
}

// TestReportInBrowser renders validate's and diff's reports in a real headless Chromium: they
// load with no console error, a hostile value in the data runs nothing, and the counts shown
// equal the JSON's.
func TestReportInBrowser(t *testing.T) {
	exe := browser(t)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancel()
	ctx, cancel := context.WithTimeout(actx, 90*time.Second)
	defer cancel()
	dir := t.TempDir()

	hostile := `<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>`
	stu01 := userLine(t, "stu01")
	changed := editedPackage(t, map[string]string{
		"stu01,": strings.NewReplacer(",Diego,", ","+strings.ReplaceAll(hostile, `"`, `""`)+",", ",sch1,", ",sch2,", ",LxjrTLeVYi\n", ",NewSecret9\n").Replace(stu01),
		"stu02,": "",
		"stu05,": "stu05,,,TRUE,sch1,student,x,,A,B,,9,not-an-email,,,,9,pw\n",
	})
	// The CSV cell is quoted since it holds quotes.
	b, _ := os.ReadFile(filepath.Join(changed, "users.csv"))
	b = []byte(strings.Replace(string(b), ","+strings.ReplaceAll(hostile, `"`, `""`)+",", `,"`+strings.ReplaceAll(hostile, `"`, `""`)+`",`, 1))
	if err := os.WriteFile(filepath.Join(changed, "users.csv"), b, 0o600); err != nil {
		t.Fatal(err)
	}

	// validate: the counts per severity and per code.
	for _, input := range []string{"../testdata/several-defects", changed} {
		r := filepath.Join(dir, filepath.Base(input)+".html")
		_, out, errOut := runCLI(t, nil, false, "validate", "-o", "json", "--report", r, input)
		var res ValidateResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("validate -o json: %v\n%s%s", err, out, errOut)
		}
		got := open(t, ctx, r)
		if got.Pwned {
			t.Error("a value of the input ran as script")
		}
		want := map[string]int{"errors": res.Summary.Errors, "warnings": res.Summary.Warnings, "infos": res.Summary.Infos}
		if fmt.Sprint(got.Severity) != fmt.Sprint(want) {
			t.Errorf("%s: severities shown %v, JSON %v", input, got.Severity, want)
		}
		if got.PerFile != [3]int{res.Summary.Errors, res.Summary.Warnings, res.Summary.Infos} {
			t.Errorf("%s: per file the report shows %v errors, warnings and infos, JSON %v", input, got.PerFile, want)
		}
		if fmt.Sprint(got.Codes) != fmt.Sprint(res.Summary.ByCode) || len(got.Codes) == 0 {
			t.Errorf("%s: codes shown %v, JSON by_code %v", input, got.Codes, res.Summary.ByCode)
		}
	}

	// diff: the counts per kind and per school.
	r := filepath.Join(dir, "diff.html")
	_, out, _ := runCLI(t, nil, false, "diff", "-o", "json", "--show-secrets", "--report", r, filepath.Join(examples, "oneroster"), changed)
	rep := decodeReport(t, out)
	got := open(t, ctx, r)
	if got.Pwned {
		t.Error("a value of the input ran as script")
	}
	for k, c := range rep.Summary {
		w := map[string]int{"added": c.Added, "removed": c.Removed, "changed": c.Changed, "unchanged": c.Unchanged}
		if fmt.Sprint(got.Kinds[string(k)]) != fmt.Sprint(w) {
			t.Errorf("%s shown %v, JSON %v", k, got.Kinds[string(k)], w)
		}
	}
	if len(got.Kinds) != len(rep.Summary) {
		t.Errorf("%d kinds shown, JSON %d", len(got.Kinds), len(rep.Summary))
	}
	if len(rep.Schools) == 0 || len(got.Schools) != len(rep.Schools) {
		t.Errorf("%d schools shown, JSON %d", len(got.Schools), len(rep.Schools))
	}
	for _, s := range rep.Schools {
		w := map[string]int{"added": s.Added, "removed": s.Removed, "changed": s.Changed}
		if fmt.Sprint(got.Schools[s.Org]) != fmt.Sprint(w) {
			t.Errorf("school %s shown %v, JSON %v", s.Org, got.Schools[s.Org], w)
		}
	}
	if !strings.Contains(out, "NewSecret9") {
		t.Fatalf("diff --show-secrets -o json does not show the changed password:\n%s", out)
	}
	html, _ := os.ReadFile(r)
	for _, pw := range []string{"NewSecret9", "LxjrTLeVYi"} {
		if strings.Contains(string(html), pw) {
			t.Errorf("the report shows the password %s (--show-secrets is for stdout only)", pw)
		}
	}
}

// TestPushReport: a profile's report: writes the run's report at its path and beside the run
// record: what was checked, the outcome and the run, for a push and for a run the guard holds.
func TestPushReport(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	out := filepath.Join(dir, "outbox")
	path := filepath.Join(dir, "reports", "push.html")
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "rostersync.yaml")
	if err := os.WriteFile(cfg, []byte("profiles:\n  nightly:\n    destination: "+out+"\n    state_dir: "+stateDir+"\n    report: reports/push.html\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": dir}
	roster := filepath.Join(examples, "capti", "roster.csv")
	runs := func() []string {
		var dirs []string
		filepath.WalkDir(stateDir, func(p string, d os.DirEntry, err error) error { //nolint:errcheck
			if err == nil && d.Name() == "run.json" {
				dirs = append(dirs, filepath.Dir(p))
			}
			return nil
		})
		return dirs
	}
	check := func(what, result string) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("%s: no report at the profile's path: %v", what, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: report mode %v, want 0600", what, fi.Mode().Perm())
		}
		b, _ := os.ReadFile(path)
		if !strings.Contains(string(b), `data-result="`+result+`"`) || !strings.Contains(string(b), `<section class="input"`) {
			t.Errorf("%s: the report does not say %s, or shows no input checked", what, result)
		}
		rs := runs()
		last := rs[len(rs)-1]
		beside, err := os.ReadFile(filepath.Join(last, "report.html"))
		if err != nil {
			t.Errorf("%s: no report beside the run record %s: %v", what, last, err)
		} else if string(beside) != string(b) {
			t.Errorf("%s: the report beside the run record differs from the profile's", what)
		}
		if run := filepath.Base(last); !strings.Contains(string(b), run) {
			t.Errorf("%s: the report does not name the run %s", what, run)
		}
	}
	code, _, errOut := run(t, env, "--config", cfg, "--profile", "nightly", "push", roster)
	if code != 0 {
		t.Fatalf("push: exit %d\n%s", code, errOut)
	}
	check("push", "pushed")

	b, _ := os.ReadFile(roster)
	small := filepath.Join(dir, "roster.csv")
	if err := os.WriteFile(small, []byte(strings.Join(strings.SplitAfter(string(b), "\n")[:3], "")), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, env, "--config", cfg, "--profile", "nightly", "push", small)
	if code != ExitFindings {
		t.Fatalf("push of a shrunk roster: exit %d, want 1\n%s", code, errOut)
	}
	check("held", "held")

	// sync: the job's report, the input checked is the converted file.
	src, err := filepath.Abs(filepath.Join(examples, "oneroster"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("profiles:\n  nightly:\n    source: "+src+
		"\n    to: capti\n    destination: "+filepath.Join(dir, "outbox2")+"\n    state_dir: "+stateDir+"\n    report: reports/push.html\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, env, "--config", cfg, "sync", "nightly")
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s", code, errOut)
	}
	check("sync", "pushed")

	// In a browser, where there is one: it loads with no console error.
	if exe := browserPath(); exe != "" {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU)
		actx, cancel := chromedp.NewExecAllocator(t.Context(), opts...)
		defer cancel()
		ctx, cancel := context.WithTimeout(actx, 60*time.Second)
		defer cancel()
		got := open(t, ctx, path)
		if len(got.Severity) != 3 {
			t.Errorf("the sync report shows the counts %v", got.Severity)
		}
	}
}

// TestSyncReportOfARefusedSource: a sync job whose source has errors writes its report: too
// when it converts (to:), where the source is refused before anything is converted: 0600, the
// run refused, the source's problems counted by code.
func TestSyncReportOfARefusedSource(t *testing.T) {
	src, err := filepath.Abs(filepath.Join(examples, "invalid", "capti", "bad-email-no-at"))
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"", "oneroster", "clever"} {
		t.Run("to "+to, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "reports", "sync.html")
			if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(dir, "rostersync.yaml")
			conv := ""
			if to != "" {
				conv = "\n    to: " + to
			}
			if err := os.WriteFile(cfg, []byte("profiles:\n  nightly:\n    source: "+src+conv+"\n    destination: "+filepath.Join(dir, "outbox")+
				"\n    state_dir: "+filepath.Join(dir, "state")+"\n    report: reports/sync.html\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, errOut := run(t, map[string]string{"HOME": dir}, "--config", cfg, "sync", "nightly")
			if code != ExitFindings {
				t.Fatalf("sync of a source with errors: exit %d, want 1\n%s", code, errOut)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("no report of the refused run: %v\n%s", err, errOut)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("report mode %v, want 0600", fi.Mode().Perm())
			}
			b, _ := os.ReadFile(path)
			for _, want := range []string{`data-result="refused"`, `<section class="input"`, "bad-email"} {
				if !strings.Contains(string(b), want) {
					t.Errorf("the report lacks %s", want)
				}
			}
			if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
				t.Errorf("the report folder holds %d entries (a temporary file left?)", len(ents))
			}
		})
	}
}
