package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/client"
	"github.com/parley-voice/parley/internal/testinfra"
	"github.com/parley-voice/parley/jobs"
	"github.com/parley-voice/parley/store"
)

// cluster is PostgreSQL, Redis, three nodes and nginx in front of them.
type cluster struct {
	pg    *testinfra.Postgres
	redis *testinfra.Redis
	db    *store.DB // the test's own connection to the store
	nodes []*node
	args  []string // the nodes' flags
	nginx *testinfra.Nginx
}

// ws is the realtime endpoint through nginx.
func (c *cluster) ws() string {
	return "ws" + strings.TrimPrefix(c.nginx.URL(), "http") + "/v1/realtime"
}

// live is the nodes still running.
func (c *cluster) live() []*node {
	var out []*node
	for _, n := range c.nodes {
		select {
		case <-n.proc.Exited():
		default:
			out = append(out, n)
		}
	}
	return out
}

// key creates a key of plan and returns its secret and record.
func (c *cluster) key(t testing.TB, plan string) (string, store.Key) {
	t.Helper()
	secret, k, err := c.db.CreateKey(context.Background(), "cluster-"+plan, plan)
	if err != nil {
		t.Fatal(err)
	}
	return secret, k
}

func (c *cluster) usage(t testing.TB, k store.Key) int64 {
	t.Helper()
	chars, _, err := c.db.Usage(context.Background(), k.ID, store.Month(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return chars
}

func startCluster(t testing.TB) *cluster {
	t.Helper()
	c := &cluster{pg: testinfra.StartPostgres(t), redis: testinfra.StartRedis(t, testinfra.RedisOptions{})}
	url := c.pg.NewDatabase()
	db, err := store.OpenURL(context.Background(), url) // migrates it, before the nodes start
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c.db = db
	args := []string{"--store-url", url, "--redis-url", c.redis.URL(), "--trusted-proxies", "127.0.0.1/32",
		"--job-workers", "1", "--job-lease", "2s", "--job-webhooks-allow-private",
		"--engine-espeak-workers", "1", "--shutdown-grace", "2s",
		// The load clients speak back to back, far above the default
		// 100 generations a minute of a key.
		"--generations-per-min", "100000"}
	c.args = args
	c.nodes = make([]*node, 3)
	var wg sync.WaitGroup
	for i := range c.nodes {
		wg.Go(func() { c.nodes[i] = startNode(t, fmt.Sprintf("parley%d", i+1), "127.0.0.1:0", args...) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var ups []string
	for _, n := range c.nodes {
		ups = append(ups, n.addr)
	}
	c.nginx = testinfra.StartNginx(t, testinfra.NginxConfig{Site: testinfra.RepoFile(t, "deploy/nginx.conf"), Upstreams: ups})
	return c
}

// TestCluster runs three `parley serve` nodes on PostgreSQL and Redis
// behind nginx and checks, in order: connection limits and monthly quotas
// across nodes; a voice and a clone prompt made on one node used on the
// others; usage equal to the characters spoken; a Redis outage and a
// PostgreSQL outage survived as README "Running several nodes" says; and
// a node killed with SIGKILL under load, whose clients reconnect through
// nginx and finish their text and whose running job completes on another
// node.
func TestCluster(t *testing.T) {
	c := startCluster(t)
	t.Run("limits across nodes", func(t *testing.T) { testLimits(t, c) })
	t.Run("quota across nodes", func(t *testing.T) { testQuota(t, c) })
	t.Run("voices across nodes", func(t *testing.T) { testVoices(t, c) })
	t.Run("usage adds up", func(t *testing.T) { testUsage(t, c) })
	t.Run("redis outage", func(t *testing.T) { testRedisOutage(t, c) })
	t.Run("postgres outage", func(t *testing.T) { testPostgresOutage(t, c) })
	t.Run("kill -9 under load", func(t *testing.T) { testKill(t, c) })
}

// testLimits: with ten sessions of a key open through nginx, spread over
// the nodes, an eleventh is refused with 4004 whichever node it reaches;
// once one closes, another is admitted.
func testLimits(t *testing.T, c *cluster) {
	key, _ := c.key(t, "realtime")
	open := held(t, c.ws(), key, 10)
	for _, n := range c.nodes {
		if sp := refused(t, n.ws(), key); sp.code != 4004 {
			t.Errorf("an 11th session on %s: closed %d %q, want 4004", n.name, sp.code, sp.reason)
		}
	}
	if sp := refused(t, c.ws(), key); sp.code != 4004 {
		t.Errorf("an 11th session through nginx: closed %d %q, want 4004", sp.code, sp.reason)
	}
	open[0].close()
	waitFor(t, 10*time.Second, "a place freed by a close", func() bool {
		return refused(t, c.nodes[2].ws(), key).code == 0
	})
}

// testQuota: requests racing at the edge of a key's monthly quota, sent to
// every node at once, are admitted exactly as far as the quota goes.
func testQuota(t *testing.T, c *cluster) {
	ctx := context.Background()
	key, k := c.key(t, "free")
	const left, text = 100, "Thirty characters, no more...." // 30 characters
	quota := int64(50_000)
	if err := c.db.AddUsage(ctx, k.ID, store.Month(time.Now()), quota-left); err != nil {
		t.Fatal(err)
	}
	codes := make([]int, 9)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			var err error
			codes[i], _, _, err = do("POST", c.nodes[i%3].base()+"/v1/audio/speech", key, map[string]string{"text": text, "response_format": "pcm"})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	ok := 0
	for _, code := range codes {
		switch code {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("a request at the edge of the quota: %d, want 200 or 429", code)
		}
	}
	if want := left / len(text); ok != want {
		t.Errorf("%d requests of %d characters admitted with %d left, want %d (statuses %v)", ok, len(text), left, want, codes)
	}
	if used := c.usage(t, k); used != quota-left+int64(ok*len(text)) || used > quota {
		t.Errorf("usage %d after %d requests of %d, from %d", used, ok, len(text), quota-left)
	}
}

// testVoices: a voice saved on one node, and its clone prompt, speak on
// the others, in that voice.
func testVoices(t *testing.T, c *cluster) {
	key, _ := c.key(t, "scale")
	code, _, body := call(t, "POST", c.nodes[0].base()+"/v1/voices", key, map[string]string{"name": "Cluster", "voice_description": "a deep male voice, speaking slowly"})
	var v struct {
		ID          string `json:"id"`
		ClonePrompt string `json:"voice_clone_prompt"`
	}
	if err := json.Unmarshal(body, &v); err != nil || code != http.StatusOK && code != http.StatusCreated || v.ID == "" {
		t.Fatalf("saving a voice on %s: %d %s", c.nodes[0].name, code, body)
	}
	deep := func(what string, pcm []int16) {
		t.Helper()
		if d := audio.Duration(len(pcm), 24000); d < time.Second || d > 10*time.Second {
			t.Errorf("%s: %v of audio for one sentence", what, d)
		}
		if lvl := audio.RMSdBFS(pcm); lvl < -35 {
			t.Errorf("%s: level %.1f dBFS: silent", what, lvl)
		}
		if f0 := audio.AnalyzePitch(pcm, 24000).MedianHz; f0 > 140 {
			t.Errorf("%s: median F0 %.0f Hz: not the deep male voice saved", what, f0)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i, cfg := range []map[string]string{{"voice": v.ID}, {"voice_clone_prompt": v.ClonePrompt}} {
		n := c.nodes[1+i]
		s, err := open(ctx, n.ws(), key, cfg)
		if err != nil {
			t.Fatal(err)
		}
		sp, err := s.speak(ctx, "Saved on one node, spoken on another.")
		s.close()
		if err != nil || sp.code != 0 {
			t.Fatalf("speaking with %v on %s: %v, closed %d %q", cfg, n.name, err, sp.code, sp.reason)
		}
		deep(fmt.Sprintf("%v on %s", cfg, n.name), audio.BytesToPCM(nil, sp.pcm))
	}
	code, _, body = call(t, "POST", c.nodes[2].base()+"/v1/audio/speech", key, map[string]string{"text": "A clone prompt over HTTP.", "voice_clone_prompt": v.ClonePrompt})
	pcm, _, err := audio.ReadWAV(bytes.NewReader(body))
	if code != http.StatusOK || err != nil {
		t.Fatalf("HTTP with the clone prompt on %s: %d %v %.200s", c.nodes[2].name, code, err, body)
	}
	deep("HTTP with the clone prompt on "+c.nodes[2].name, pcm)
}

// texts are what the sessions of the usage and load tests say. They hold
// no numbers: a segment that is mostly a number is billed by its spoken
// length (tts.Segment.Billed), which done.characters does not report.
var texts = []string{
	"The quick brown fox jumps over the lazy dog, and then it rests in the shade of an old oak tree.",
	"On a bright morning in early March the train left on time and arrived two hours later, as planned.",
	"Every node of the cluster serves every client. Sessions are not sticky, and nothing is lost.",
	"Please call me back when you have a moment; I would like to talk about the report before Friday.",
}

// testUsage: sessions through nginx, spread over the nodes, are charged
// exactly the characters their done messages report.
func testUsage(t *testing.T, c *cluster) {
	key, k := c.key(t, "scale")
	before := map[string]float64{}
	for _, n := range c.nodes {
		before[n.name] = n.metric(t, "parley_realtime_sessions_total")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var (
		mu    sync.Mutex
		chars int
		wg    sync.WaitGroup
	)
	for i := range 6 {
		wg.Go(func() {
			conn, err := client.Dial(ctx, client.Config{URL: c.ws(), APIKey: key, Language: "English"})
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			for j := range 3 {
				_, done, err := conn.Speak(ctx, texts[(i+j)%len(texts)])
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				chars += done.Characters
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if used := c.usage(t, k); used != int64(chars) {
		t.Errorf("usage %d, but the done messages report %d characters spoken", used, chars)
	}
	served := 0
	for _, n := range c.nodes {
		if n.metric(t, "parley_realtime_sessions_total") > before[n.name] {
			served++
		}
	}
	if served < 2 {
		t.Errorf("the sessions went to %d node(s); nginx should spread them", served)
	}
}

// readyz is a node's /readyz status and details.
func readyz(t testing.TB, n *node) (int, map[string]string) {
	t.Helper()
	code, body := get(t, n.base()+"/readyz")
	var m map[string]string
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%s /readyz: %v: %s", n.name, err, body)
	}
	return code, m
}

// testRedisOutage: with Redis stopped every node keeps serving, counting
// alone (a key's ten sessions on one node, the eleventh refused there and
// admitted on another), says so once in its log, in /metrics and in
// /readyz (still ready); when Redis returns each says so once and counts
// are shared again, the sessions opened meanwhile included.
func testRedisOutage(t *testing.T, c *cluster) {
	key, _ := c.key(t, "realtime")
	c.redis.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, n := range c.nodes {
		s, err := open(ctx, n.ws(), key, nil)
		if err != nil {
			t.Fatal(err)
		}
		sp, err := s.speak(ctx, "Redis is down, and I still speak.")
		s.close()
		if err != nil || sp.code != 0 || sp.chars == 0 {
			t.Fatalf("%s during the Redis outage: %v, closed %d %q", n.name, err, sp.code, sp.reason)
		}
	}
	for _, n := range c.nodes {
		waitFor(t, 10*time.Second, n.name+" parley_redis_up 0", func() bool { return n.metric(t, "parley_redis_up") == 0 })
		if code, m := readyz(t, n); code != http.StatusOK || !strings.HasPrefix(m["redis"], "unreachable since ") {
			t.Errorf("%s /readyz during the Redis outage: %d %v, want ready with redis unreachable", n.name, code, m)
		}
	}
	open := held(t, c.nodes[0].ws(), key, 10)
	if sp := refused(t, c.nodes[0].ws(), key); sp.code != 4004 {
		t.Errorf("an 11th session on the node holding 10, Redis down: closed %d %q, want 4004 (its own count)", sp.code, sp.reason)
	}
	if sp := refused(t, c.nodes[1].ws(), key); sp.code != 0 {
		t.Errorf("an 11th session on another node, Redis down: closed %d %q, want admitted (each node counts alone)", sp.code, sp.reason)
	}
	for _, n := range c.nodes {
		if got := n.logCount("redis unreachable"); got != 1 {
			t.Errorf("%s logged the Redis outage %d times, want once", n.name, got)
		}
	}

	c.redis.Start()
	for _, n := range c.nodes {
		waitFor(t, 20*time.Second, n.name+" parley_redis_up 1", func() bool { return n.metric(t, "parley_redis_up") == 1 })
		if code, m := readyz(t, n); code != http.StatusOK || m["redis"] != "up" {
			t.Errorf("%s /readyz after the Redis outage: %d %v", n.name, code, m)
		}
		if got := n.logCount("redis reachable again"); got != 1 {
			t.Errorf("%s logged Redis's return %d times, want once", n.name, got)
		}
	}
	if sp := refused(t, c.nodes[1].ws(), key); sp.code != 4004 {
		t.Errorf("an 11th session on another node once Redis is back: closed %d %q, want 4004 (the ten written back)", sp.code, sp.reason)
	}
	for _, s := range open {
		s.close()
	}
}

// testPostgresOutage: with PostgreSQL stopped, a session already running
// goes on speaking; a new session is closed with 4005 and a new request
// gets 503, each saying why; every node's /readyz fails; the characters
// spoken meanwhile wait in memory and reach the store when it returns,
// none lost.
func testPostgresOutage(t *testing.T, c *cluster) {
	key, k := c.key(t, "scale")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	running, err := open(ctx, c.ws(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer running.close()
	say := func(text string) int {
		t.Helper()
		sp, err := running.speak(ctx, text)
		if err != nil || sp.code != 0 || sp.chars == 0 {
			t.Fatalf("the running session saying %q: %v, closed %d %q", text, err, sp.code, sp.reason)
		}
		return sp.chars
	}
	spoken := say("Before the database goes away.")

	c.pg.Stop()
	during := say("The database is down, and this session still speaks.")
	spoken += during
	s, err := open(ctx, c.ws(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := s.speak(ctx, "Hello?")
	s.close()
	if err != nil || sp.code != 4005 || !strings.Contains(sp.reason, "database cannot be reached") {
		t.Errorf("a new session during the outage: %v, closed %d %q; want 4005 saying why", err, sp.code, sp.reason)
	}
	code, hdr, body := call(t, "POST", c.nginx.URL()+"/v1/audio/speech", key, map[string]string{"text": "A new request."})
	if code != http.StatusServiceUnavailable || !strings.Contains(string(body), "database cannot be reached") || hdr.Get("Retry-After") == "" {
		t.Errorf("a new request during the outage: %d %s (Retry-After %q); want 503 saying why", code, body, hdr.Get("Retry-After"))
	}
	var pending float64
	for _, n := range c.live() {
		if code, _ := readyz(t, n); code != http.StatusServiceUnavailable {
			t.Errorf("%s /readyz during the outage: %d, want 503", n.name, code)
		}
		pending += n.metric(t, "parley_usage_charges_pending_chars")
	}
	if pending != float64(during) {
		t.Errorf("%v characters pending in the nodes' memory, want the %d spoken during the outage", pending, during)
	}

	c.pg.Start()
	for _, n := range c.live() {
		waitFor(t, 30*time.Second, n.name+" ready again", func() bool { return status(n.base()+"/readyz") == http.StatusOK })
	}
	waitFor(t, 30*time.Second, "the characters spoken during the outage in the store", func() bool {
		chars, _, err := c.db.Usage(ctx, k.ID, store.Month(time.Now()))
		return err == nil && chars == int64(spoken)
	})
	spoken += say("And after it, too.")
	if used := c.usage(t, k); used != int64(spoken) {
		t.Errorf("usage %d, %d characters spoken", used, spoken)
	}
}

// loadClient is one Go client of the kill test, speaking generation after
// generation until told to stop, and what happened to it.
type loadClient struct {
	mu sync.Mutex
	loadState
}

type loadState struct {
	gens, dones   int
	chars         int
	reconnects    int
	reconnectedAt time.Time // first Reconnected
	audioAfter    time.Time // first audio after it
	lastDone      time.Time
	err           error
}

// state is what has happened so far.
func (lc *loadClient) state() loadState {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return lc.loadState
}

func (lc *loadClient) update(f func(s *loadState)) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	f(&lc.loadState)
}

func (lc *loadClient) fail(err error) { lc.update(func(s *loadState) { s.err = err }) }

func (lc *loadClient) run(ctx context.Context, cfg client.Config, stop <-chan struct{}, first int) {
	conn, err := client.Dial(ctx, cfg)
	if err != nil {
		lc.fail(err)
		return
	}
	defer conn.Close()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		lc.update(func(s *loadState) { s.gens++ })
		if err := conn.SendText(ctx, texts[(first+i)%len(texts)]+" "+texts[(first+i+1)%len(texts)]); err != nil {
			lc.fail(err)
			return
		}
		if err := conn.Flush(ctx); err != nil {
			lc.fail(err)
			return
		}
		for done := false; !done; {
			var ev client.Event
			select {
			case <-ctx.Done():
				lc.fail(ctx.Err())
				return
			case e, ok := <-conn.Events():
				if !ok {
					lc.fail(fmt.Errorf("events ended: %w", conn.Err()))
					return
				}
				ev = e
			}
			now := time.Now()
			switch e := ev.(type) {
			case *client.Audio:
				lc.update(func(s *loadState) {
					if !s.reconnectedAt.IsZero() && s.audioAfter.IsZero() {
						s.audioAfter = now
					}
				})
			case *client.Reconnected:
				if !e.Replayed {
					lc.fail(errors.New("a generation was dropped, not replayed"))
					return
				}
				lc.update(func(s *loadState) {
					s.reconnects++
					if s.reconnectedAt.IsZero() {
						s.reconnectedAt = now
					}
				})
			case *client.ErrorEvent:
				lc.fail(fmt.Errorf("server error %d: %s", e.Code, e.Message))
				return
			case *client.Done:
				if e.Generation == i+1 {
					done = true
					lc.update(func(s *loadState) {
						s.dones++
						s.chars += e.Characters
						s.lastDone = now
					})
				}
			}
		}
	}
}

// recovered reports whether a client has come through a kill at killed:
// it heard audio after reconnecting, or finished a generation since
// without having to.
func (s loadState) recovered(killed time.Time) bool {
	if s.reconnects > 0 {
		return !s.audioAfter.IsZero()
	}
	return s.lastDone.After(killed)
}

// testKill kills, with SIGKILL, the node running an async job while six Go
// clients speak through nginx: the clients of that node reconnect through
// nginx (the client's backoff) and finish every generation they started,
// and the job is taken back and completed by another node, its webhook
// received once.
func testKill(t *testing.T, c *cluster) {
	key, k := c.key(t, "scale")
	sink := newWebhookSink(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	stop := make(chan struct{})
	clients := make([]*loadClient, 6)
	var wg sync.WaitGroup
	for i := range clients {
		clients[i] = &loadClient{}
		wg.Go(func() {
			clients[i].run(ctx, client.Config{URL: c.ws(), APIKey: key, Language: "English"}, stop, i)
		})
	}
	stopped := false
	defer func() {
		if !stopped {
			close(stop)
			cancel()
			wg.Wait()
		}
	}()

	job := strings.Repeat(texts[0]+" "+texts[1]+" ", 3) // about 600 characters: seconds of synthesis under this load
	code, _, body := call(t, "POST", c.nginx.URL()+"/v1/audio/speech", key, map[string]string{"text": job, "webhook_url": sink.URL})
	var sub struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(body, &sub); err != nil || code != http.StatusAccepted {
		t.Fatalf("submitting the job: %d %s", code, body)
	}
	var victim *node
	waitFor(t, 30*time.Second, "the job running", func() bool {
		j, err := c.db.GetJob(ctx, k.AccountID, sub.JobID)
		if err != nil || j.Status != store.JobRunning {
			return false
		}
		for _, n := range c.nodes {
			if n.job == j.LeaseOwner {
				victim = n
			}
		}
		return victim != nil
	})
	var sessions float64
	waitFor(t, 10*time.Second, "sessions on "+victim.name, func() bool {
		sessions = victim.metric(t, "parley_realtime_sessions")
		return sessions > 0
	})
	killed := time.Now()
	victim.proc.Kill()
	t.Logf("killed %s, which ran the job and %v sessions", victim.name, sessions)

	var j store.Job
	retaken := time.Duration(0)
	waitFor(t, 60*time.Second, "the job done elsewhere", func() bool {
		var err error
		j, err = c.db.GetJob(ctx, k.AccountID, sub.JobID)
		if err == nil && retaken == 0 && j.Status == store.JobRunning && j.LeaseOwner != victim.job {
			retaken = time.Since(killed)
		}
		return err == nil && (j.Status == store.JobSucceeded || j.Status == store.JobFailed)
	})
	t.Logf("the job: running again on another node %v after the kill, done %v after it",
		retaken.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
	// Every client speaks again after the kill, then finishes what it
	// started.
	waitFor(t, 30*time.Second, "every client speaking again", func() bool {
		for _, lc := range clients {
			if s := lc.state(); s.err == nil && !s.recovered(killed) {
				return false
			}
		}
		return true
	})
	close(stop)
	wg.Wait()
	stopped = true

	if j.Status != store.JobSucceeded || j.Attempts != 2 {
		t.Errorf("job: %s after %d attempts (%s), want succeeded at the second, on another node", j.Status, j.Attempts, j.Error)
	}
	waitFor(t, 30*time.Second, "the webhook", func() bool { return sink.count(jobs.IdempotencyKey(sub.JobID)) > 0 })
	code, _, body = call(t, "GET", c.nginx.URL()+"/v1/jobs/"+sub.JobID+"/audio", key, nil)
	pcm, _, err := audio.ReadWAV(bytes.NewReader(body))
	if code != http.StatusOK || err != nil || audio.Duration(len(pcm), 24000) < 20*time.Second {
		t.Errorf("the job's audio through nginx: %d, %v, %v of audio for %d characters", code, err, audio.Duration(len(pcm), 24000), len(job))
	}

	var failovers []time.Duration
	reconnected := 0
	for i, c := range clients {
		lc := c.state()
		switch {
		case lc.err != nil:
			t.Errorf("client %d: %v", i, lc.err)
		case lc.dones != lc.gens:
			t.Errorf("client %d finished %d of the %d generations it started", i, lc.dones, lc.gens)
		case lc.reconnects > 0 && !lc.lastDone.After(lc.reconnectedAt):
			t.Errorf("client %d reconnected and finished nothing since", i)
		}
		if lc.reconnects > 0 {
			reconnected++
			failovers = append(failovers, lc.audioAfter.Sub(lc.reconnectedAt))
			t.Logf("client %d: reconnected %v after the kill, first audio %v after reconnecting (%v after the kill)",
				i, lc.reconnectedAt.Sub(killed).Round(time.Millisecond), lc.audioAfter.Sub(lc.reconnectedAt).Round(time.Millisecond),
				lc.audioAfter.Sub(killed).Round(time.Millisecond))
		}
	}
	if reconnected == 0 {
		t.Errorf("no client reconnected: none was on %s", victim.name)
	}
	slices.Sort(failovers)
	if len(failovers) > 0 && failovers[len(failovers)-1] > 5*time.Second {
		t.Errorf("first audio after a reconnection took up to %v", failovers[len(failovers)-1])
	}
	if n := sink.count(jobs.IdempotencyKey(sub.JobID)); n != 1 {
		t.Errorf("%d webhooks for the job, want 1", n)
	}
}
