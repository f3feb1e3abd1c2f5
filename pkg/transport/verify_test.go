package transport_test

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rostersync/rostersync/pkg/transport"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestPublishReportsSHA256: Publish returns, per file, the size and SHA-256 of the bytes it
// sent, and says the server's copy was read back and hashed the same.
func TestPublishReportsSHA256(t *testing.T) {
	sftpTargets(t, func(t *testing.T, tg sftpTarget) {
		writeFile(t, tg.path("Upload/old.csv"), []byte("x"))
		c := dial(t, tg.cfg)
		data := randomBytes(t, 3<<20+5)
		local := localRoster(t, data)
		sent, err := c.Publish(t.Context(), tg.cfg.URL.Dir(), []transport.File{{Name: "roster.csv", Path: local, SHA256: sum(data)}}, nil)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		want := []transport.Sent{{Name: "roster.csv", Bytes: int64(len(data)), SHA256: sum(data), Verified: transport.VerifiedSHA256}}
		if !slices.Equal(sent, want) {
			t.Errorf("Publish = %+v, want %+v", sent, want)
		}
		assertContent(t, tg.path("Upload/roster.csv"), data)
	})
}

// TestPublishRefusesOtherBytes: a file whose bytes are not those the caller checked (File.SHA256:
// it changed between validation and upload) is not published, on SFTP or locally.
func TestPublishRefusesOtherBytes(t *testing.T) {
	old := []byte("old\n")
	data := randomBytes(t, 1<<20)
	local := localRoster(t, data)
	checked := sum(append([]byte(nil), data[:len(data)-1]...))
	files := []transport.File{{Name: "roster.csv", Path: local, SHA256: checked}}
	sftpTargets(t, func(t *testing.T, tg sftpTarget) {
		writeFile(t, tg.path("Upload/roster.csv"), old)
		c := dial(t, tg.cfg)
		if _, err := c.Publish(t.Context(), tg.cfg.URL.Dir(), files, nil); err == nil || !strings.Contains(err.Error(), "SHA-256") {
			t.Fatalf("Publish: %v, want a refusal naming the SHA-256", err)
		}
		assertContent(t, tg.path("Upload/roster.csv"), old)
		if got := names(t, tg.path("Upload")); !slices.Equal(got, []string{"roster.csv"}) {
			t.Errorf("the server holds %v", got)
		}
	})
	dest := t.TempDir()
	writeFile(t, filepath.Join(dest, "roster.csv"), old)
	if _, err := transport.LocalPublish(t.Context(), dest, files, nil); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("LocalPublish: %v, want a refusal naming the SHA-256", err)
	}
	assertContent(t, filepath.Join(dest, "roster.csv"), old)
	if got := names(t, dest); !slices.Equal(got, []string{"roster.csv"}) {
		t.Errorf("dest holds %v", got)
	}
}

// TestPublishDetectsCorruption: a byte changed on its way to the server (the size still right)
// is found by reading the temporary file back; it is never renamed onto the final name, and a
// retry on a fresh connection sends it right. With the SHA-256 of the checked bytes given, it
// is reported as the server's copy (not as the local file changing).
func TestPublishDetectsCorruption(t *testing.T) {
	for _, tt := range []struct {
		name    string
		checked bool   // the File carries the SHA-256 of the bytes checked
		says    string // the refusal without retries
	}{
		{"unchecked", false, "SHA-256"},
		{"checked bytes", true, "on the server does not hold the bytes sent"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			backends(t, func(t *testing.T, opts ...sftptest.Option) {
				srv := sftptest.New(t, opts...)
				writeFile(t, srv.Path("roster.csv"), []byte("old\n"))
				cfg := config(t, srv, "")
				cfg.Retries = -1
				srv.CorruptOnce() // the next session: the one dial opens
				c := dial(t, cfg)
				data := randomBytes(t, 4<<20) // at least ten write requests of the largest size (255 KiB)
				local := localRoster(t, data)
				files := []transport.File{{Name: "roster.csv", Path: local}}
				if tt.checked {
					files[0].SHA256 = sum(data)
				}
				_, err := c.Publish(t.Context(), srv.Root(), files, nil)
				if err == nil || !strings.Contains(err.Error(), tt.says) {
					t.Fatalf("Publish through a corrupting link: %v, want %q", err, tt.says)
				}
				assertContent(t, srv.Path("roster.csv"), []byte("old\n"))
				if got := names(t, srv.Root()); !slices.Equal(got, []string{"roster.csv"}) {
					t.Errorf("the server holds %v", got)
				}
				// With retries, the next attempt (a fresh session, not corrupted) succeeds.
				cfg.Retries = 1
				srv.CorruptOnce()
				sent, err := dial(t, cfg).Publish(t.Context(), srv.Root(), files, nil)
				if err != nil || len(sent) != 1 || sent[0].SHA256 != sum(data) || sent[0].Verified != transport.VerifiedSHA256 {
					t.Fatalf("Publish with a retry: %+v, %v", sent, err)
				}
				assertContent(t, srv.Path("roster.csv"), data)
			})
		})
	}
}

