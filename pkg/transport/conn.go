package transport

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// idleConn pushes the read and write deadlines forward on every Read and Write once armed, so
// a connection that stays silent for the idle timeout fails instead of hanging (x/crypto/ssh
// and pkg/sftp set no deadlines of their own). Before arm the handshake deadline set on the
// underlying connection applies.
type idleConn struct {
	net.Conn
	timeout time.Duration
	armed   atomic.Bool
	expired atomic.Bool
}

func newIdleConn(c net.Conn, timeout time.Duration) *idleConn {
	return &idleConn{Conn: c, timeout: timeout}
}

// arm ends the handshake deadline and starts the idle deadlines.
func (c *idleConn) arm() {
	c.armed.Store(true)
	_ = c.Conn.SetWriteDeadline(time.Time{})
	_ = c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
}

func (c *idleConn) Read(p []byte) (int, error) {
	if c.armed.Load() {
		_ = c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	}
	n, err := c.Conn.Read(p)
	if err != nil && c.armed.Load() && isTimeout(err) {
		c.expired.Store(true)
	}
	return n, err
}

func (c *idleConn) Write(p []byte) (int, error) {
	if c.armed.Load() {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	n, err := c.Conn.Write(p)
	if err != nil && c.armed.Load() && isTimeout(err) {
		c.expired.Store(true)
	}
	return n, err
}

func (c *idleConn) markTimeout()   { c.expired.Store(true) }
func (c *idleConn) timedOut() bool { return c.expired.Load() }

// watchdog sits on the SFTP stream. It counts request and response packets and fires when
// requests are outstanding and nothing has come back for the idle timeout. That catches a
// server whose SSH layer still answers keepalives while its SFTP side is stuck, which the
// deadlines on the TCP connection cannot see.
type watchdog struct {
	r       io.Reader
	w       io.WriteCloser
	timeout time.Duration

	mu        sync.Mutex
	sent      frameCounter
	received  frameCounter
	writing   int
	lastRead  time.Time
	busySince time.Time
	fired     atomic.Bool
}

func newWatchdog(r io.Reader, w io.WriteCloser, timeout time.Duration) *watchdog {
	return &watchdog{r: r, w: w, timeout: timeout, lastRead: time.Now()}
}

func (d *watchdog) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if n > 0 {
		d.mu.Lock()
		d.received.feed(p[:n])
		d.lastRead = time.Now()
		d.mu.Unlock()
	}
	return n, err
}

func (d *watchdog) Write(p []byte) (int, error) {
	d.mu.Lock()
	if !d.busyLocked() {
		d.busySince = time.Now()
	}
	d.writing++
	d.mu.Unlock()
	n, err := d.w.Write(p)
	d.mu.Lock()
	d.writing--
	d.sent.feed(p[:n])
	d.mu.Unlock()
	return n, err
}

func (d *watchdog) Close() error { return d.w.Close() }

func (d *watchdog) busyLocked() bool {
	return d.writing > 0 || d.sent.count > d.received.count
}

func (d *watchdog) stalled() bool { return d.fired.Load() }

// run checks the stream until stop is closed and calls fire once when it stalls.
func (d *watchdog) run(stop <-chan struct{}, fire func()) {
	t := time.NewTicker(max(d.timeout/4, 20*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		d.mu.Lock()
		busy := d.busyLocked()
		since := d.lastRead
		if d.busySince.After(since) {
			since = d.busySince
		}
		d.mu.Unlock()
		if busy && time.Since(since) > d.timeout {
			d.fired.Store(true)
			fire()
			return
		}
	}
}

// frameCounter counts SFTP packets (uint32 length, then that many bytes) in a byte stream.
type frameCounter struct {
	hdr   [4]byte
	hn    int
	left  uint32
	count int64
}

func (f *frameCounter) feed(p []byte) {
	for len(p) > 0 {
		if f.left > 0 {
			k := uint32(len(p))
			if k > f.left {
				k = f.left
			}
			f.left -= k
			p = p[k:]
			continue
		}
		k := copy(f.hdr[f.hn:], p)
		f.hn += k
		p = p[k:]
		if f.hn == 4 {
			f.left = binary.BigEndian.Uint32(f.hdr[:])
			f.hn = 0
			f.count++
		}
	}
}
