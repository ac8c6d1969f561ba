package cluster

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/client"
)

// BenchmarkFailover measures what a client of a node killed with SIGKILL
// lives through, on the cluster of TestCluster: six Go clients (default
// backoff: the first attempt 1 s after the loss) speak generation after
// generation through nginx, with a key of their own; each iteration kills
// the node serving the most of them and restarts it on its address once
// its clients have heard audio again. Reported, over the clients that
// reconnected: the time from their reconnection (the new session
// configured) to its first audio, p50 and max, and from the kill to that
// audio.
func BenchmarkFailover(b *testing.B) {
	c := startCluster(b)
	var afterReconnect, afterKill []time.Duration
	for i := 0; b.Loop(); i++ {
		// A key of its own: the killed node's connections count against
		// their key until their leases lapse (15 s).
		key, _ := c.key(b, "scale")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		stop := make(chan struct{})
		clients := make([]*loadClient, 6)
		var wg sync.WaitGroup
		for j := range clients {
			clients[j] = &loadClient{}
			wg.Go(func() {
				clients[j].run(ctx, client.Config{URL: c.ws(), APIKey: key, Language: "English"}, stop, j)
			})
		}
		waitFor(b, 30*time.Second, "every client speaking", func() bool {
			for _, lc := range clients {
				if lc.state().dones == 0 {
					return false
				}
			}
			return true
		})
		var victim *node
		waitFor(b, 30*time.Second, "sessions on a node", func() bool {
			most := 0.0
			for _, n := range c.nodes {
				if s := n.metric(b, "parley_realtime_sessions"); s > most {
					most, victim = s, n
				}
			}
			return most > 0
		})
		killed := time.Now()
		victim.proc.Kill()
		deadline := time.Now().Add(time.Minute)
		for {
			waiting := 0
			for _, lc := range clients {
				if s := lc.state(); s.err == nil && !s.recovered(killed) {
					waiting++
				}
			}
			if waiting == 0 {
				break
			}
			if time.Now().After(deadline) {
				for j, lc := range clients {
					s := lc.state()
					b.Logf("client %d: %d of %d generations done, %d reconnections, error %v", j, s.dones, s.gens, s.reconnects, s.err)
				}
				b.Fatalf("iteration %d: %d clients silent a minute after %s was killed", i, waiting, victim.name)
			}
			time.Sleep(20 * time.Millisecond)
		}
		close(stop)
		wg.Wait()
		cancel()
		for j, cl := range clients {
			lc := cl.state()
			if lc.err != nil {
				b.Fatalf("iteration %d, client %d: %v", i, j, lc.err)
			}
			if lc.reconnects > 0 && !lc.audioAfter.IsZero() {
				afterReconnect = append(afterReconnect, lc.audioAfter.Sub(lc.reconnectedAt))
				afterKill = append(afterKill, lc.audioAfter.Sub(killed))
			}
		}
		b.StopTimer()
		for k, n := range c.nodes {
			if n == victim {
				c.nodes[k] = startNode(b, n.name, n.addr, c.args...)
			}
		}
		// nginx sends nothing to a node that failed for fail_timeout
		// (deploy/nginx.conf: 10 s), restarted or not: until then the
		// next iteration's clients would all go to the others.
		time.Sleep(11 * time.Second)
		b.StartTimer()
	}
	if len(afterReconnect) == 0 {
		b.Fatal("no client reconnected")
	}
	slices.Sort(afterReconnect)
	slices.Sort(afterKill)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(afterReconnect[len(afterReconnect)/2]), "reconnect-to-audio-p50-ms")
	b.ReportMetric(ms(afterReconnect[len(afterReconnect)-1]), "reconnect-to-audio-max-ms")
	b.ReportMetric(ms(afterKill[len(afterKill)/2]), "kill-to-audio-p50-ms")
	b.ReportMetric(float64(len(afterReconnect)), "clients-reconnected")
}
