package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/pkg/sftp"
)

// TestLimitSize: the request size a limits@openssh.com reply allows, never above 256 KiB nor
// below the 32 KiB every server accepts; 0 is no limit.
func TestLimitSize(t *testing.T) {
	for _, tc := range []struct {
		packet, read, write uint64
		want                int
	}{
		{256 << 10, 256<<10 - 1024, 256<<10 - 1024, 256<<10 - 1024}, // OpenSSH
		{0, 0, 0, defaultIO},                     // no limits stated
		{0, 1 << 20, 0, maxIO},                   // larger than we send
		{0, 100 << 10, 64 << 10, 64 << 10},       // the smaller of read and write
		{64 << 10, 0, 0, 63 << 10},               // room for a request's header
		{1 << 30, 16 << 10, 16 << 10, defaultIO}, // below the size every server accepts
		{100, 0, 0, defaultIO},                   // a packet smaller than a header
		{1 << 63, 1 << 63, 1 << 63, maxIO},       // absurd
	} {
		reply := binary.BigEndian.AppendUint64(nil, tc.packet)
		reply = binary.BigEndian.AppendUint64(reply, tc.read)
		reply = binary.BigEndian.AppendUint64(reply, tc.write)
		reply = binary.BigEndian.AppendUint64(reply, 0)
		if got := limitSize(reply); got != tc.want {
			t.Errorf("limits %d/%d/%d: %d, want %d", tc.packet, tc.read, tc.write, got, tc.want)
		}
	}
}

// TestInitReplayDropsOnlyTheFirstPacket: the version request pkg/sftp writes (in any number of
// writes) is not sent again; what follows it, in the same write or later, is.
func TestInitReplayDropsOnlyTheFirstPacket(t *testing.T) {
	init := []byte{0, 0, 0, 5, fxpInit, 0, 0, 0, 3}
	next := []byte{0, 0, 0, 2, 17, 42}
	stream := append(append([]byte{}, init...), next...)
	for cut := range len(stream) + 1 {
		var out bytes.Buffer
		p := newInitReplay(bytes.NewReader(nil), nopCloser{&out}, nil)
		for _, part := range [][]byte{stream[:cut], stream[cut:]} {
			if n, err := p.Write(part); err != nil || n != len(part) {
				t.Fatalf("cut %d: Write = %d, %v", cut, n, err)
			}
		}
		if !bytes.Equal(out.Bytes(), next) {
			t.Errorf("cut at %d: sent %v, want %v", cut, out.Bytes(), next)
		}
	}
}

type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }

// TestHasExtension reads a version packet's extension pairs, and stops at a malformed one.
func TestHasExtension(t *testing.T) {
	pair := func(name, data string) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(name)))
		b = append(b, name...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		return append(b, data...)
	}
	exts := append(pair("posix-rename@openssh.com", "1"), pair(limitsExt, "1")...)
	if !hasExtension(exts, limitsExt) || hasExtension(exts, "fsync@openssh.com") {
		t.Error("extensions misread")
	}
	bad := append(pair("x", "1"), 0, 0, 0xff, 0xff, 'l')
	if hasExtension(bad, limitsExt) || hasExtension(exts[:len(exts)-1], limitsExt) {
		t.Error("a malformed or cut pair was read")
	}
}

// TestLargeLimitsStillRead: a server whose limits@openssh.com reply allows reads larger than
// 256 KiB (here 1 MiB; pkg/sftp's server, told to answer reads that large) is read from in
// requests whose replies, data and header, fit in the 256 KiB packet pkg/sftp's client accepts:
// a 1 MiB file reads back whole.
func TestLargeLimitsStillRead(t *testing.T) {
	const limit = 1 << 20
	dir := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef"), limit/16)
	path := filepath.Join(dir, "roster.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	serverR, clientW := io.Pipe()
	clientR, serverW := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- serveWithLimits(serverR, serverW, limit)
	}()
	c, size, err := startSFTP(clientR, clientW)
	if err != nil {
		t.Fatal(err)
	}
	if size < defaultIO || size > maxIO {
		t.Errorf("requests of %d bytes", size)
	}
	f, err := c.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		serverW.Close() // the client's reader stops, then the client
		c.Close()
		<-served
	}()
	got := make([]byte, len(data))
	n, err := f.ReadAt(got, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("read back with requests of %d bytes: %v", size, err)
	}
	if n != len(data) || !bytes.Equal(got, data) {
		t.Errorf("read %d bytes, not the %d written", n, len(data))
	}
}

// serveWithLimits answers the version exchange of the client at the other end of r and w with
// limits@openssh.com, states read and write lengths of limit, then serves the stream with
// pkg/sftp's server, set to answer reads up to limit.
func serveWithLimits(r io.Reader, w io.WriteCloser, limit uint64) error {
	init, _, _, err := readPacket(r)
	if err != nil {
		return err
	}
	version := binary.BigEndian.AppendUint32(nil, sftpVersion)
	for _, s := range []string{limitsExt, "1"} {
		version = binary.BigEndian.AppendUint32(version, uint32(len(s)))
		version = append(version, s...)
	}
	if err := writePacket(w, fxpVersion, version); err != nil {
		return err
	}
	_, typ, body, err := readPacket(r)
	if err != nil {
		return err
	}
	if typ != fxpExtended || len(body) < 4 {
		return errors.New("no limits request")
	}
	reply := append([]byte(nil), body[:4]...) // its ID
	for _, v := range []uint64{0, limit, limit, 0} {
		reply = binary.BigEndian.AppendUint64(reply, v)
	}
	if err := writePacket(w, fxpExtendedReply, reply); err != nil {
		return err
	}
	// pkg/sftp's server makes its own version exchange: it reads the client's first request
	// again, and its answer is not sent.
	rw := newInitReplay(io.MultiReader(bytes.NewReader(init), r), w, nil)
	srv, err := sftp.NewServer(rw, sftp.WithMaxTxPacket(uint32(limit)))
	if err != nil {
		return err
	}
	return srv.Serve()
}
