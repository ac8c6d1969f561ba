package limits

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Errors returned when a limit is hit. Callers map them to close codes or
// HTTP statuses in one place.
var (
	ErrServerFull      = errors.New("limits: all server slots occupied")
	ErrTooManyConns    = errors.New("limits: too many concurrent connections for this key")
	ErrTooManyRequests = errors.New("limits: too many generations per minute for this key")
	ErrTooManyFromIP   = errors.New("limits: too many concurrent connections from this address")
	ErrTooManyAtOnce   = errors.New("limits: too many concurrent requests for this key")
)

// Config holds the limits. Zero values mean the protocol defaults
// (DefaultConfig).
type Config struct {
	MaxConns          int // per server (per node, also with Redis)
	MaxConnsPerKey    int // WebSocket connections
	GenerationsPerMin int // per key
	// MaxConnsPerIP bounds the connections of one client address (see
	// IPKey), counted before authentication so that anonymous clients
	// cannot take every server slot.
	MaxConnsPerIP int
	// MaxConcurrentPerKey bounds a key's simultaneous HTTP syntheses.
	MaxConcurrentPerKey int
}

// DefaultConfig returns the protocol defaults.
func DefaultConfig() Config {
	return Config{
		MaxConns:            500,
		MaxConnsPerKey:      10,
		GenerationsPerMin:   100,
		MaxConnsPerIP:       50,
		MaxConcurrentPerKey: 10,
	}
}

// WithDefaults fills zero fields with the protocol defaults.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	if c.MaxConns == 0 {
		c.MaxConns = d.MaxConns
	}
	if c.MaxConnsPerKey == 0 {
		c.MaxConnsPerKey = d.MaxConnsPerKey
	}
	if c.GenerationsPerMin == 0 {
		c.GenerationsPerMin = d.GenerationsPerMin
	}
	if c.MaxConnsPerIP == 0 {
		c.MaxConnsPerIP = d.MaxConnsPerIP
	}
	if c.MaxConcurrentPerKey == 0 {
		c.MaxConcurrentPerKey = d.MaxConcurrentPerKey
	}
	return c
}

// Validate reports nonsensical limits.
func (c Config) Validate() error {
	if c.MaxConns < 0 || c.MaxConnsPerKey < 0 || c.GenerationsPerMin < 0 || c.MaxConnsPerIP < 0 || c.MaxConcurrentPerKey < 0 {
		return errors.New("limits: limits must not be negative")
	}
	return nil
}

// Limiter enforces Config. It is safe for concurrent use. Without Redis
// (New) every count is this node's; with Redis (Open) the per-key and
// per-address counts and the generation rate are shared by every node on
// the same Redis, and fall back to this node's own counts while Redis is
// unreachable (see the package doc).
type Limiter struct {
	cfg   Config
	local *memory

	mu    sync.Mutex // guards conns
	conns int

	node string // prefix of this node's holder ids
	seq  atomic.Uint64

	// Set by Open; nil for a node that counts alone.
	shared *redisBackend
	rcfg   RedisConfig
	// restore is held for writing while this node's holdings are
	// rewritten into Redis, and for reading around every change to them,
	// so that a holding is never written back after its release.
	restore sync.RWMutex
	state   sharedState
	// chars is this node's character holds (chars.go), renewed and
	// written back like its slot holdings.
	chars charRegistry
	// life ends at Close; it stops the heartbeat and cuts its Redis
	// operations short.
	life      context.Context
	endLife   context.CancelFunc
	done      chan struct{} // closed when the heartbeat has returned
	closeOnce sync.Once
	closed    atomic.Bool
}

// New returns a Limiter for cfg (defaults applied) that counts in this
// process alone.
func New(cfg Config) *Limiter {
	return &Limiter{cfg: cfg.WithDefaults(), local: newMemory(), node: newNodeID()}
}

// SetClock replaces the clock of this node's rate buckets, for tests.
// Redis buckets run on Redis's clock.
func (l *Limiter) SetClock(now func() time.Time) { l.local.now = now }

// Config returns the effective limits.
func (l *Limiter) Config() Config { return l.cfg }

// Close stops the lease heartbeat and closes the connection to Redis. It
// does not release holdings: whatever is still held expires in Redis
// within RedisConfig.LeaseTTL, as a crashed node's would. Close is
// idempotent; a Limiter without Redis has nothing to close.
func (l *Limiter) Close() error {
	if l.shared == nil {
		return nil
	}
	var err error
	l.closeOnce.Do(func() {
		l.closed.Store(true)
		l.endLife()
		<-l.done
		err = l.shared.close()
	})
	return err
}

// AcquireServerSlot takes one of this node's connection slots. The
// returned release func is idempotent.
func (l *Limiter) AcquireServerSlot() (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns >= l.cfg.MaxConns {
		return nil, ErrServerFull
	}
	l.conns++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.conns--
			l.mu.Unlock()
		})
	}, nil
}

// ServerConns reports the connections holding one of this node's slots.
func (l *Limiter) ServerConns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns
}

// The kinds of slot counted per key or address. They name Redis keys.
const (
	kindKeyConn    = "conn:key"
	kindIPConn     = "conn:ip"
	kindKeyRequest = "http:key"
)

// slot is one counted thing: a key's WebSocket connections, an address's,
// a key's HTTP syntheses.
type slot struct {
	kind, id string
}

