//go:build !e2e

package httpapi_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-voice/parley/internal/testlog"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/engine/enginetest"
	"github.com/parley-voice/parley/httpapi"
	"github.com/parley-voice/parley/limits"
	"github.com/parley-voice/parley/metrics"
	"github.com/parley-voice/parley/plan"
	"github.com/parley-voice/parley/store"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voicestore"
)

// fakeNode is the API wired as server.New wires it (the real accounting,
// limiter, tts pipeline and voicestore), over a store in memory (memStore)
// and a given engine, by default enginetest.Engine, which needs no C
// library; jobs are queued on fakeJobs. It serves on a real loopback
// listener.
type fakeNode struct {
	base    string
	eng     *enginetest.Engine // the engine, unless the test gave another
	db      *memStore
	jobs    *fakeJobs
	metrics *metrics.Metrics
	logs    *testlog.Buffer
	// cancel ends the contexts of requests in flight with a cause, as the
	// server does at the end of its shutdown grace.
	cancel context.CancelCauseFunc
}

// fakeConfig is what a test may change about a fakeNode.
type fakeConfig struct {
	http   httpapi.Config
	limits limits.Config
	engine *enginetest.Engine
	noJobs bool
}

func newFakeNode(t *testing.T, opts ...func(*fakeConfig)) *fakeNode {
	t.Helper()
	fc := fakeConfig{engine: &enginetest.Engine{}}
	for _, o := range opts {
		o(&fc)
	}
	lim := limits.New(fc.limits)
	n := &fakeNode{eng: fc.engine, db: newMemStore(), metrics: metrics.New(), logs: &testlog.Buffer{}}
	d := httpapi.Deps{
		Keys:       n.db,
		Accounting: &auth.Accounting{Limiter: lim, Usage: n.db},
		Limiter:    lim,
		Pipeline:   &tts.Pipeline{Engine: fc.engine},
		Voices:     &voicestore.Store{DB: n.db, Secret: []byte("0123456789abcdef0123456789abcdef")},
		Store:      n.db,
		Metrics:    n.metrics,
		Logger:     n.logs.Logger(),
		// The webhook secrets are derived from it.
		WebhookSecret: []byte("fedcba9876543210fedcba9876543210"),
	}
	if !fc.noJobs {
		n.jobs = &fakeJobs{db: n.db}
		d.Jobs = n.jobs
	}
	api, err := httpapi.New(fc.http, d)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.Register(mux)
	httpapi.RegisterHealth(mux, n.metrics, func() (map[string]string, error) { return nil, nil })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.base = "http://" + ln.Addr().String()
	base, cancel := context.WithCancelCause(context.Background())
	n.cancel = cancel
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return base }}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hs.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		if err := hs.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		cancel(nil)
		<-served
		_ = lim.Close()
	})
	return n
}

func (n *fakeNode) do(t *testing.T, method, path, key string, body any) response {
	t.Helper()
	return do(t, n.base, method, path, key, body)
}

// key creates a key of plan and returns its secret.
func (n *fakeNode) key(t *testing.T, planName string) string {
	t.Helper()
	secret, _ := n.db.createKey(t, planName)
	return secret
}

// made returns the audio n's engine made from its from'th call on, as
// little-endian PCM.
func (n *fakeNode) made(from int) []byte {
	var b []byte
	for _, c := range n.eng.Calls()[from:] {
		b = audio.PCMToBytes(b, n.eng.PCM(c.Text)[:c.Samples])
	}
	return b
}

// memStore is the store in memory: keys, usage, voices and jobs.
type memStore struct {
	mu      sync.Mutex
	keys    map[string]store.Key // by secret
	revoked map[string]bool      // by key id
	usage   map[string]int64     // by key id and month
	voices  []store.Voice
	jobs    map[string]store.Job // by id
	audio   map[string][]byte    // finished jobs' audio, by id
	err     error                // when set, usage lookups fail with it
}

// errStore is how a failing store's error reads.
var errStore = errors.New("store: open /srv/parley/data/parley.db: disk I/O error")

func (m *memStore) fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}

func newMemStore() *memStore {
	return &memStore{keys: map[string]store.Key{}, revoked: map[string]bool{}, usage: map[string]int64{},
		jobs: map[string]store.Job{}, audio: map[string][]byte{}}
}

func newID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func (m *memStore) createKey(t *testing.T, planName string) (secret string, k store.Key) {
	t.Helper()
	if _, ok := plan.Lookup(planName); !ok {
		t.Fatalf("no plan %q", planName)
	}
	k = store.Key{ID: newID("key_"), Plan: planName, CreatedAt: time.Now()}
	k.AccountID = "acct_" + k.ID
	secret = newID("pk_")
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys[secret] = k
	return secret, k
}

func (m *memStore) keyOf(secret string) store.Key {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keys[secret]
}

func (m *memStore) revoke(secret string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.revoked[m.keys[secret].ID] = true
}

// Authenticate implements auth.Authenticator.
func (m *memStore) Authenticate(_ context.Context, secret string) (auth.Principal, error) {
	m.mu.Lock()
	k, ok := m.keys[secret]
	revoked := m.revoked[k.ID]
	m.mu.Unlock()
	if !ok || revoked {
		return auth.Principal{}, auth.ErrUnauthorized
	}
	return auth.PrincipalOf(k)
}

