package sftptest

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Proxy is a TCP proxy on 127.0.0.1 in front of a server that calls a hook before it forwards
// each new connection: a slow connect, during which a test changes the world (replaces the
// file being published, say). The client sees the server's host key at the proxy's address.
type Proxy struct {
	ln   net.Listener
	mu   sync.Mutex
	hook func()
}

// NewProxy forwards connections to target (host:port). It stops when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.forward(c, target)
			}()
		}
	}()
	return p
}

// OnConnect sets the hook called (on the proxy's goroutine, before anything is forwarded)
// for each new connection; nil removes it.
func (p *Proxy) OnConnect(hook func()) {
	p.mu.Lock()
	p.hook = hook
	p.mu.Unlock()
}

func (p *Proxy) forward(c net.Conn, target string) {
	defer c.Close()
	p.mu.Lock()
	hook := p.hook
	p.mu.Unlock()
	if hook != nil {
		hook()
	}
	s, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer s.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(s, c); s.(*net.TCPConn).CloseWrite(); done <- struct{}{} }() //nolint:errcheck
	go func() { io.Copy(c, s); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }() //nolint:errcheck
	<-done
	<-done
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// KnownHosts writes a known_hosts file listing key at the proxy's address into dir and
// returns its path.
func (p *Proxy) KnownHosts(t testing.TB, key ssh.PublicKey) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "known_hosts_proxy")
	line := knownhosts.Line([]string{knownhosts.Normalize(p.Addr())}, key) + "\n"
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
