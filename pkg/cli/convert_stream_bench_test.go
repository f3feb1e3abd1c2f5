package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rostersync/rostersync/formats"
	"github.com/rostersync/rostersync/pkg/format/formattest"
	"github.com/rostersync/rostersync/pkg/iostreams"
)

// BenchmarkConvert runs `rostersync convert --to T PACKAGE OUT` (read, write as it reads, check
// the output, publish) for each target, alternated in each iteration with `rostersync validate
// PACKAGE`, on a 100k-user rostergen package ($ROSTERSYNC_BENCH_PACKAGE for another): it reports
// the ratio of their times and the peak Go heap of each (sampled every millisecond).
func BenchmarkConvert(b *testing.B) {
	src := formattest.BenchDir(b, "ROSTERSYNC_BENCH_PACKAGE")
	run := func(args ...string) (time.Duration, uint64) {
		b.Helper()
		var out, errOut bytes.Buffer
		deps := &Deps{IO: &iostreams.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
			Formats: formats.Registry(), Getenv: func(string) string { return "" }}
		runtime.GC()
		var peak atomic.Uint64
		done := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > peak.Load() {
						peak.Store(ms.HeapInuse)
					}
				}
			}
		}()
		start := time.Now()
		code := Run(b.Context(), deps, args)
		d := time.Since(start)
		close(done)
		if code != 0 {
			b.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		return d, peak.Load()
	}
	for _, to := range []string{"oneroster", "capti", "students", "clever", "sds"} {
		b.Run(to, func(b *testing.B) {
			var conv, val time.Duration
			var convPeak, valPeak uint64
			for b.Loop() {
				dir := b.TempDir()
				out := filepath.Join(dir, "out")
				if to == "capti" || to == "students" {
					out += ".csv"
				}
				d, p := run("validate", src)
				val, valPeak = val+d, max(valPeak, p)
				d, p = run("convert", "-q", "--to", to, src, out)
				conv, convPeak = conv+d, max(convPeak, p)
				os.RemoveAll(dir)
			}
			b.ReportMetric(float64(conv)/float64(val), "x-validate")
			b.ReportMetric(float64(convPeak)/(1<<20), "convert-heap-MiB")
			b.ReportMetric(float64(valPeak)/(1<<20), "validate-heap-MiB")
		})
	}
}
