package sftptest

import (
	"net"
	"sync"
	"testing"
)

// SilentServer accepts TCP connections on 127.0.0.1 and never says a word on them (a server
// stuck before its SSH banner), until the test ends.
type SilentServer struct {
	Addr string
	mu   sync.Mutex
	held []net.Conn
}

// Accepted returns how many connections it has accepted.
func (s *SilentServer) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// Silent starts a SilentServer.
func Silent(t testing.TB) *SilentServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SilentServer{Addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.held = append(s.held, c)
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.held {
			c.Close()
		}
		s.mu.Unlock()
	})
	return s
}
