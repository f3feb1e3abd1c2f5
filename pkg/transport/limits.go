package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// SFTP request sizes. Every server accepts reads and writes of 32 KiB (pkg/sftp's default); a
// server that answers limits@openssh.com (OpenSSH's sftp-server and internal-sftp: 255 KiB)
// gets requests as large as it states, up to maxIO: fewer, larger requests cost both sides
// less CPU per byte (the server's single process is what bounds a loopback upload). maxIO
// leaves room for the header of a read's reply: pkg/sftp's client drops the connection on a
// packet over 256 KiB, so a read of 256 KiB from a server that allows it would never arrive.
const (
	defaultIO = 32 << 10
	maxIO     = 256<<10 - 1024
)

// SFTP packet types and the version of the protocol (draft-ietf-secsh-filexfer-02) used here.
const (
	fxpInit          = 1
	fxpVersion       = 2
	fxpStatus        = 101
	fxpExtended      = 200
	fxpExtendedReply = 201
	sftpVersion      = 3
	limitsExt        = "limits@openssh.com"
	maxVersionPacket = 256 << 10 // the largest packet an SFTP server must accept
)

// negotiate makes the SFTP version exchange on a fresh channel (rw) and, when the server
// offers limits@openssh.com, asks for its limits, which pkg/sftp does not. It returns the
// server's version packet as received, to hand to pkg/sftp (initReplay), and the request
// size to use.
func negotiate(r io.Reader, w io.Writer) (version []byte, size int, err error) {
	if err := writePacket(w, fxpInit, binary.BigEndian.AppendUint32(nil, sftpVersion)); err != nil {
		return nil, 0, err
	}
	raw, typ, body, err := readPacket(r)
	if err != nil {
		return nil, 0, err
	}
	if typ != fxpVersion || len(body) < 4 {
		return nil, 0, fmt.Errorf("the server answered the SFTP version request with packet type %d", typ)
	}
	size = defaultIO
	if !hasExtension(body[4:], limitsExt) {
		return raw, size, nil
	}
	const id = 1
	req := binary.BigEndian.AppendUint32(nil, id)
	req = binary.BigEndian.AppendUint32(req, uint32(len(limitsExt)))
	req = append(req, limitsExt...)
	if err := writePacket(w, fxpExtended, req); err != nil {
		return nil, 0, err
	}
	_, typ, body, err = readPacket(r)
	switch {
	case err != nil:
		return nil, 0, err
	case len(body) < 4 || binary.BigEndian.Uint32(body) != id:
		return nil, 0, errors.New("the server answered limits@openssh.com with another request's ID")
	case typ == fxpStatus:
		return raw, size, nil // refused after all: the sizes every server accepts
	case typ != fxpExtendedReply || len(body) < 4+4*8:
		return nil, 0, fmt.Errorf("the server answered limits@openssh.com with packet type %d of %d bytes", typ, len(body))
	}
	return raw, limitSize(body[4:]), nil
}

// limitSize is the request size a limits@openssh.com reply allows: the smallest of its
// maximum read and write lengths, and of its maximum packet length less room for a request's
// header, that are set (0 means no limit), at most maxIO; the default when none is set or
// when they are below it.
func limitSize(reply []byte) int {
	packet := binary.BigEndian.Uint64(reply)
	read := binary.BigEndian.Uint64(reply[8:])
	write := binary.BigEndian.Uint64(reply[16:])
	size := uint64(maxIO)
	set := false
	for _, l := range []uint64{read, write} {
		if l > 0 {
			size, set = min(size, l), true
		}
	}
	if packet > 0 {
		const header = 1024 // a write's type, ID, handle (at most 256 bytes), offset and length
		size, set = min(size, max(packet, header)-header), true
	}
	if !set || size < defaultIO {
		return defaultIO
	}
	return int(size)
}

// hasExtension reports whether the extension pairs of a version packet name ext.
func hasExtension(b []byte, ext string) bool {
	for len(b) >= 4 {
		name, rest, ok := cutString(b)
		if !ok {
			return false
		}
		_, rest, ok = cutString(rest)
		if !ok {
			return false
		}
		if string(name) == ext {
			return true
		}
		b = rest
	}
	return false
}

// cutString splits an SFTP string (a 32-bit length, then the bytes) off b.
func cutString(b []byte) (s, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, nil, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, false
	}
	return b[4 : 4+n], b[4+n:], true
}

func writePacket(w io.Writer, typ byte, body []byte) error {
	p := binary.BigEndian.AppendUint32(make([]byte, 0, 5+len(body)), uint32(1+len(body)))
	p = append(p, typ)
	_, err := w.Write(append(p, body...))
	return err
}

// readPacket reads one SFTP packet: its bytes as received, its type and its body.
func readPacket(r io.Reader) (raw []byte, typ byte, body []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n < 1 || n > maxVersionPacket {
		return nil, 0, nil, fmt.Errorf("the server sent an SFTP packet of %d bytes", n)
	}
	raw = make([]byte, 4+n)
	copy(raw, hdr[:])
	if _, err := io.ReadFull(r, raw[5:]); err != nil {
		return nil, 0, nil, err
	}
	return raw, hdr[4], raw[5:], nil
}

// initReplay is the channel as pkg/sftp sees it once negotiate has made the version exchange:
// pkg/sftp's own version request is not sent again, and it reads the server's answer to ours.
type initReplay struct {
	r io.Reader
	w io.WriteCloser
	// What is left to drop of pkg/sftp's version request: its length (hdr), then the bytes
	// that length counts (left).
	hdr  []byte
	left int64
	done bool
}

func newInitReplay(r io.Reader, w io.WriteCloser, version []byte) *initReplay {
	return &initReplay{r: io.MultiReader(bytes.NewReader(version), r), w: w}
}

func (p *initReplay) Read(b []byte) (int, error) { return p.r.Read(b) }

func (p *initReplay) Close() error { return p.w.Close() }

// Write drops the first packet written (pkg/sftp's SSH_FXP_INIT, written before any other)
// and passes on the rest.
func (p *initReplay) Write(b []byte) (int, error) {
	if p.done {
		return p.w.Write(b)
	}
	n := len(b)
	for len(b) > 0 && !p.done {
		if len(p.hdr) < 4 {
			k := min(4-len(p.hdr), len(b))
			p.hdr, b = append(p.hdr, b[:k]...), b[k:]
			if len(p.hdr) == 4 {
				p.left = int64(binary.BigEndian.Uint32(p.hdr))
				p.done = p.left == 0
			}
			continue
		}
		k := min(p.left, int64(len(b)))
		p.left, b = p.left-k, b[k:]
		p.done = p.left == 0
	}
	if len(b) > 0 {
		if _, err := p.w.Write(b); err != nil {
			return 0, err
		}
	}
	return n, nil
}
