package testinfra

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// redisDo sends one command and returns the first line of the answer.
func redisDo(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	req := fmt.Sprintf("*%d\r\n", len(args))
	for _, a := range args {
		req += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, req); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "$") && line != "$-1" {
		line, err = r.ReadString('\n')
		return strings.TrimSpace(line), err
	}
	return line, nil
}

func TestRedisOutageAndRestart(t *testing.T) {
	for _, persist := range []bool{false, true} {
		t.Run(fmt.Sprintf("persist=%v", persist), func(t *testing.T) {
			r := StartRedis(t, RedisOptions{Persist: persist})
			if got, err := redisDo(r.Addr(), "SET", "k", "v"); err != nil || got != "+OK" {
				t.Fatalf("SET = %q, %v", got, err)
			}
			pid := r.p.pid()
			r.Stop()
			if left := groupMembers(pid); len(left) > 0 {
				t.Fatalf("processes %v left after Stop", left)
			}
			if _, err := redisDo(r.Addr(), "PING"); err == nil {
				t.Fatal("a stopped Redis answered")
			}
			r.Start()
			got, err := redisDo(r.Addr(), "GET", "k")
			if err != nil {
				t.Fatal(err)
			}
			want := "$-1" // gone: no persistence
			if persist {
				want = "v"
			}
			if got != want {
				t.Fatalf("GET after a restart = %q, want %q", got, want)
			}
		})
	}
}

func TestRedisPause(t *testing.T) {
	r := StartRedis(t, RedisOptions{})
	r.Pause()
	if _, err := redisDo(r.Addr(), "PING"); err == nil {
		t.Fatal("a paused Redis answered")
	}
	r.Resume()
	if got, err := redisDo(r.Addr(), "PING"); err != nil || got != "+PONG" {
		t.Fatalf("PING after Resume = %q, %v", got, err)
	}
	// Cleanup must stop a paused server too.
	r.Pause()
}

func TestPostgres(t *testing.T) {
	pg := StartPostgres(t)
	if got := pg.PSQL(pg.URL(), "SELECT 1 + 1"); got != "2" {
		t.Fatalf("SELECT 1 + 1 = %q", got)
	}
	if os.Geteuid() == 0 {
		if uid := procUID(t, pg.p.pid()); uid == "0" {
			t.Fatal("postgres runs as root")
		}
	}
	db := pg.NewDatabase()
	if db == pg.URL() || pg.NewDatabase() == db {
		t.Fatal("NewDatabase did not give a new database")
	}
	pg.PSQL(db, "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')")
	if _, err := pg.psql(pg.URL(), "SELECT * FROM t"); err == nil {
		t.Fatal("a table of one database is visible in another")
	}

	pid := pg.p.pid()
	pg.Stop()
	if left := groupMembers(pid); len(left) > 0 {
		t.Fatalf("processes %v left after Stop", left)
	}
	if _, err := pg.psql(db, "SELECT 1"); err == nil {
		t.Fatal("a stopped PostgreSQL answered")
	}
	pg.Start()
	if got := pg.PSQL(db, "SELECT v FROM t"); got != "kept" {
		t.Fatalf("after a restart the table holds %q, want kept", got)
	}
}

func procUID(t *testing.T, pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" {
			return f[1]
		}
	}
	t.Fatal("no Uid in /proc/PID/status")
	return ""
}

// upstream is an HTTP server that answers with its name and the
// X-Forwarded-For it received.
func upstream(t *testing.T, name string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", name, r.Header.Get("X-Forwarded-For"))
	}))
	t.Cleanup(s.Close)
	return s
}

func get(t *testing.T, url string, header http.Header) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestNginxWithTheDeployedSite(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	a, b := upstream(t, "a"), upstream(t, "b")
	n := StartNginx(t, NginxConfig{Site: RepoFile(t, "deploy/nginx.conf"), Upstreams: []string{a.Listener.Addr().String()}})
	if got := get(t, n.URL()+"/", http.Header{"X-Forwarded-For": {"203.0.113.9"}}); got != "a 203.0.113.9, 127.0.0.1" {
		t.Fatalf("through nginx: %q, want upstream a with nginx's peer appended to X-Forwarded-For", got)
	}
	n.Reload([]string{b.Listener.Addr().String()})
	// A kept-alive connection stays with the old worker and its upstreams.
	http.DefaultClient.CloseIdleConnections()
	if got := get(t, n.URL()+"/", nil); got != "b 127.0.0.1" {
		t.Fatalf("after a reload: %q, want upstream b", got)
	}
	if !strings.Contains(n.ErrorLog(), "reconfiguring") {
		t.Fatalf("nginx's error log does not show the reload:\n%s", n.ErrorLog())
	}
}

func TestRenderSite(t *testing.T) {
	site := RepoFile(t, "deploy/nginx.conf")
	out, err := RenderSite(site, "127.0.0.1:9999", []string{"127.0.0.1:1", "127.0.0.1:2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server 127.0.0.1:1;", "server 127.0.0.1:2;", "listen 127.0.0.1:9999;", "keepalive 32;", "least_conn;"} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered site lacks %q", want)
		}
	}
	for _, gone := range []string{"parley1:8080", "listen 80;"} {
		if strings.Contains(out, gone) {
			t.Errorf("rendered site still has %q", gone)
		}
	}
	for _, bad := range []string{"server { listen 80; }", "upstream parley {\n    keepalive 1;\n}\nserver { listen 80; }", "upstream parley {\n    server a:1;\n}\n"} {
		if _, err := RenderSite(bad, "127.0.0.1:1", []string{"x:1"}); err == nil {
			t.Errorf("RenderSite(%q) succeeded", bad)
		}
	}
}

// TestCleanupLeavesNothing starts every server in a subtest and checks,
// once the subtest's cleanups have run, that no process of any is left.
func TestCleanupLeavesNothing(t *testing.T) {
	var groups []int
	t.Run("servers", func(t *testing.T) {
		r := StartRedis(t, RedisOptions{})
		pg := StartPostgres(t)
		// A connection held open makes PostgreSQL fork a backend, which
		// must go too.
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(pg.port)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		up := upstream(t, "a")
		n := StartNginx(t, NginxConfig{Site: RepoFile(t, "deploy/nginx.conf"), Upstreams: []string{up.Listener.Addr().String()}})
		groups = []int{r.p.pid(), pg.p.pid(), n.p.pid()}
		for _, g := range groups {
			if len(groupMembers(g)) == 0 {
				t.Fatalf("process group %d is empty while its server runs", g)
			}
		}
		if len(groupMembers(n.p.pid())) < 2 {
			t.Fatal("nginx runs no worker")
		}
	})
	for _, g := range groups {
		if left := groupMembers(g); len(left) > 0 {
			t.Errorf("process group %d still has %v after cleanup", g, left)
		}
	}
}
