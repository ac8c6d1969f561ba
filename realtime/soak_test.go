//go:build e2e

package realtime_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/server"
)

var (
	soakDuration = flag.Duration("soak", 30*time.Second, "duration of TestSoak (e.g. 10m for the long run)")
	soakSessions = flag.Int("soak-sessions", 100, "concurrent sessions of TestSoak")
)

// rssBytes reads the process's resident set size.
func rssBytes(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

type sample struct {
	goroutines int
	rss, heap  int64
}

func (s sample) String() string {
	return fmt.Sprintf("%d goroutines, RSS %.1f MiB, heap %.1f MiB", s.goroutines, float64(s.rss)/(1<<20), float64(s.heap)/(1<<20))
}

func measure(t *testing.T) sample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return sample{goroutines: runtime.NumGoroutine(), rss: rssBytes(t), heap: int64(ms.HeapAlloc)}
}

// TestSoak runs sessions that stream generations, and reconnect now and
// then, for -soak: goroutines and memory after the warm-up must stay flat,
// and everything must go away with the sessions. The default, in the test
// command, is 100 sessions for 30 s; the long run is
// go test -tags e2e ./realtime -run Soak -timeout 30m -args -soak 10m.
func TestSoak(t *testing.T) {
	h := newHarness(t, roomy, func(c *server.Config) {
		c.Limits.MaxConns = 10_000
		c.Limits.MaxConnsPerIP = 10_000
	})
	idle := measure(t)
	warmup := min(*soakDuration/5, 30*time.Second)
	texts := []string{
		"Good morning, and welcome back. Here is the news for today.",
		"The weather will be mild, with a little rain in the afternoon, clearing by evening.",
		"Traffic is light on the main roads; allow extra time near the bridge.",
		sentence,
	}
	var (
		wg          sync.WaitGroup
		generations atomic.Int64
		reconnects  atomic.Int64
		stop        = make(chan struct{})
	)
	for i := 0; i < *soakSessions; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := 0; ; n++ {
				// A fresh connection every ten generations, so that
				// session set-up and teardown are soaked too.
				c := dialURL(t, h.url, dialConfig{})
				c.config(h.key, msg{"language": "English"})
				c.send(msg{"type": "binary_mode"})
				c.expect(protocol.TypeBinaryModeAck)
				for k := 0; k < 10; k++ {
					select {
					case <-stop:
						c.c.CloseNow()
						return
					default:
					}
					text := texts[(i+n+k)%len(texts)]
					c.sendTokens(text, 4)
					c.send(msg{"type": "flush"})
					g := c.collect()
					if g.chunks == 0 || g.done.Characters != len(text) {
						t.Errorf("session %d: %d chunks, done %+v", i, g.chunks, g.done)
					}
					generations.Add(1)
					time.Sleep(100 * time.Millisecond) // a user listening
				}
				c.c.CloseNow()
				reconnects.Add(1)
			}
		}(i)
	}
	time.Sleep(warmup)
	warm := measure(t)
	warmGens := generations.Load()
	time.Sleep(*soakDuration - warmup)
	end := measure(t)
	close(stop)
	wg.Wait()
	waitFor(t, func() bool { return h.srv.Sessions() == 0 })
	var after sample
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		after = measure(t)
		if after.goroutines <= idle.goroutines+2 || time.Now().After(deadline) {
			break
		}
	}
	gens := generations.Load()
	t.Logf("%d sessions for %v: %d generations (%d after the warm-up), %d reconnects",
		*soakSessions, *soakDuration, gens, gens-warmGens, reconnects.Load())
	t.Logf("idle: %v", idle)
	t.Logf("after warm-up: %v", warm)
	t.Logf("end: %v", end)
	t.Logf("sessions closed: %v", after)
	if gens-warmGens < int64(*soakSessions) {
		t.Fatalf("only %d generations after the warm-up: the soak did no work", gens-warmGens)
	}
	// Each session owns a fixed set of goroutines, so the count is flat
	// whatever the run's length; the slack is for sessions caught between
	// connections.
	if end.goroutines > warm.goroutines+warm.goroutines/10+10 {
		t.Errorf("goroutines grew from %d to %d", warm.goroutines, end.goroutines)
	}
	if after.goroutines > idle.goroutines+2 {
		t.Errorf("%d goroutines after every session closed, %d before any opened", after.goroutines, idle.goroutines)
	}
	// Heap is what the program holds; RSS also keeps what the runtime and
	// the race detector have not returned to the system, so its slack is
	// wider.
	if end.heap > warm.heap+warm.heap/4+16<<20 {
		t.Errorf("heap grew from %.1f to %.1f MiB", float64(warm.heap)/(1<<20), float64(end.heap)/(1<<20))
	}
	if end.rss > warm.rss+warm.rss/4+32<<20 {
		t.Errorf("RSS grew from %.1f to %.1f MiB", float64(warm.rss)/(1<<20), float64(end.rss)/(1<<20))
	}
}
