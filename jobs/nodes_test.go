package jobs

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/store"
)

// The tests below run several nodes on one PostgreSQL database, as a
// cluster does: each node its own store connection and Manager, none
// sharing a disk.

// nodeConfig is fastConfig for a node of a shared store: no data
// directory, its own id, a short lease.
func nodeConfig(id string, lease time.Duration) Config {
	cfg := fastConfig("")
	cfg.NodeID = id
	cfg.Lease = lease
	return cfg
}

// TestNodesShareTheQueue runs three nodes on one database: every job
// submitted to any of them is run exactly once, by one node, its audio is
// readable from every node's store, and its webhook is received once,
// carrying the job's idempotency key.
func TestNodesShareTheQueue(t *testing.T) {
	url := postgresURL(t)
	rcv := newReceiver(t, always(http.StatusOK))
	runner := &writeRunner{}
	var (
		nodes []*Manager
		dbs   []*store.DB
	)
	for i := range 3 {
		db := openURL(t, url)
		e := &env{db: db}
		cfg := nodeConfig(fmt.Sprint("node-", i), 3*time.Second)
		cfg.Workers = 2
		nodes = append(nodes, e.start(t, cfg, runner))
		dbs = append(dbs, db)
	}
	_, k, err := dbs[0].CreateKey(context.Background(), "k", "pro")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: dbs[0], key: k}
	var jobs []store.Job
	for i := range 30 {
		jobs = append(jobs, e.submit(t, nodes[i%3], rcv.URL))
	}
	for i, j := range jobs {
		got := waitJob(t, dbs[i%3], j, "delivered", deliveryOver)
		if got.Status != store.JobSucceeded || got.Attempts != 1 || got.DeliveryStatus != store.DeliveryDelivered || got.DeliveryAttempts != 1 {
			t.Errorf("job %s = %+v; want succeeded at the first attempt, delivered once", j.ID, got)
		}
		if n := runner.callCount(j.ID); n != 1 {
			t.Errorf("job %s ran %d times", j.ID, n)
		}
		checkAudio(t, dbs[(i+1)%3], got) // from another node's store
	}
	seen := map[string]int{}
	for _, d := range rcv.received() {
		key := d.header.Get(IdempotencyHeader)
		seen[key]++
		var j store.Job
		for _, c := range jobs {
			if c.ID == d.header.Get(JobHeader) {
				j = c
			}
		}
		if w := checkWebhook(t, d, j); w.IdempotencyKey != key || key != IdempotencyKey(j.ID) || w.DeliveryAttempt != 1 {
			t.Errorf("webhook of %s: key %q in the body, %q in the header; attempt %d", j.ID, w.IdempotencyKey, key, w.DeliveryAttempt)
		}
	}
	for _, j := range jobs {
		if seen[IdempotencyKey(j.ID)] != 1 {
			t.Errorf("webhook of %s received %d times, want once", j.ID, seen[IdempotencyKey(j.ID)])
		}
	}
}

// nodeChildEnv, when set to a store URL, turns the test binary into the
// node that TestKilledNodesJobRunsAgain kills.
const nodeChildEnv = "PARLEY_JOBS_NODE_CHILD"