// AcquireKeyConn takes one of key's WebSocket connection slots. Its errors
// are ErrTooManyConns and ctx's.
func (l *Limiter) AcquireKeyConn(ctx context.Context, key string) (release func(), err error) {
	return l.acquire(ctx, slot{kindKeyConn, key}, l.cfg.MaxConnsPerKey, ErrTooManyConns)
}

// KeyConns reports key's WebSocket connections.
func (l *Limiter) KeyConns(ctx context.Context, key string) int {
	return l.count(ctx, slot{kindKeyConn, key})
}

// AcquireIPConn takes one of the connection slots of the client address
// ip, an IPKey. Its errors are ErrTooManyFromIP and ctx's.
func (l *Limiter) AcquireIPConn(ctx context.Context, ip string) (release func(), err error) {
	return l.acquire(ctx, slot{kindIPConn, ip}, l.cfg.MaxConnsPerIP, ErrTooManyFromIP)
}

// IPConns reports the connections of the client address ip.
func (l *Limiter) IPConns(ctx context.Context, ip string) int {
	return l.count(ctx, slot{kindIPConn, ip})
}

// AcquireKeyRequest takes one of key's concurrent HTTP synthesis slots.
// Its errors are ErrTooManyAtOnce and ctx's.
func (l *Limiter) AcquireKeyRequest(ctx context.Context, key string) (release func(), err error) {
	return l.acquire(ctx, slot{kindKeyRequest, key}, l.cfg.MaxConcurrentPerKey, ErrTooManyAtOnce)
}

// KeyRequests reports key's HTTP syntheses in progress.
func (l *Limiter) KeyRequests(ctx context.Context, key string) int {
	return l.count(ctx, slot{kindKeyRequest, key})
}

// IPKey returns the client address of a connection's remote address
// ("host:port", as in http.Request.RemoteAddr, or a bare address) for
// per-address limits. An IPv6 address is reduced to its /64, the block
// that one subscriber usually holds, so that hopping between the addresses
// of one's own network does not multiply the limit. A remote address that
// does not parse is its own key.
func IPKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// acquire takes a lease on s if fewer than limit are held: in Redis while
// it is up, else (or when Redis fails now) among this node's holdings.
// Every holding is also kept locally, which is what the heartbeat renews
// and what the node counts alone while Redis is down.
func (l *Limiter) acquire(ctx context.Context, s slot, limit int, full error) (func(), error) {
	holder := l.holderID()
	l.restore.RLock()
	defer l.restore.RUnlock()
	if l.sharedUp() {
		ok, err := l.shared.acquire(ctx, s, limit, holder)
		switch {
		case err == nil && !ok:
			return nil, full
		case err == nil:
			l.local.add(s, holder)
			return l.releaser(s, holder), nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
		l.markDown(err)
	}
	if ok, _ := l.local.acquire(ctx, s, limit, holder); !ok {
		return nil, full
	}
	return l.releaser(s, holder), nil
}

// releaser returns the idempotent release of holder's lease on s. A
// release that cannot reach Redis leaves the lease to expire.
func (l *Limiter) releaser(s slot, holder string) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			l.restore.RLock()
			defer l.restore.RUnlock()
			_ = l.local.release(context.Background(), s, holder)
			if l.sharedUp() {
				if err := l.shared.release(context.Background(), s, holder); err != nil {
					l.markDown(err)
				}
			}
		})
	}
}

func (l *Limiter) count(ctx context.Context, s slot) int {
	if l.sharedUp() {
		n, err := l.shared.count(ctx, s)
		if err == nil {
			return n
		}
		if ctx.Err() == nil {
			l.markDown(err)
		}
	}
	n, _ := l.local.count(ctx, s)
	return n
}

// RateState describes a key's generation budget, for rate-limit headers.
type RateState struct {
	Limit     int
	Remaining int
	Reset     time.Duration // until the bucket is full again
	RetryIn   time.Duration // until one more generation is allowed (0 if allowed now)
}

// AllowGeneration takes one token from key's bucket of GenerationsPerMin
// tokens refilled evenly over a minute. Its errors are ErrTooManyRequests
// (with the state filled in) and ctx's.
func (l *Limiter) AllowGeneration(ctx context.Context, key string) (RateState, error) {
	perMin := l.cfg.GenerationsPerMin
	if l.sharedUp() {
		tokens, ok, err := l.shared.take(ctx, key, perMin)
		if err == nil {
			return rateResult(perMin, tokens, ok)
		}
		if ctx.Err() != nil {
			return RateState{Limit: perMin}, ctx.Err()
		}
		l.markDown(err)
	}
	tokens, ok, _ := l.local.take(ctx, key, perMin)
	return rateResult(perMin, tokens, ok)
}

// rateResult describes a bucket of capacity perMin holding tokens after an
// attempt to take one that succeeded (ok) or not.
func rateResult(perMin int, tokens float64, ok bool) (RateState, error) {
	rate := float64(perMin) / float64(time.Minute) // tokens per ns
	st := RateState{Limit: perMin, Reset: time.Duration((float64(perMin) - tokens) / rate)}
	if !ok {
		st.RetryIn = time.Duration((1 - tokens) / rate)
		return st, ErrTooManyRequests
	}
	st.Remaining = int(tokens)
	return st, nil
}

func newNodeID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + ":"
}
