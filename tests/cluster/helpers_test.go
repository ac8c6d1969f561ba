package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/parley-voice/parley/internal/testinfra"
	"github.com/parley-voice/parley/jobs"
)

// parleyBin is the `parley` the nodes run, built by TestMain.
var parleyBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "parley-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	parleyBin = filepath.Join(dir, "parley")
	if err := build(parleyBin); err != nil {
		os.RemoveAll(dir)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { os.RemoveAll(dir) }))
}

// build builds cmd/parley to out with the go tool that built this test.
func build(out string) error {
	gotool, err := exec.LookPath("go")
	if err != nil {
		gotool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	args := []string{"build", "-o", out}
	if raceBuild {
		args = append(args, "-race")
	}
	cmd := exec.Command(gotool, append(args, "github.com/parley-voice/parley/cmd/parley")...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building parley: %v\n%s", err, b)
	}
	return nil
}

// node is one `parley serve` of the cluster.
type node struct {
	name string
	proc *testinfra.Process
	addr string // host:port
	job  string // its name in job leases
}

func (n *node) base() string { return "http://" + n.addr }
func (n *node) ws() string   { return "ws://" + n.addr + "/v1/realtime" }

// startNode starts `parley serve` on addr (port 0: a free one) with args
// and waits until it is ready.
func startNode(t testing.TB, name, addr string, args ...string) *node {
	t.Helper()
	all := append([]string{"serve", "--addr", addr, "--data", t.TempDir(), "--log-format", "json"}, args...)
	n := &node{name: name, proc: testinfra.StartProcess(t, testinfra.ProcessConfig{Name: name, Bin: parleyBin, Args: all})}
	deadline := time.Now().Add(60 * time.Second)
	for n.addr == "" {
		sc := bufio.NewScanner(strings.NewReader(n.proc.Log()))
		for sc.Scan() {
			var l struct {
				Msg     string `json:"msg"`
				Addr    string `json:"addr"`
				JobNode string `json:"job_node"`
			}
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "parley listening" {
				n.addr, n.job = l.Addr, l.JobNode
			}
		}
		select {
		case <-n.proc.Exited():
			t.Fatalf("%s exited before listening:\n%s", name, n.proc.Log())
		default:
		}
		if n.addr == "" && time.Now().After(deadline) {
			t.Fatalf("%s did not listen within a minute:\n%s", name, n.proc.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitFor(t, 30*time.Second, name+" ready", func() bool { return status(n.base()+"/readyz") == http.StatusOK })
	return n
}

// logCount counts the node's log lines whose message contains msg.
func (n *node) logCount(msg string) int {
	c := 0
	sc := bufio.NewScanner(strings.NewReader(n.proc.Log()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && strings.Contains(l.Msg, msg) {
			c++
		}
	}
	return c
}

// metric reads an unlabelled sample of the node's /metrics.
func (n *node) metric(t testing.TB, name string) float64 {
	t.Helper()
	_, body := get(t, n.base()+"/metrics")
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %s: %v", n.name, l, err)
			}
			return f
		}
	}
	t.Fatalf("%s: /metrics has no %s", n.name, name)
	return 0
}

func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// status is url's HTTP status, 0 when it does not answer.
func status(url string) int {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	code, _, body := call(t, "GET", url, "", nil)
	return code, string(body)
}

// call makes one API request with key and returns the status, headers and
// body.
func call(t testing.TB, method, url, key string, body any) (int, http.Header, []byte) {
	t.Helper()
	code, hdr, b, err := do(method, url, key, body)
	if err != nil {
		t.Fatal(err)
	}
	return code, hdr, b
}

// do is call for goroutines other than the test's.
func do(method, url, key string, body any) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	c := http.Client{Timeout: 60 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// session is a raw realtime WebSocket, for what the Go client hides: close
// codes and reasons.
type session struct {
	c *websocket.Conn
}

// open dials url and configures a session with key and extra config
// fields (a voice).
func open(ctx context.Context, url, key string, extra map[string]string) (*session, error) {
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	cfg := map[string]string{"type": "config", "api_key": key, "language": "English"}
	for k, v := range extra {
		cfg[k] = v
	}
	b, _ := json.Marshal(cfg)
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		c.CloseNow()
		return nil, err
	}
	return &session{c: c}, nil
}

// spoken is what speak heard: the done's characters and the audio, or the
// close code and reason if the server closed the session instead.
type spoken struct {
	chars  int
	pcm    []byte
	code   websocket.StatusCode
	reason string
}

// speak sends text and a flush and reads until done or a close.
func (s *session) speak(ctx context.Context, text string) (spoken, error) {
	for _, m := range []string{`{"type":"text","text":` + strconv.Quote(text) + `}`, `{"type":"flush"}`} {
		if err := s.c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			return spoken{}, err
		}
	}
	var out spoken
	for {
		typ, b, err := s.c.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				out.code, out.reason = ce.Code, ce.Reason
				return out, nil
			}
			return out, err
		}
		if typ != websocket.MessageText {
			continue
		}
		var m struct {
			Type       string `json:"type"`
			Chunk      []byte `json:"chunk"`
			Characters int    `json:"characters"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return out, err
		}
		switch m.Type {
		case "audio":
			out.pcm = append(out.pcm, m.Chunk...)
		case "done":
			out.chars = m.Characters
			return out, nil
		}
	}
}

func (s *session) close() { s.c.CloseNow() }

// held opens n sessions of key on url, each proven admitted by speaking a
// word, concurrently.
func held(t testing.TB, url, key string, n int) []*session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := make([]*session, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := open(ctx, url, key, nil)
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = s
			sp, err := s.speak(ctx, "Held.")
			if err == nil && sp.code != 0 {
				err = fmt.Errorf("closed %d %s", sp.code, sp.reason)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, s := range out {
			if s != nil {
				s.close()
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("holding %d sessions on %s: %v", n, url, err)
	}
	return out
}

// refused opens one more session of key on url and returns how the server
// closed it (0 if it spoke instead).
func refused(t testing.TB, url, key string) spoken {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := open(ctx, url, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	sp, err := s.speak(ctx, "One too many.")
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// webhookSink records the Idempotency-Key of every webhook it receives.
type webhookSink struct {
	*httptest.Server
	mu   sync.Mutex
	keys map[string]int
}

func newWebhookSink(t testing.TB) *webhookSink {
	s := &webhookSink{keys: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		s.keys[r.Header.Get(jobs.IdempotencyHeader)]++
		s.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *webhookSink) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[key]
}
