package testinfra

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RedisOptions tune StartRedis.
type RedisOptions struct {
	// Persist keeps the data across Stop and Start (an append-only file
	// in the temporary directory). Without it a restarted Redis is empty,
	// as one without persistence is after a crash.
	Persist bool
}

// Redis is a redis-server of one test.
type Redis struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	opts RedisOptions

	mu sync.Mutex
	p  *proc // nil while stopped
}

// StartRedis starts redis-server on a free loopback port and stops it when
// the test ends.
func StartRedis(t testing.TB, opts RedisOptions) *Redis {
	t.Helper()
	r := &Redis{t: t, bin: lookBin(t, "redis-server", "redis-server"), dir: t.TempDir(), opts: opts}
	var err error
	for range 3 {
		if r.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if err = r.start(); err == nil || !errors.Is(err, errExited) {
			break
		}
	}
	if err != nil {
		t.Fatalf("testinfra: redis: %v\n%s", err, tail(r.log()))
	}
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// Addr is the server's host:port.
func (r *Redis) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// URL is the server's redis:// URL.
func (r *Redis) URL() string { return "redis://" + r.Addr() }

// Stop shuts the server down (SIGTERM), as an outage.
func (r *Redis) Stop() {
	r.t.Helper()
	if err := r.stop(); err != nil {
		r.t.Fatal(err)
	}
}

// Start starts a stopped server again, on the same port and directory.
func (r *Redis) Start() {
	r.t.Helper()
	if err := r.start(); err != nil {
		r.t.Fatalf("testinfra: redis: %v\n%s", err, tail(r.log()))
	}
}

// Pause freezes the server (SIGSTOP): connections stay open and nothing
// answers, as when a network path goes silent. Resume undoes it.
func (r *Redis) Pause() { r.signal(syscall.SIGSTOP) }

// Resume thaws a paused server.
func (r *Redis) Resume() { r.signal(syscall.SIGCONT) }

func (r *Redis) signal(sig syscall.Signal) {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.p == nil {
		r.t.Fatal("testinfra: redis is not running")
	}
	if err := r.p.signal(sig); err != nil {
		r.t.Fatal(err)
	}
}

func (r *Redis) log() string { return filepath.Join(r.dir, "redis.log") }

func (r *Redis) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.p != nil {
		return errors.New("already running")
	}
	aof := "no"
	if r.opts.Persist {
		aof = "yes"
	}
	p, err := startProc("redis-server", r.log(), r.dir, nil, nil, r.bin,
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--protected-mode", "no",
		"--dir", r.dir, "--save", "", "--appendonly", aof, "--daemonize", "no",
		"--logfile", "", "--loglevel", "warning")
	if err != nil {
		return err
	}
	if err := waitReady(p, 30*time.Second, func() error { return redisPing(r.Addr()) }); err != nil {
		_ = p.stop(syscall.SIGKILL, 0)
		return err
	}
	r.p = p
	return nil
}

func (r *Redis) stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.p == nil {
		return nil
	}
	// A paused server cannot act on SIGTERM until it runs again.
	_ = r.p.signal(syscall.SIGCONT)
	err := r.p.stop(syscall.SIGTERM, 10*time.Second)
	r.p = nil
	return err
}

// redisPing checks that a Redis server answers PING (one still loading its
// data answers -LOADING).
func redisPing(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("redis answered %q", strings.TrimSpace(line))
	}
	return nil
}