// TestLocalPublishReportsSHA256: the local destination reports the same.
func TestLocalPublishReportsSHA256(t *testing.T) {
	data := randomBytes(t, 1<<20+3)
	local := localRoster(t, data)
	sent, err := transport.LocalPublish(t.Context(), t.TempDir(), []transport.File{{Name: "roster.csv", Path: local}}, nil)
	want := []transport.Sent{{Name: "roster.csv", Bytes: int64(len(data)), SHA256: sum(data), Verified: transport.VerifiedSHA256}}
	if err != nil || !slices.Equal(sent, want) {
		t.Fatalf("LocalPublish = %+v, %v; want %+v", sent, err, want)
	}
}

// TestPublishMissingFolderNotRetried: "no such file" from the server is its answer, which a new
// connection would not change: one connection, no retries.
func TestPublishMissingFolderNotRetried(t *testing.T) {
	srv := sftptest.New(t)
	cfg := config(t, srv, "missing/")
	cfg.Retries = 3
	c := dial(t, cfg)
	local := localRoster(t, []byte("x\n"))
	if _, err := c.Publish(t.Context(), srv.Path("missing"), []transport.File{{Name: "roster.csv", Path: local}}, nil); err == nil {
		t.Fatal("Publish into a missing folder succeeded")
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections, want 1: a missing folder is not retried", n)
	}
}

// TestPublishWriteOnlyDropBox: a server that refuses reading files back (a write-only drop box)
// still gets the file, checked by size only, with one warning.
func TestPublishWriteOnlyDropBox(t *testing.T) {
	if sftptest.SFTPServerBinary() == "" {
		t.Skip("OpenSSH sftp-server is not installed")
	}
	srv := sftptest.New(t, sftptest.DenyRequests("read"))
	var l logs
	cfg := config(t, srv, "")
	cfg.Logf = l.logf
	c := dial(t, cfg)
	data := randomBytes(t, 5<<20)
	local := localRoster(t, data)
	sent, err := c.Publish(t.Context(), srv.Root(), []transport.File{{Name: "roster.csv", Path: local}}, nil)
	want := []transport.Sent{{Name: "roster.csv", Bytes: int64(len(data)), SHA256: sum(data), Verified: transport.VerifiedSize}}
	if err != nil || !slices.Equal(sent, want) {
		t.Fatalf("Publish = %+v, %v; want %+v", sent, err, want)
	}
	assertContent(t, srv.Path("roster.csv"), data)
	if !strings.Contains(l.String(), "only its size was checked") {
		t.Errorf("no warning: %q", l.String())
	}
	// With the SHA-256 checked given, the bytes sent are hashed as they are read instead.
	sent, err = c.Publish(t.Context(), srv.Root(), []transport.File{{Name: "roster.csv", Path: local, SHA256: sum(data)}}, nil)
	if err != nil || !slices.Equal(sent, want) {
		t.Fatalf("Publish with the SHA-256 = %+v, %v; want %+v", sent, err, want)
	}
	other := randomBytes(t, 5<<20)
	_, err = c.Publish(t.Context(), srv.Root(), []transport.File{{Name: "roster.csv", Path: local, SHA256: sum(other)}}, nil)
	if err == nil || !strings.Contains(err.Error(), "changed after it was checked") {
		t.Fatalf("Publish of other bytes than checked: %v", err)
	}
	assertContent(t, srv.Path("roster.csv"), data)
}
