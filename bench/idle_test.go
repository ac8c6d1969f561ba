package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunIdle(t *testing.T) {
	s := startServer(t)
	cfg := s.config()
	// Two more than the server lets one key open (limits default: 10).
	cfg.Target, cfg.Sessions, cfg.Generations, cfg.Duration = TargetIdle, 12, 0, 500*time.Millisecond
	rep := run(t, context.Background(), cfg)
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	t.Logf("report:\n%s", out.String())
	if rep.Sessions.Completed != 10 || rep.Sessions.Failed != 2 || rep.Sessions.Interrupted != 0 {
		t.Errorf("sessions = %+v, want 10 held and 2 failed", rep.Sessions)
	}
	if rep.Errors.Closes[4004] != 2 || rep.Errors.total() != 2 {
		t.Errorf("errors = %+v, want 2 × close 4004", rep.Errors)
	}
	if d := rep.ConnectMS; d.N != rep.Sessions.Established || d.Min <= 0 || d.Max > 10_000 {
		t.Errorf("connect = %+v for %d established sessions", d, rep.Sessions.Established)
	}
	if rep.ElapsedS < cfg.Duration.Seconds() {
		t.Errorf("the run took %.2f s, less than the %v the sessions are held", rep.ElapsedS, cfg.Duration)
	}
	if rep.Generations != (GenerationCounts{}) || rep.TTFAFlushMS.N != 0 || rep.AudioS != 0 {
		t.Errorf("idle sessions ran generations: %+v", rep)
	}
	checkServer(t, rep.Server, s.base()+pathMetrics, 10)
	f := rep.Server
	// Every held session costs the server a goroutine at least.
	if f.Peak.Goroutines < f.Start.Goroutines+10 {
		t.Errorf("goroutines %d at the start, %d with 10 sessions open", f.Start.Goroutines, f.Peak.Goroutines)
	}
	if want := float64(f.Peak.RSSBytes-f.Start.RSSBytes) / 10; f.RSSPerSessionBytes != want {
		t.Errorf("rss per session %g, want %g", f.RSSPerSessionBytes, want)
	}
	if f.Peak.AtS < cfg.Duration.Seconds() {
		t.Errorf("peak scraped at %.2f s, before the sessions had been held for %v", f.Peak.AtS, cfg.Duration)
	}
	for _, want := range []string{"10 held to the end, 2 failed", "closed with 4004 (rate limited): 2 sessions", "RSS with 10 idle sessions"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q", want)
		}
	}
	// The server let them all go.
	deadline := time.Now().Add(5 * time.Second)
	for s.srv.Sessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still open on the server", s.srv.Sessions())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunIdleServerShutdown(t *testing.T) {
	s := startServer(t)
	cfg := s.config()
	cfg.Target, cfg.Sessions, cfg.Generations, cfg.Duration, cfg.MetricsURL = TargetIdle, 3, 0, time.Minute, ""
	rep := runUntilShutdown(t, s, cfg, 3, 0)
	if rep == nil {
		return
	}
	// The server counts a session from its upgrade, the bench from its
	// config_ack: a session may be dropped between the two.
	if s := rep.Sessions; s.Failed != 3 || s.Completed != 0 || s.Established > 3 || rep.Errors.Closes[1001] != 3 {
		t.Errorf("sessions = %+v, closes %v; want 3 dropped with 1001 (going away)", rep.Sessions, rep.Errors.Closes)
	}
	if rep.Server != nil {
		t.Errorf("server figures with metrics disabled: %+v", rep.Server)
	}
}
