//go:build unix

package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/iostreams"
	"github.com/rostersync/rostersync/pkg/transport/sftptest"
)

// BenchmarkPushVsOpenSSH times `rostersync push` of a roster, end to end (the built binary:
// read, check, guard, upload, verify, record), against OpenSSH's `sftp` putting the same file
// to the same real sshd on loopback, in alternated pairs, and reports both, their ratio and
// push's peak memory. The roster is $ROSTERSYNC_BENCH_ROSTER (see README: a ~200 MB Capti
// roster made with rostergen and convert); without it the benchmark is skipped. With
// $ROSTERSYNC_BENCH_BEFORE naming another rostersync binary (an earlier build), each pair is a
// triple: that binary's push of the same file, with its own state folder, is timed too. Each
// iteration also times push --dry-run of the file (the check and the guard against the push
// just made: all that precedes the upload).
//
//	ROSTERSYNC_BENCH_ROSTER=/tmp/roster.csv go test ./pkg/cli -run '^$' -bench PushVsOpenSSH -benchtime 3x
func BenchmarkPushVsOpenSSH(b *testing.B) {
	src := os.Getenv("ROSTERSYNC_BENCH_ROSTER")
	if src == "" {
		b.Skip("set ROSTERSYNC_BENCH_ROSTER to a roster file (a ~200 MB Capti roster: see README)")
	}
	sftpBin, err := exec.LookPath("sftp")
	if err != nil {
		b.Skip("OpenSSH sftp client is not installed")
	}
	fi, err := os.Stat(src)
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "rostersync")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/rostersync").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	d := sftptest.NewSSHD(b)
	batch := filepath.Join(b.TempDir(), "batch")
	if err := os.WriteFile(batch, fmt.Appendf(nil, "put %s %s\n", src, d.Path("put.csv")), 0o600); err != nil {
		b.Fatal(err)
	}
	put := exec.Command(sftpBin, "-q", "-b", batch, "-i", d.ClientKeyPath, "-P", fmt.Sprint(d.Port),
		"-o", "UserKnownHostsFile="+d.KnownHostsPath, "-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null", d.User+"@127.0.0.1")
	home, state := b.TempDir(), b.TempDir()
	push := exec.Command(bin, "push", "--quiet", "--allow-shrink", "--to", d.URL(""), "--known-hosts", d.KnownHostsPath,
		"--identity-file", d.ClientKeyPath, "--state-dir", state, src)
	push.Env = append(os.Environ(), "HOME="+home)
	// The same push with --dry-run (copy, check, guard against the last push: everything
	// before the first remote file is opened), to tell the check from the upload.
	dry := exec.Command(bin, append(push.Args[1:2:2], append([]string{"--dry-run"}, push.Args[2:]...)...)...)
	dry.Env = push.Env
	var before *exec.Cmd
	if bin := os.Getenv("ROSTERSYNC_BENCH_BEFORE"); bin != "" {
		before = exec.Command(bin, "push", "--quiet", "--allow-shrink", "--to", d.URL("before/"), "--known-hosts", d.KnownHostsPath,
			"--identity-file", d.ClientKeyPath, "--state-dir", b.TempDir(), src)
		before.Env = push.Env
		if err := os.Mkdir(d.Path("before"), 0o700); err != nil {
			b.Fatal(err)
		}
	}
	// timed runs a copy of tmpl and returns its wall time, peak RSS and CPU time (user and
	// system: steadier than the wall time on a shared machine).
	timed := func(tmpl *exec.Cmd) (time.Duration, int64, time.Duration) {
		c := exec.Command(tmpl.Path, tmpl.Args[1:]...)
		c.Env = tmpl.Env
		t0 := time.Now()
		if out, err := c.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", filepath.Base(tmpl.Path), err, out)
		}
		el := time.Since(t0)
		var rss int64
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok && runtime.GOOS == "linux" {
			rss = int64(ru.Maxrss) << 10 // KiB on Linux
		}
		return el, rss, c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	}
	var tPut, tPush, tDry, tBefore, cPush, cBefore time.Duration
	var peak, peakBefore int64
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for b.Loop() {
		p, _, _ := timed(put)
		q, rss, qc := timed(push)
		d, _, _ := timed(dry)
		tPut += p
		tPush += q
		tDry += d
		cPush += qc
		peak = max(peak, rss)
		line := fmt.Sprintf("put %.2fs push %.2fs (%.2fx, CPU %.2fs; --dry-run %.2fs)", p.Seconds(), q.Seconds(), q.Seconds()/p.Seconds(), qc.Seconds(), d.Seconds())
		if before != nil {
			r, rss, rc := timed(before)
			tBefore += r
			cBefore += rc
			peakBefore = max(peakBefore, rss)
			line += fmt.Sprintf(" before %.2fs (%.2fx, CPU %.2fs)", r.Seconds(), r.Seconds()/p.Seconds(), rc.Seconds())
		}
		b.Log(line)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(tPut.Seconds()/n, "sftp-put-s")
	b.ReportMetric(tPush.Seconds()/n, "push-s")
	b.ReportMetric(tPush.Seconds()/tPut.Seconds(), "push/put")
	b.ReportMetric(float64(peak)/(1<<20), "push-peak-MiB")
	b.ReportMetric(cPush.Seconds()/n, "push-cpu-s")
	b.ReportMetric(tDry.Seconds()/n, "dry-run-s")
	if before != nil {
		b.ReportMetric(tBefore.Seconds()/n, "before-s")
		b.ReportMetric(tBefore.Seconds()/tPut.Seconds(), "before/put")
		b.ReportMetric(float64(peakBefore)/(1<<20), "before-peak-MiB")
		b.ReportMetric(cBefore.Seconds()/n, "before-cpu-s")
	}
}

// BenchmarkPushInProcess runs the same push as BenchmarkPushVsOpenSSH inside the test binary,
// so -cpuprofile and -memprofile show where push spends its time:
//
//	ROSTERSYNC_BENCH_ROSTER=/tmp/roster.csv go test ./pkg/cli -run '^$' -bench PushInProcess -benchtime 3x -cpuprofile cpu.out
func BenchmarkPushInProcess(b *testing.B) {
	src := os.Getenv("ROSTERSYNC_BENCH_ROSTER")
	if src == "" {
		b.Skip("set ROSTERSYNC_BENCH_ROSTER to a roster file (a ~200 MB Capti roster: see README)")
	}
	fi, err := os.Stat(src)
	if err != nil {
		b.Fatal(err)
	}
	d := sftptest.NewSSHD(b)
	state := b.TempDir()
	args := []string{"push", "--quiet", "--allow-shrink", "--to", d.URL(""), "--known-hosts", d.KnownHostsPath,
		"--identity-file", d.ClientKeyPath, "--state-dir", state, src}
	b.SetBytes(fi.Size())
	for b.Loop() {
		var out, errOut bytes.Buffer
		streams := &iostreams.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
		if code := Main(args, streams, formats.Registry(), BuildInfo{}); code != 0 {
			b.Fatalf("push exited %d\n%s%s", code, out.String(), errOut.String())
		}
	}
}
