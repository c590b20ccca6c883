package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/scimkit/scim/bench/loadcompare/internal/protocol"
)

// The load generator speaks HTTP/1.1 itself, on keep-alive connections: it
// writes requests built once and reads each response by its Content-Length
// (or its chunks), so that its own cost per request is a few µs and none
// of it is in the server's process.

// counterWidth is the width of the decimal counter a call's request bytes
// hold at counterAt, rewritten before each send (the PATCH value, the new
// user's names), so that no two writes are alike.
const counterWidth = 9

// call is one request of a scenario, as bytes on the wire.
type call struct {
	method, uri string
	req         []byte // the whole request: request line, headers, body
	counterAt   []int  // offsets in req of counterWidth-digit counters
}

// newCall builds the request bytes of method uri with body (nil: none).
// Every counterWidth-long run of '#' in body becomes a counter.
func newCall(method, uri string, body []byte) call {
	c := call{method: method, uri: uri}
	c.req = fmt.Appendf(nil, "%s %s HTTP/1.1\r\nHost: loadcompare\r\nAuthorization: Bearer %s\r\nUser-Agent: loadcompare\r\n", method, uri, protocol.Token)
	if body != nil {
		c.req = fmt.Appendf(c.req, "Content-Type: application/scim+json\r\nContent-Length: %d\r\n", len(body))
	}
	c.req = append(c.req, "\r\n"...)
	start := len(c.req)
	c.req = append(c.req, body...)
	hashes := bytes.Repeat([]byte{'#'}, counterWidth)
	for off := 0; ; {
		i := bytes.Index(c.req[start+off:], hashes)
		if i < 0 {
			break
		}
		c.counterAt = append(c.counterAt, start+off+i)
		off += i + counterWidth
	}
	return c
}

// bytesFor returns the request with its counters set to n, in buf.
func (c *call) bytesFor(buf []byte, n uint64) []byte {
	if len(c.counterAt) == 0 {
		return c.req
	}
	buf = append(buf[:0], c.req...)
	for _, at := range c.counterAt {
		v := n
		for i := at + counterWidth - 1; i >= at; i-- {
			buf[i] = byte('0' + v%10)
			v /= 10
		}
	}
	return buf
}

// conn is one keep-alive connection of the load generator.
type conn struct {
	c   net.Conn
	r   *bufio.Reader
	buf []byte
}

func dial(addr string) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 64<<10)}, nil
}

func (c *conn) close() { c.c.Close() }

// dialN opens n connections to addr, or none: on an error it closes those
// it opened.
func dialN(addr string, n int) ([]*conn, error) {
	cns := make([]*conn, 0, n)
	for range n {
		cn, err := dial(addr)
		if err != nil {
			closeAll(cns)
			return nil, err
		}
		cns = append(cns, cn)
	}
	return cns, nil
}

func closeAll(cns []*conn) {
	for _, cn := range cns {
		cn.close()
	}
}

// response is what roundTrip read; body and the header values are valid
// until the connection's next round trip unless keep is set.
type response struct {
	status int
	header map[string]string // only with keep: every header, canonical case as sent
	body   []byte
}

// roundTrip sends req and reads the response. With keep, it returns the
// headers and a body of its own.
func (c *conn) roundTrip(req []byte, keep bool) (response, error) {
	var resp response
	if _, err := c.c.Write(req); err != nil {
		return resp, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return resp, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return resp, fmt.Errorf("bad status line %q", line)
	}
	if resp.status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return resp, fmt.Errorf("bad status line %q", line)
	}
	if keep {
		resp.header = map[string]string{}
	}
	length, chunked, closing := -1, false, false
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return resp, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return resp, fmt.Errorf("bad header line %q", line)
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil {
				return resp, fmt.Errorf("bad Content-Length %q", v)
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			closing = bytes.EqualFold(v, []byte("close"))
		}
		if keep {
			resp.header[string(k)] = string(v)
		}
	}
	c.buf = c.buf[:0]
	switch {
	case chunked:
		err = c.readChunks()
	case length >= 0:
		if cap(c.buf) < length {
			c.buf = make([]byte, 0, length)
		}
		c.buf = c.buf[:length]
		_, err = io.ReadFull(c.r, c.buf)
	default:
		err = errors.New("a response with neither Content-Length nor chunks")
	}
	if err != nil {
		return resp, err
	}
	if closing {
		err = errors.New("the server closed the connection (Connection: close)")
	}
	resp.body = c.buf
	if keep {
		resp.body = bytes.Clone(c.buf)
	}
	return resp, err
}

func (c *conn) readChunks() error {
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		line, _, _ = bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseUint(string(line), 16, 32)
		if err != nil {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 { // trailers, then the blank line
			for {
				line, err := c.r.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		at := len(c.buf)
		c.buf = append(c.buf, make([]byte, n)...)
		if _, err := io.ReadFull(c.r, c.buf[at:]); err != nil {
			return err
		}
		if _, err := c.r.Discard(2); err != nil { // CRLF
			return err
		}
	}
}
