package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/txpush/txpush/internal/httpfast"
)

// BenchmarkHTTPServerFloor measures what one HTTP/1.1 exchange costs a Go
// server on this machine when its handler does nothing: the floor under
// the PPG's PAP side (and, mirrored, under each notification it posts),
// which docs/PERFORMANCE.md sets against the PPG's CPU time per push. The
// server runs in a child process (this test binary, see TestMain), so the
// CPU time reported, server-µs/req, is its own; the client posts a
// 1,200-octet body on 64 keep-alive connections, as txpush bench does,
// writing each request whole and reading the answer with
// http.ReadResponse, much as the PPG's notification client does: its CPU
// time, client-µs/req, is the floor under a notification.
//
// "net/http" is the standard library's server; "httpfast" the server the
// PPG takes its plain PAP posts with (internal/httpfast, net/http behind
// it); "raw" reads and answers the same requests with nothing but a
// buffered reader on each connection: what no server in Go can go below.
func BenchmarkHTTPServerFloor(b *testing.B) {
	for _, kind := range []string{"net/http", "httpfast", "raw"} {
		b.Run(kind, func(b *testing.B) { benchmarkHTTPServerFloor(b, kind) })
	}
}

const floorServerEnv = "TXPUSH_FLOOR_SERVER"

func benchmarkHTTPServerFloor(b *testing.B, kind string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), floorServerEnv+"="+kind)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("the floor server said nothing: %v", err)
	}
	addr := strings.TrimSpace(line)

	body := bytes.Repeat([]byte("x"), 1200)
	req := append([]byte("POST /pap HTTP/1.1\r\nHost: floor\r\nContent-Type: application/xml\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"), body...)
	const conns = 64
	var next sync.Mutex
	left := b.N
	take := func() bool {
		next.Lock()
		defer next.Unlock()
		left--
		return left >= 0
	}
	before, self := usageOf(b, cmd.Process.Pid), usageOf(b, os.Getpid())
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for take() {
				if _, err := c.Write(req); err != nil {
					errs <- err
					return
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					errs <- err
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusAccepted {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatalf("an exchange failed: %v", err)
	}
	after, selfAfter := usageOf(b, cmd.Process.Pid), usageOf(b, os.Getpid())
	b.ReportMetric((after.cpu-before.cpu)*1e6/float64(b.N), "server-µs/req")
	b.ReportMetric((selfAfter.cpu-self.cpu)*1e6/float64(b.N), "client-µs/req")
}

func usageOf(b *testing.B, pid int) procUsage {
	u, err := readProcUsage(pid)
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// floorAnswer is the floor server's answer, about the size of a PAP
// push-response.
var floorAnswer = bytes.Repeat([]byte("y"), 400)

// runFloorServer serves BenchmarkHTTPServerFloor's requests on a loopback
// port it prints, until its standard input ends.
func runFloorServer(kind string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	os.Stdout.WriteString(ln.Addr().String() + "\n")
	go func() {
		io.Copy(io.Discard, os.Stdin)
		ln.Close()
		os.Exit(0)
	}()
	if kind == "raw" {
		for {
			c, err := ln.Accept()
			if err != nil {
				return 0
			}
			go serveFloorRaw(c)
		}
	}
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusAccepted)
		w.Write(floorAnswer)
	})
	if kind == "httpfast" {
		srv := &httpfast.Server{Fast: map[string]http.Handler{"/pap": answer}, Fallback: &http.Server{Handler: answer}}
		srv.Serve(ln)
		return 0
	}
	http.Serve(ln, answer)
	return 0
}

// serveFloorRaw answers each request on c, reading only its header lines
// and the Content-Length octets of its body.
func serveFloorRaw(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	resp := append([]byte("HTTP/1.1 202 Accepted\r\nContent-Type: application/xml\r\nContent-Length: "+
		strconv.Itoa(len(floorAnswer))+"\r\n\r\n"), floorAnswer...)
	for {
		length := 0
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(bytes.TrimSpace(line)) == 0 {
				break
			}
			if v, ok := bytes.CutPrefix(line, []byte("Content-Length:")); ok {
				if length, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
					return
				}
			}
		}
		if _, err := br.Discard(length); err != nil {
			return
		}
		if _, err := c.Write(resp); err != nil {
			return
		}
	}
}
