package sftpurl

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	me := localUser()
	tests := []struct {
		in         string
		user, host string
		port       int
		path       string
		dir        bool
		folder     string
		name       string
	}{
		{"sftp://h/Upload/", me, "h", 22, "/Upload/", true, "/Upload", ""},
		{"sftp://h/~/Upload/", me, "h", 22, "Upload/", true, "Upload", ""},
		{"sftp://h/~/Upload/users.csv", me, "h", 22, "Upload/users.csv", false, "Upload", "users.csv"},
		{"sftp://h", me, "h", 22, "/", true, "/", ""},
		{"sftp://h/", me, "h", 22, "/", true, "/", ""},
		{"sftp://h/~", me, "h", 22, ".", true, ".", ""},
		{"sftp://h/~/", me, "h", 22, ".", true, ".", ""},
		{"SFTP://Ann@Files.Example.COM:2222/in/roster.csv", "Ann", "files.example.com", 2222, "/in/roster.csv", false, "/in", "roster.csv"},
		{"sftp://a%40b@h:2222/My%20Files/x%23y.csv", "a@b", "h", 2222, "/My Files/x#y.csv", false, "/My Files", "x#y.csv"},
		{"sftp://u@[::1]:2200/x/", "u", "::1", 2200, "/x/", true, "/x", ""},
		{"sftp://u@[::1]/x", "u", "::1", 22, "/x", false, "/", "x"},
		{"sftp://u@h/%7E/x/", "u", "h", 22, "/~/x/", true, "/~/x", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			u, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("ParseURL: %v", err)
			}
			if u.User != tc.user || u.Host != tc.host || u.Port != tc.port || u.Path != tc.path {
				t.Errorf("got user=%q host=%q port=%d path=%q, want %q %q %d %q", u.User, u.Host, u.Port, u.Path, tc.user, tc.host, tc.port, tc.path)
			}
			if u.IsDir() != tc.dir || u.Dir() != tc.folder || u.Name() != tc.name {
				t.Errorf("IsDir=%v Dir=%q Name=%q, want %v %q %q", u.IsDir(), u.Dir(), u.Name(), tc.dir, tc.folder, tc.name)
			}
			// String reparses to the same location, and so does Key.
			for _, s := range []string{u.String(), u.Key()} {
				again, err := Parse(s)
				if err != nil {
					t.Fatalf("reparse %q: %v", s, err)
				}
				if *again != *u && !(s == u.Key() && again.Key() == u.Key()) {
					t.Errorf("reparse of %q = %+v, want %+v", s, *again, *u)
				}
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sftp://ann:s3cret@h/x", "password"},
		{"sftp://ann:@h/x", "password"},
		{"sftp://ann:s3/cret@h/x", "password"},
		{"sftp://ann:0/s3cret@h/x", "password"},
		{"sftp://ann:s3%zzcret/x@h/", "password"},
		{"sftp:///x", "no host"},
		{"sftp://h:0/x", "bad port"},
		{"sftp://h:99999/x", "bad port"},
		{"sftp://h:abc/x", "bad port"},
		{"sftp://::1/x", "brackets"},
		{"sftp://h/x?y", "percent-encoded"},
		{"sftp://h/a%zz", "percent-encoding"},
		{"sftp://h/a%00b", "NUL"},
		{"/local/path", "not an sftp"},
		{`C:\x`, "not an sftp"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Parse(tc.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3") || strings.Contains(err.Error(), "cret") {
				t.Errorf("error %q repeats the password", err)
			}
		})
	}
}

func TestIs(t *testing.T) {
	for in, want := range map[string]bool{
		"sftp://h/x": true, "SFTP://h": true, "sftp:/h": false, `C:\x`: false, "./outbox": false, "": false, "ftp://h/": false,
	} {
		if got := Is(in); got != want {
			t.Errorf("Is(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestURLKey(t *testing.T) {
	same := []string{"sftp://u@H:22/a/b/", "sftp://u@h/a/b/", "sftp://u@h/a//b/", "sftp://u@h/a/./b/"}
	want := "sftp://u@h:22/a/b/"
	for _, s := range same {
		u, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := u.Key(); got != want {
			t.Errorf("Key(%q) = %q, want %q", s, got, want)
		}
	}
	a, _ := Parse("sftp://u@h/a/b")
	b, _ := Parse("sftp://u@h/~/a/b")
	if a.Key() == b.Key() {
		t.Errorf("absolute and relative paths share the key %q", a.Key())
	}
}
