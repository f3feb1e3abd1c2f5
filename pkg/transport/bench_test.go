package transport_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rostersync/rostersync/pkg/transport"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// benchSize is the file the SFTP benchmarks send: 64 MB, or ROSTERSYNC_BENCH_SFTP_MB.
func benchSize(b *testing.B) int {
	if v := os.Getenv("ROSTERSYNC_BENCH_SFTP_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("ROSTERSYNC_BENCH_SFTP_MB=%q: want a number of MB", v)
		}
		return n << 20
	}
	return 64 << 20
}

func benchFile(b *testing.B) (string, int) {
	b.Helper()
	n := benchSize(b)
	p := filepath.Join(b.TempDir(), "roster.csv")
	if err := os.WriteFile(p, randomBytes(b, n), 0o600); err != nil {
		b.Fatal(err)
	}
	return p, n
}

func benchPublish(b *testing.B, cfg transport.Config, dir string, check func() int64) {
	local, size := benchFile(b)
	c, err := transport.Dial(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	files := []transport.File{{Name: "roster.csv", Path: local}}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Publish(b.Context(), dir, files, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := check(); n != int64(size) {
		b.Fatalf("the server holds %d bytes, want %d", n, size)
	}
}

func sizeOf(p string) func() int64 {
	return func() int64 {
		fi, err := os.Stat(p)
		if err != nil {
			return -1
		}
		return fi.Size()
	}
}

// BenchmarkPublish publishes a 64 MB file to the in-process test server (OpenSSH's
// sftp-server behind x/crypto's SSH server when installed).
func BenchmarkPublish(b *testing.B) {
	srv := sftptest.New(b)
	u, err := transport.ParseURL(srv.URL(""))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("backend %s", srv.Backend())
	cfg := transport.Config{URL: u, KnownHosts: srv.KnownHostsPath(), IdentityFiles: []string{srv.ClientKeyPath()}}
	benchPublish(b, cfg, srv.Root(), sizeOf(srv.Path("roster.csv")))
}

// BenchmarkPublishSSHD publishes a 64 MB file to a real sshd on loopback (everything Publish
// does: 0600, upload, fsync, size check, read-back SHA-256, rename); compare with
// BenchmarkOpenSSHPut, or run BenchmarkPublishVsOpenSSH for the two side by side.
func BenchmarkPublishSSHD(b *testing.B) {
	d := sftptest.NewSSHD(b)
	u, err := transport.ParseURL(d.URL(""))
	if err != nil {
		b.Fatal(err)
	}
	cfg := transport.Config{URL: u, KnownHosts: d.KnownHostsPath, IdentityFiles: []string{d.ClientKeyPath}}
	benchPublish(b, cfg, d.Root, sizeOf(d.Path("roster.csv")))
}

// openSSHPut returns a function running OpenSSH's sftp client to put local on d (a new
// connection each time, as a nightly job would), with its default settings.
func openSSHPut(b *testing.B, d *sftptest.SSHD, local string) func() {
	sftpBin, err := exec.LookPath("sftp")
	if err != nil {
		b.Skip("OpenSSH sftp client is not installed")
	}
	batch := filepath.Join(b.TempDir(), "batch")
	if err := os.WriteFile(batch, fmt.Appendf(nil, "put %s %s\n", local, d.Path("put.csv")), 0o600); err != nil {
		b.Fatal(err)
	}
	args := []string{"-q", "-b", batch, "-i", d.ClientKeyPath, "-P", fmt.Sprint(d.Port),
		"-o", "UserKnownHostsFile=" + d.KnownHostsPath, "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null", d.User + "@127.0.0.1"}
	return func() {
		if out, err := exec.Command(sftpBin, args...).CombinedOutput(); err != nil {
			b.Fatalf("sftp: %v\n%s", err, out)
		}
	}
}

// BenchmarkOpenSSHPut is the reference: `sftp -b` putting the same 64 MB file to a real sshd
// on loopback, with OpenSSH's default settings.
func BenchmarkOpenSSHPut(b *testing.B) {
	d := sftptest.NewSSHD(b)
	local, size := benchFile(b)
	put := openSSHPut(b, d, local)
	b.SetBytes(int64(size))
	for b.Loop() {
		put()
	}
	b.StopTimer()
	if n := sizeOf(d.Path("put.csv"))(); n != int64(size) {
		b.Fatalf("the server holds %d bytes, want %d", n, size)
	}
}

// BenchmarkPublishVsOpenSSH alternates, in each iteration, one rostersync publish (a fresh
// connection: Dial, then Publish with its read-back check) and one OpenSSH `sftp put` of the
// same file to the same sshd, so both meet the same machine load. It reports each one's
// throughput and the ratio of their total times (rostersync / OpenSSH; the SPEC §6 target is
// at most 1.5). -v logs every pair.
func BenchmarkPublishVsOpenSSH(b *testing.B) {
	d := sftptest.NewSSHD(b)
	local, size := benchFile(b)
	put := openSSHPut(b, d, local)
	u, err := transport.ParseURL(d.URL(""))
	if err != nil {
		b.Fatal(err)
	}
	cfg := transport.Config{URL: u, KnownHosts: d.KnownHostsPath, IdentityFiles: []string{d.ClientKeyPath}}
	files := []transport.File{{Name: "roster.csv", Path: local}}
	var ours, theirs time.Duration
	pair := 0
	b.ResetTimer()
	for b.Loop() {
		pair++
		t0 := time.Now()
		c, err := transport.Dial(b.Context(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Publish(b.Context(), d.Root, files, nil); err != nil {
			b.Fatal(err)
		}
		c.Close()
		t1 := time.Now()
		put()
		t2 := time.Now()
		ours += t1.Sub(t0)
		theirs += t2.Sub(t1)
		b.Logf("pair %d: rostersync %s, sftp put %s (%.2fx)", pair, t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond),
			float64(t1.Sub(t0))/float64(t2.Sub(t1)))
	}
	b.StopTimer()
	mb := float64(size) / 1e6 * float64(pair)
	b.ReportMetric(mb/ours.Seconds(), "rostersync-MB/s")
	b.ReportMetric(mb/theirs.Seconds(), "sftp-put-MB/s")
	b.ReportMetric(float64(ours)/float64(theirs), "ratio")
	for _, p := range []string{"roster.csv", "put.csv"} {
		if n := sizeOf(d.Path(p))(); n != int64(size) {
			b.Fatalf("the server holds %d bytes in %s, want %d", n, p, size)
		}
	}
}

// BenchmarkPublishMemory reports the peak Go heap in use (sampled every 5 ms) while files are
// published to a real sshd: it stays the same whatever ROSTERSYNC_BENCH_SFTP_MB is, since a
// file goes in blocks and is never held whole.
func BenchmarkPublishMemory(b *testing.B) {
	d := sftptest.NewSSHD(b)
	local, _ := benchFile(b)
	u, err := transport.ParseURL(d.URL(""))
	if err != nil {
		b.Fatal(err)
	}
	cfg := transport.Config{URL: u, KnownHosts: d.KnownHostsPath, IdentityFiles: []string{d.ClientKeyPath}}
	runtime.GC() // the benchmark's own copy of the file is garbage by now
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	for b.Loop() {
		c, err := transport.Dial(b.Context(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Publish(b.Context(), d.Root, []transport.File{{Name: "roster.csv", Path: local}}, nil); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
	close(stop)
	<-sampled
	b.ReportMetric(float64(peak.Load())/1e6, "peak-heap-MB")
}