func (m *memStore) GetKey(_ context.Context, id string) (store.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.keys {
		if k.ID == id {
			return k, nil
		}
	}
	return store.Key{}, store.ErrNotFound
}

func (m *memStore) Usage(_ context.Context, keyID, month string) (chars, requests int64, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return 0, 0, m.err
	}
	return m.usage[keyID+" "+month], 0, nil
}

func (m *memStore) AccountUsage(_ context.Context, accountID, month string) (chars, requests int64, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return 0, 0, m.err
	}
	for _, k := range m.keys {
		if k.AccountID == accountID {
			chars += m.usage[k.ID+" "+month]
		}
	}
	return chars, 0, nil
}

func (m *memStore) ChargeMany(_ context.Context, charges []store.Charge) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range charges {
		m.usage[c.KeyID+" "+c.Month] += c.Chars
	}
	return nil
}

// used returns what the key of secret was charged this month.
func (m *memStore) used(secret string) int64 {
	chars, _, _ := m.Usage(context.Background(), m.keyOf(secret).ID, store.Month(time.Now()))
	return chars
}

// spend sets the usage of the key of secret this month so that left
// characters of its plan's quota remain.
func (m *memStore) spend(secret string, left int64) {
	k := m.keyOf(secret)
	p, _ := plan.Lookup(k.Plan)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.usage[k.ID+" "+store.Month(time.Now())] = p.MonthlyChars - left
}

func (m *memStore) GetVoice(_ context.Context, accountID, id string) (store.Voice, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.voices {
		if v.ID == id && v.AccountID == accountID {
			return v, nil
		}
	}
	return store.Voice{}, store.ErrNotFound
}

func (m *memStore) CreateVoice(_ context.Context, v store.Voice, limit int) (store.Voice, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, x := range m.voices {
		if x.AccountID == v.AccountID {
			n++
		}
	}
	if n >= limit {
		return store.Voice{}, store.ErrVoiceLimit
	}
	v.ID, v.CreatedAt = newID("voice_"), time.Now().UTC().Truncate(time.Millisecond)
	m.voices = append(m.voices, v)
	return v, nil
}

func (m *memStore) ListVoices(_ context.Context, accountID string) ([]store.Voice, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Voice
	for _, v := range slices.Backward(m.voices) {
		if v.AccountID == accountID {
			out = append(out, v)
		}
	}
	return out, nil
}

func (m *memStore) DeleteVoice(_ context.Context, accountID, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.voices, func(v store.Voice) bool { return v.ID == id && v.AccountID == accountID })
	if i < 0 {
		return store.ErrNotFound
	}
	m.voices = slices.Delete(m.voices, i, i+1)
	return nil
}

func (m *memStore) GetJob(_ context.Context, accountID, id string) (store.Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok || j.AccountID != accountID {
		return store.Job{}, store.ErrNotFound
	}
	return j, nil
}

func (m *memStore) WriteJobAudio(_ context.Context, id string, w io.Writer) (int64, error) {
	m.mu.Lock()
	b, ok := m.audio[id]
	m.mu.Unlock()
	if !ok {
		return 0, store.ErrNotFound
	}
	n, err := w.Write(b)
	return int64(n), err
}

// fakeJobs queues jobs in a memStore, and runs none. As the store does, it
// charges a job's characters as it queues it, and refunds them when a job
// is deleted before it succeeded.
type fakeJobs struct {
	db *memStore
	// refuse, when set, is Submit's error: a limit, or a webhook address
	// refused.
	refuse error

	mu      sync.Mutex
	expired map[string]bool
}

func (f *fakeJobs) Submit(_ context.Context, j store.Job) (store.Job, error) {
	if f.refuse != nil {
		return store.Job{}, f.refuse
	}
	j.ID, j.Status, j.CreatedAt = newID("job_"), store.JobQueued, time.Now().UTC()
	f.db.mu.Lock()
	defer f.db.mu.Unlock()
	f.db.jobs[j.ID] = j
	f.db.usage[j.KeyID+" "+j.ChargeMonth] += j.Charged
	return j, nil
}

func (f *fakeJobs) Delete(_ context.Context, accountID, id string) (store.Job, error) {
	f.db.mu.Lock()
	defer f.db.mu.Unlock()
	j, ok := f.db.jobs[id]
	if !ok || j.AccountID != accountID {
		return store.Job{}, store.ErrNotFound
	}
	delete(f.db.jobs, id)
	delete(f.db.audio, id)
	if j.Status != store.JobSucceeded {
		f.db.usage[j.KeyID+" "+j.ChargeMonth] -= j.Charged
	}
	return j, nil
}

func (f *fakeJobs) Expired(j store.Job) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.expired[j.ID]
}

// update changes a stored job, as the manager does when it runs it.
func (f *fakeJobs) update(id string, change func(*store.Job)) {
	f.db.mu.Lock()
	defer f.db.mu.Unlock()
	j := f.db.jobs[id]
	change(&j)
	f.db.jobs[id] = j
}

func (f *fakeJobs) expire(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.expired == nil {
		f.expired = map[string]bool{}
	}
	f.expired[id] = true
}