// nodeChild runs a node on the store at url whose runner prints "running
// JOB" and then hangs: it is killed (SIGKILL) mid-job.
func nodeChild(url string) int {
	ctx := context.Background()
	db, err := store.OpenURL(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	hang := runnerFunc(func(ctx context.Context, j store.Job, w io.Writer) error {
		fmt.Printf("running %s\n", j.ID)
		time.Sleep(time.Minute) // a lost parent does not leave it for long
		return nil
	})
	m, err := New(nodeConfig("node-killed", 2*time.Second), db, hang)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	m.Start()
	time.Sleep(time.Minute)
	return 2
}

// TestKilledNodesJobRunsAgain kills (SIGKILL) a node process in the middle
// of a job: another node takes the job back once its lease lapses, runs
// it, and sends its webhook once; the killed node's attempt counts.
func TestKilledNodesJobRunsAgain(t *testing.T) {
	url := postgresURL(t)
	db := openURL(t, url)
	_, k, err := db.CreateKey(context.Background(), "k", "pro")
	if err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t, always(http.StatusOK))
	j, err := db.CreateJob(context.Background(), store.Job{AccountID: k.AccountID, KeyID: k.ID, Request: []byte(`{}`), Format: "wav", WebhookURL: rcv.URL}, store.JobLimits{})
	if err != nil {
		t.Fatal(err)
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), nodeChildEnv+"="+url)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Scan()
		line <- sc.Text()
		io.Copy(io.Discard, out)
	}()
	select {
	case l := <-line:
		if l != "running "+j.ID {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child said %q: %s", l, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child never ran the job: %s", stderr.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	dead := waitJob(t, db, j, "read", func(store.Job) bool { return true })
	if dead.Status != store.JobRunning || dead.LeaseOwner != "node-killed" || dead.LeaseUntil == nil {
		t.Fatalf("job after the kill = %+v, want running on node-killed", dead)
	}

	runner := &writeRunner{}
	e := &env{db: openURL(t, url), key: k}
	e.start(t, nodeConfig("node-alive", 2*time.Second), runner)
	got := waitJob(t, e.db, j, "delivered", deliveryOver)
	if got.Status != store.JobSucceeded || got.Attempts != 2 || runner.callCount(j.ID) != 1 {
		t.Errorf("job = %+v, run %d times here; want succeeded at attempt 2", got, runner.callCount(j.ID))
	}
	// Not before the killed node's lease lapsed.
	if got.FinishedAt.Before(*dead.LeaseUntil) {
		t.Errorf("the job finished at %v, before the killed node's lease lapsed at %v", got.FinishedAt, dead.LeaseUntil)
	}
	checkAudio(t, e.db, got)
	if n := len(rcv.received()); n != 1 {
		t.Errorf("receiver got %d webhooks, want 1", n)
	}
}

// TestLostLeaseStopsTheAttempt: a node that finds its lease on a running
// job gone (the job taken back while the node was cut off) cancels the
// attempt and records nothing; the job is the other node's.
func TestLostLeaseStopsTheAttempt(t *testing.T) {
	url := postgresURL(t)
	db := openURL(t, url)
	var (
		mu      sync.Mutex
		causes  []error
		started = make(chan struct{}, 1)
	)
	hang := runnerFunc(func(ctx context.Context, j store.Job, w io.Writer) error {
		started <- struct{}{}
		<-ctx.Done()
		mu.Lock()
		causes = append(causes, context.Cause(ctx))
		mu.Unlock()
		return ctx.Err()
	})
	_, k, err := db.CreateKey(context.Background(), "k", "pro")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, key: k}
	// A lease so long that node-a's heartbeat does not beat by itself
	// during the test: the test makes it beat once the job is gone.
	cfg := nodeConfig("node-a", time.Hour)
	cfg.Workers = 1 // busy with the job: nothing on node-a claims it back
	m := e.start(t, cfg, hang)
	j := e.submit(t, m, "")
	<-started
	// Another node takes the job as if node-a's lease had lapsed.
	other := openURL(t, url)
	if _, err := other.RequeueRunning(context.Background(), 5); err != nil {
		t.Fatal(err)
	}
	stolen, ok, err := other.ClaimJob(context.Background(), "node-b", time.Hour)
	if err != nil || !ok || stolen.ID != j.ID {
		t.Fatalf("node-b's claim = %+v, %v, %v", stolen, ok, err)
	}
	m.beat()
	eventually(t, "node-a cancels its attempt", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(causes) == 1
	})
	if causes[0] != errLeaseLost {
		t.Errorf("attempt cancelled with %v, want errLeaseLost", causes[0])
	}
	time.Sleep(100 * time.Millisecond)
	if got := waitJob(t, db, j, "read", func(store.Job) bool { return true }); got.Status != store.JobRunning || got.LeaseOwner != "node-b" || got.Attempts != stolen.Attempts {
		t.Errorf("job = %+v, want still node-b's", got)
	}
}
