//go:build unix

package errclass

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"syscall"
	"testing"
)

// A run stopped by a signal (os/signal.NotifyContext) is cancelled with a cause that names the
// signal and matches context.Canceled: an interrupt.
func TestOfSignalCause(t *testing.T) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGUSR1)
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	err := fmt.Errorf("connect h:22: %w", context.Cause(ctx))
	if !errors.Is(err, context.Canceled) || Of(err) != Interrupted {
		t.Errorf("%v: class %d, want Interrupted", err, Of(err))
	}
}
