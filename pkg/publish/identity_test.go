package publish

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rostersync/rostersync/pkg/transport"
)

func TestLocalIdentity(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	os.Mkdir(real, 0o700) //nolint:errcheck
	if err := os.Symlink(real, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(real)
	for _, p := range []string{real, filepath.Join(dir, "link"), filepath.Join(dir, "link", "."), filepath.Join(dir, "real", "..", "link")} {
		if got, err := LocalIdentity(p); err != nil || got != want {
			t.Errorf("LocalIdentity(%s) = %q, %v; want %q", p, got, err, want)
		}
	}
	// A folder not made yet, under a link: the link is resolved, the rest kept.
	if got, _ := LocalIdentity(filepath.Join(dir, "link", "new", "outbox")); got != filepath.Join(want, "new", "outbox") {
		t.Errorf("a folder to be made: %q", got)
	}
}

func TestSFTPIdentity(t *testing.T) {
	parse := func(s string) *transport.URL {
		u, err := transport.ParseURL(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	a := SFTPIdentity(parse("sftp://district@SFTP.Example.org.:22/~/Upload/"), "/home/district/Upload")
	b := SFTPIdentity(parse("sftp://district@sftp.example.org/home/district/Upload/"), "/home/district/Upload/")
	if a != b || a != "sftp://district@sftp.example.org:22/home/district/Upload/" {
		t.Errorf("identities %q and %q, want one", a, b)
	}
	if c := SFTPIdentity(parse("sftp://other@sftp.example.org/home/district/Upload/"), "/home/district/Upload"); c == a {
		t.Error("another user is another destination")
	}
	if CanonicalHost("0:0:0:0:0:0:0:1") != "::1" {
		t.Errorf("IPv6 address not in its shortest form: %s", CanonicalHost("0:0:0:0:0:0:0:1"))
	}
}
