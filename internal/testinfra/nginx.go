package testinfra

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// NginxConfig is what StartNginx serves.
type NginxConfig struct {
	// Site is an nginx configuration for the http context, such as
	// deploy/nginx.conf, with an "upstream parley" block and listen
	// directives (see RenderSite).
	Site string
	// Upstreams are the host:port addresses that replace the servers of
	// "upstream parley".
	Upstreams []string
}

// Nginx is an nginx of one test, with its own prefix directory, main
// configuration, pid and log files.
type Nginx struct {
	t    testing.TB
	bin  string
	dir  string
	port int

	mu   sync.Mutex
	site string
	p    *proc
}

// StartNginx starts nginx on a free loopback port with cfg.Site rendered
// for it, and stops it when the test ends.
func StartNginx(t testing.TB, cfg NginxConfig) *Nginx {
	t.Helper()
	n := &Nginx{t: t, bin: lookBin(t, "nginx", "nginx"), dir: t.TempDir(), site: cfg.Site}
	// Workers run as nobody when the master is root: they must reach
	// their temporary files.
	if os.Geteuid() == 0 {
		tmp := filepath.Clean(os.TempDir())
		for d := n.dir; strings.HasPrefix(d, tmp+string(filepath.Separator)); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
	}
	var err error
	for range 3 {
		if n.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if err = n.writeConfig(cfg.Upstreams); err != nil {
			t.Fatal(err)
		}
		if err = n.start(); err == nil || !errors.Is(err, errExited) {
			break
		}
	}
	if err != nil {
		t.Fatalf("testinfra: nginx: %v\n%s", err, tail(n.errorLog()))
	}
	t.Cleanup(func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if err := n.p.stop(syscall.SIGTERM, 10*time.Second); err != nil {
			t.Error(err)
		}
	})
	return n
}

// Addr is nginx's host:port.
func (n *Nginx) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.port)) }

// URL is nginx's http:// URL.
func (n *Nginx) URL() string { return "http://" + n.Addr() }

// ErrorLog returns nginx's error log so far.
func (n *Nginx) ErrorLog() string {
	b, _ := os.ReadFile(n.errorLog())
	return string(b)
}

func (n *Nginx) errorLog() string { return filepath.Join(n.dir, "error.log") }
func (n *Nginx) mainConf() string { return filepath.Join(n.dir, "nginx.conf") }

// Reload points nginx at new upstreams (SIGHUP) and returns once a worker
// with the new configuration runs. Connections open through the old
// workers stay on the old upstreams until they close.
func (n *Nginx) Reload(upstreams []string) {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.writeConfig(upstreams); err != nil {
		n.t.Fatal(err)
	}
	if out, err := n.command("-t").CombinedOutput(); err != nil {
		n.t.Fatalf("testinfra: nginx -t: %v\n%s", err, out)
	}
	old := children(n.p.pid())
	if err := n.p.signal(syscall.SIGHUP); err != nil {
		n.t.Fatal(err)
	}
	// Done when a new worker runs and every old one has stopped accepting
	// (it renames itself "worker process is shutting down" and lingers
	// while its connections last) or is gone.
	deadline := time.Now().Add(10 * time.Second)
	for !n.reloaded(old) {
		if time.Now().After(deadline) {
			n.t.Fatalf("testinfra: nginx did not switch to new workers after a reload\n%s", tail(n.errorLog()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *Nginx) reloaded(old []int) bool {
	now := children(n.p.pid())
	fresh := false
	for _, c := range now {
		if !slices.Contains(old, c) {
			fresh = true
		} else if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", c)); !strings.Contains(string(b), "shutting down") {
			return false
		}
	}
	return fresh
}

// command is nginx run on this instance's prefix and configuration; -e
// keeps even start-up errors out of the system's log directory.
func (n *Nginx) command(args ...string) *exec.Cmd {
	cmd := exec.Command(n.bin, append([]string{"-p", n.dir + "/", "-c", n.mainConf(), "-e", n.errorLog()}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

func (n *Nginx) start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	args := n.command().Args[1:]
	p, err := startProc("nginx", filepath.Join(n.dir, "nginx.out"), n.dir, nil, nil, n.bin, args...)
	if err != nil {
		return err
	}
	ready := func() error {
		c, err := net.DialTimeout("tcp", n.Addr(), time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	}
	if err := waitReady(p, 30*time.Second, ready); err != nil {
		_ = p.stop(syscall.SIGKILL, 0)
		return err
	}
	n.p = p
	return nil
}

// writeConfig writes the main configuration (everything that is this
// test's: pid, logs, temporary paths, connection count) and the site,
// rendered for this port and upstreams.
func (n *Nginx) writeConfig(upstreams []string) error {
	site, err := RenderSite(n.site, n.Addr(), upstreams)
	if err != nil {
		return err
	}
	sitePath := filepath.Join(n.dir, "site.conf")
	if err := os.WriteFile(sitePath, []byte(site), 0o644); err != nil {
		return err
	}
	var tmp strings.Builder
	for _, k := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&tmp, "    %s_temp_path %s;\n", k, filepath.Join(n.dir, "tmp", k))
	}
	main := fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
pid %s;
error_log %s notice;
events {
    worker_connections 4096;
}
http {
    access_log %s;
%s    include %s;
}
`, filepath.Join(n.dir, "nginx.pid"), n.errorLog(), filepath.Join(n.dir, "access.log"), tmp.String(), sitePath)
	if err := os.MkdirAll(filepath.Join(n.dir, "tmp"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(n.mainConf(), []byte(main), 0o644)
}

var (
	upstreamBlock = regexp.MustCompile(`(?s)upstream\s+parley\s*\{(.*?)\n\}`)
	serverLine    = regexp.MustCompile(`(?m)^\s*server\s+[^;]*;[^\n]*\n`)
	listenLine    = regexp.MustCompile(`(?m)^(\s*)listen\s+[^;]*;`)
)

// RenderSite rewrites an http-context configuration for a test: the
// servers of "upstream parley" become upstreams, and every listen
// directive listens on listen (host:port) instead. Everything else is
// served as written, so that the test exercises the deployed file. It
// fails when the block or the directives are missing.
func RenderSite(site, listen string, upstreams []string) (string, error) {
	if len(upstreams) == 0 {
		return "", errors.New("testinfra: no upstreams")
	}
	m := upstreamBlock.FindStringSubmatchIndex(site)
	if m == nil {
		return "", errors.New("testinfra: the site has no `upstream parley { ... }` block")
	}
	body := site[m[2]:m[3]]
	if !serverLine.MatchString(body) {
		return "", errors.New("testinfra: `upstream parley` has no server line")
	}
	var servers strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&servers, "    server %s;\n", u)
	}
	body = servers.String() + serverLine.ReplaceAllString(body, "")
	site = site[:m[2]] + "\n" + body + site[m[3]:]
	if !listenLine.MatchString(site) {
		return "", errors.New("testinfra: the site has no listen directive")
	}
	return listenLine.ReplaceAllString(site, "${1}listen "+listen+";"), nil
}
