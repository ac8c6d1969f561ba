package realtime_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/internal/testlog"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/engine/enginetest"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/plan"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voice"
)

// node is a realtime.Server wired as server.New wires it (the real
// accounting, limiter and tts pipeline), but with its store in memory
// (keys, usage, voices) and a given engine: by default the deterministic
// enginetest.Engine, which needs no C library. It serves on a real
// loopback listener.
type node struct {
	rt      *realtime.Server
	eng     *enginetest.Engine // the engine, unless the test gave another
	keys    *memKeys
	usage   *memUsage
	metrics *metrics.Metrics
	logs    *testlog.Buffer
	url     string
	key     string // plan realtime
	keyID   string
	freeKey string // plan free: no WebSocket access

	ln       net.Listener
	hs       *http.Server
	served   chan struct{}
	stopOnce sync.Once
	stopErr  error
}

// nodeConfig is what a test may change about a node.
type nodeConfig struct {
	realtime realtime.Config
	limits   limits.Config
	engine   engine.Synthesizer // default: an enginetest.Engine
	voices   realtime.VoiceResolver
}

func newNode(t *testing.T, opts ...func(*nodeConfig)) *node {
	t.Helper()
	nc := nodeConfig{realtime: realtime.DefaultConfig(), voices: fakeVoices{}}
	nc.realtime.ConfigTimeout = 2 * time.Second
	for _, o := range opts {
		o(&nc)
	}
	var fake *enginetest.Engine
	if nc.engine == nil {
		fake = &enginetest.Engine{}
		nc.engine = fake
	}
	lim := limits.New(nc.limits)
	n := &node{eng: fake, keys: &memKeys{keys: map[string]auth.Principal{}}, usage: &memUsage{chars: map[string]int64{}},
		metrics: metrics.New(), logs: &testlog.Buffer{}, served: make(chan struct{})}
	var err error
	n.rt, err = realtime.NewServer(nc.realtime, realtime.Deps{
		Auth:       n.keys,
		Voices:     nc.voices,
		Accounting: &auth.Accounting{Limiter: lim, Usage: n.usage},
		Pipeline:   &tts.Pipeline{Engine: nc.engine},
		Limiter:    lim,
		Metrics:    n.metrics,
		Logger:     n.logs.Logger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	n.key, n.keyID = n.keys.create(t, "realtime")
	n.freeKey, _ = n.keys.create(t, "free")
	if n.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	n.url = "ws://" + n.ln.Addr().String() + "/v1/realtime"
	n.hs = &http.Server{Handler: n.rt, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(n.served)
		_ = n.hs.Serve(n.ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := n.shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		_ = lim.Close()
	})
	return n
}

// shutdown stops the listener and drains the sessions (once), as the
// server does, and returns the realtime server's Shutdown result.
func (n *node) shutdown(ctx context.Context) error {
	n.stopOnce.Do(func() {
		_ = n.hs.Shutdown(ctx) // hijacked connections are the sessions'
		<-n.served
		n.stopErr = n.rt.Shutdown(ctx)
	})
	return n.stopErr
}

func (n *node) dial(t *testing.T) *client {
	t.Helper()
	return dialURL(t, n.url, dialConfig{})
}

// memKeys is an in-memory key store.
type memKeys struct {
	mu      sync.Mutex
	keys    map[string]auth.Principal // by secret
	revoked map[string]bool           // by key id
	// gate, when set, holds every lookup until it is closed.
	gate chan struct{}
	// fail, when set, fails every lookup, as a store that fails does.
	fail error
}

// create adds a key of plan and returns its secret and id.
func (k *memKeys) create(t *testing.T, planName string) (secret, id string) {
	t.Helper()
	p, ok := plan.Lookup(planName)
	if !ok {
		t.Fatalf("no plan %q", planName)
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	id = "key_" + hex.EncodeToString(b[:6])
	secret = "pk_" + hex.EncodeToString(b[:])
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[secret] = auth.Principal{KeyID: id, AccountID: "acct_" + id, Plan: p}
	return secret, id
}

// hold makes lookups wait until the returned function is called.
func (k *memKeys) hold() (release func()) {
	gate := make(chan struct{})
	k.mu.Lock()
	k.gate = gate
	k.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(gate) }) }
}

func (k *memKeys) setFail(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fail = err
}

func (k *memKeys) revoke(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.revoked == nil {
		k.revoked = map[string]bool{}
	}
	k.revoked[id] = true
}

// Authenticate implements realtime.Authenticator.
func (k *memKeys) Authenticate(ctx context.Context, key string) (auth.Principal, error) {
	k.mu.Lock()
	gate := k.gate
	k.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return auth.Principal{}, ctx.Err()
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail != nil {
		return auth.Principal{}, k.fail
	}
	p, ok := k.keys[key]
	if !ok || k.revoked[p.KeyID] {
		return auth.Principal{}, auth.ErrUnauthorized
	}
	return p, nil
}

// memUsage is an in-memory auth.UsageStore.
type memUsage struct {
	mu    sync.Mutex
	chars map[string]int64 // by key id and month
	reqs  int64
}

func (u *memUsage) Usage(_ context.Context, keyID, month string) (chars, requests int64, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.chars[keyID+" "+month], u.reqs, nil
}

func (u *memUsage) ChargeMany(_ context.Context, charges []store.Charge) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, c := range charges {
		u.chars[c.KeyID+" "+c.Month] += c.Chars
		u.reqs += c.Requests
	}
	return nil
}

// used returns the characters charged to keyID this month.
func (u *memUsage) used(keyID string) int64 {
	chars, _, _ := u.Usage(context.Background(), keyID, store.Month(time.Now()))
	return chars
}

// spend sets keyID's usage this month so that left characters of plan
// realtime's quota remain.
func (u *memUsage) spend(t *testing.T, keyID string, left int64) {
	t.Helper()
	p, _ := plan.Lookup("realtime")
	u.mu.Lock()
	defer u.mu.Unlock()
	u.chars[keyID+" "+store.Month(time.Now())] = p.MonthlyChars - left
}

// fakeVoices resolves voices as voicestore does, without a store: a
// description is designed, no voice field is the default voice, and a
// saved voice id is unknown (a client's mistake, 4003) except for
// brokenVoiceID, whose lookup fails as a failing store does.
type fakeVoices struct{}

const (
	brokenVoiceID = "voice_broken0000000000000"
	brokenStore   = "store: reading voice: open /srv/parley/data/parley.db: disk I/O error"
)

func (fakeVoices) ResolveConfig(_ context.Context, _ realtime.Principal, c protocol.Config) (voice.Profile, error) {
	switch {
	case c.Voice == brokenVoiceID:
		return voice.Profile{}, errors.New(brokenStore)
	case c.Voice != "":
		return voice.Profile{}, protocol.Errorf(protocol.CloseInvalid, "voice: unknown voice %q", c.Voice)
	case c.VoiceDescription != "":
		return voice.Design(c.VoiceDescription), nil
	}
	return voice.Default(), nil
}
