//go:build cgo

package pocketsphinx

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// spotter is a light decoder, keyword spotting with no language model,
// which loads in a fifth of the time of the default.
func spotter(maxDecoders int) Config {
	return Config{MaxDecoders: maxDecoders, Extra: map[string]string{"-keyphrase": "forward", "-kws_threshold": "1e-20"}}
}

func newPool(t *testing.T, cfg Config, size int) *Pool {
	t.Helper()
	p, err := NewPool(cfg, size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

func get(t *testing.T, p *Pool) *Decoder {
	t.Helper()
	d, err := p.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNewPoolErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		size int
		want error
	}{
		{"negative size", spotter(0), -1, ErrConfig},
		{"size above max", spotter(1), 2, ErrConfig},
		{"invalid config", Config{SampleRate: 1}, 0, ErrConfig},
		{"decoder fails to load", Config{Extra: map[string]string{"-jsgf": "/nonexistent.gram"}}, 2, ErrInit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPool(tt.cfg, tt.size)
			if !errors.Is(err, tt.want) || p != nil {
				t.Fatalf("NewPool = %v, %v; want %v", p, err, tt.want)
			}
		})
	}
}

func TestPoolReusesDecoders(t *testing.T) {
	p := newPool(t, spotter(1), 1)
	d := get(t, p)
	p.Put(d)
	if d2 := get(t, p); d2 != d {
		t.Fatal("Get loaded a new decoder while one was idle")
	} else {
		p.Put(d2)
	}
}

func TestPoolLoadsLazilyUpToMax(t *testing.T) {
	p := newPool(t, spotter(2), 0)
	a, b := get(t, p), get(t, p)
	if a == b {
		t.Fatal("the same decoder lent twice")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if d, err := p.Get(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Get beyond MaxDecoders = %v, %v; want to wait", d, err)
	}
	got := make(chan *Decoder)
	go func() {
		d, _ := p.Get(context.Background())
		got <- d
	}()
	time.Sleep(20 * time.Millisecond)
	p.Put(b)
	if d := <-got; d != b {
		t.Fatal("a waiting Get did not receive the decoder put back")
	}
	p.Put(a)
	p.Put(b)
}

func TestPoolPutResets(t *testing.T) {
	p := newPool(t, spotter(1), 1)
	d := get(t, p)
	want := recognize(t, d, readClip(t, "forward"))
	// Leave an utterance running, with audio that teaches the decoder a
	// different channel.
	stream(t, d, readClip(t, "canoe"), 1600)
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(readClip(t, "canoe")); err != nil {
		t.Fatal(err)
	}
	p.Put(d)
	d = get(t, p)
	defer p.Put(d)
	if got := stream(t, d, readClip(t, "forward"), 1600); got != want {
		t.Fatalf("after Put: %q, want %q", got, want)
	}
}

// TestPoolPutMisuse: nil, foreign and repeated Puts change nothing, and a
// decoder closed by its user gives its place back.
func TestPoolPutMisuse(t *testing.T) {
	p := newPool(t, spotter(1), 0)
	foreign := newDecoder(t, spotter(0))
	p.Put(nil)
	p.Put(foreign)
	if err := foreign.Start(); err != nil {
		t.Fatalf("a foreign decoder was touched: %v", err)
	}
	d := get(t, p)
	p.Put(d)
	p.Put(d)
	d = get(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Get(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after a double Put, Get = %v; the decoder was lent twice", err)
	}
	d.Close()
	p.Put(d)
	d2 := get(t, p)
	if d2 == d {
		t.Fatal("a closed decoder was lent again")
	}
	p.Put(d2)
}

func TestPoolClose(t *testing.T) {
	p, err := NewPool(spotter(2), 2)
	if err != nil {
		t.Fatal(err)
	}
	lent := get(t, p)
	idle := get(t, p)
	p.Put(idle)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := idle.Start(); !errors.Is(err, ErrClosed) {
		t.Errorf("an idle decoder survived Close: %v", err)
	}
	if err := lent.Start(); err != nil {
		t.Errorf("Close touched a lent decoder: %v", err)
	}
	p.Put(lent)
	if err := lent.Start(); !errors.Is(err, ErrClosed) {
		t.Errorf("a decoder put back after Close was kept: %v", err)
	}
	if _, err := p.Get(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close: %v", err)
	}
}

func TestPoolGetErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := newPool(t, spotter(1), 1)
	if _, err := p.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context: %v", err)
	}
	// A config that validates but fails to load: every Get reports it,
	// and a failed load gives its place back rather than blocking the next.
	bad := newPool(t, Config{MaxDecoders: 1, Extra: map[string]string{"-nosuchflag": "1"}}, 0)
	for range 2 {
		if _, err := bad.Get(context.Background()); !errors.Is(err, ErrConfig) {
			t.Fatalf("Get = %v, want ErrConfig", err)
		}
	}
}

// TestPoolConcurrent has more users than decoders, all recognising at
// once; each must get the lone decoder's answer and at most MaxDecoders
// decoders may ever exist.
func TestPoolConcurrent(t *testing.T) {
	const users, rounds, maxDecoders = 6, 3, 2
	p := newPool(t, spotter(maxDecoders), 0)
	pcm := readClip(t, "forward")
	var (
		mu   sync.Mutex
		seen = map[*Decoder]bool{}
		hyps = map[string]int{}
		wg   sync.WaitGroup
	)
	for range users {
		wg.Go(func() {
			for range rounds {
				d, err := p.Get(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				hyp, err := Recognize(context.Background(), d, pcm)
				mu.Lock()
				seen[d] = true
				hyps[hyp]++
				mu.Unlock()
				if err != nil {
					t.Error(err)
				}
				p.Put(d)
			}
		})
	}
	wg.Wait()
	if len(seen) > maxDecoders {
		t.Errorf("%d decoders, MaxDecoders %d", len(seen), maxDecoders)
	}
	if len(hyps) != 1 || hyps["forward"] != users*rounds {
		t.Errorf("hypotheses %v, want \"forward\" %d times", hyps, users*rounds)
	}
}

func TestRecognizeCancelled(t *testing.T) {
	d := newDecoder(t, spotter(0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Recognize(ctx, d, readClip(t, "forward")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Recognize = %v, want context.Canceled", err)
	}
	// The abandoned utterance must not linger.
	if err := d.Start(); err != nil {
		t.Fatalf("Start after a cancelled Recognize: %v", err)
	}
}
