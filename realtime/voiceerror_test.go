package realtime_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/realtime"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voice"
)

// brokenVoices fails every lookup the way a failing store does, with an
// error that quotes a path.
type brokenVoices struct{}

const brokenStore = "store: reading voice: open /srv/parley/data/parley.db: disk I/O error"

func (brokenVoices) ResolveConfig(context.Context, realtime.Principal, protocol.Config) (voice.Profile, error) {
	return voice.Profile{}, errors.New(brokenStore)
}

// TestVoiceLookupFailureIsGeneric: a session whose voice cannot be looked
// up because the server failed is closed with 4005 and a generic message;
// the error's text, with its path, is for the log only.
func TestVoiceLookupFailureIsGeneric(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key, _, err := db.CreateKey(ctx, "v", "realtime")
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedLog
	lim := limits.New(limits.Config{})
	rt, err := realtime.NewServer(realtime.DefaultConfig(), realtime.Deps{
		Auth:       auth.Keys{DB: db},
		Voices:     brokenVoices{},
		Accounting: &auth.Accounting{Limiter: lim, Usage: db},
		Pipeline:   &tts.Pipeline{},
		Limiter:    lim,
		Metrics:    metrics.New(),
		Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: rt, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hs.Serve(ln)
	}()
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		<-served
		_ = rt.Shutdown(sctx)
	}()

	c := dialURL(t, "ws://"+ln.Addr().String()+"/v1/realtime", dialConfig{})
	c.config(key, msg{"voice": "voice_aaaaaaaaaaaaaaaaaaaa"})
	frames := c.expectClose(protocol.CloseServerError)
	for _, f := range frames {
		if strings.Contains(f.m.Message, "/srv/parley") || strings.Contains(f.m.Message, "disk I/O") {
			t.Errorf("the client was sent %+v", f.m)
		}
	}
	if len(frames) == 0 || frames[len(frames)-1].m.Message != protocol.ErrServer.Message {
		t.Errorf("frames before the close: %+v; want the generic error", frames)
	}
	if !strings.Contains(logs.String(), brokenStore) {
		t.Errorf("the log lacks the detail:\n%s", logs.String())
	}
}

// lockedLog collects log output written from many goroutines.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
