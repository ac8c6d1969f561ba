package limits

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Errors returned when a limit is hit. Callers map them to close codes or
// HTTP statuses in one place.
var (
	ErrServerFull      = errors.New("limits: all server slots occupied")
	ErrTooManyConns    = errors.New("limits: too many concurrent connections for this key")
	ErrTooManyRequests = errors.New("limits: too many generations per minute for this key")
	ErrTooManyFromIP   = errors.New("limits: too many concurrent connections from this address")
)

// Config holds the limits. Zero values mean the protocol defaults.
type Config struct {
	MaxConns          int // per server; default 500
	MaxConnsPerKey    int // default 10
	GenerationsPerMin int // per key; default 100
	// MaxConnsPerIP bounds the connections of one client address (see
	// IPKey), counted before authentication so that anonymous clients
	// cannot take every server slot; default 50.
	MaxConnsPerIP int
}

// WithDefaults fills zero fields with the protocol defaults.
func (c Config) WithDefaults() Config {
	if c.MaxConns == 0 {
		c.MaxConns = 500
	}
	if c.MaxConnsPerKey == 0 {
		c.MaxConnsPerKey = 10
	}
	if c.GenerationsPerMin == 0 {
		c.GenerationsPerMin = 100
	}
	if c.MaxConnsPerIP == 0 {
		c.MaxConnsPerIP = 50
	}
	return c
}

// Validate reports nonsensical limits.
func (c Config) Validate() error {
	if c.MaxConns < 0 || c.MaxConnsPerKey < 0 || c.GenerationsPerMin < 0 || c.MaxConnsPerIP < 0 {
		return errors.New("limits: limits must not be negative")
	}
	return nil
}

// Limiter enforces Config. It is safe for concurrent use.
type Limiter struct {
	cfg Config
	now func() time.Time

	mu      sync.Mutex
	conns   int
	perKey  map[string]int
	perIP   map[string]int
	buckets map[string]*bucket
}

// New returns a Limiter for cfg (defaults applied).
func New(cfg Config) *Limiter {
	return &Limiter{
		cfg:     cfg.WithDefaults(),
		now:     time.Now,
		perKey:  make(map[string]int),
		perIP:   make(map[string]int),
		buckets: make(map[string]*bucket),
	}
}

// SetClock replaces the clock, for tests.
func (l *Limiter) SetClock(now func() time.Time) { l.now = now }

// Config returns the effective limits.
func (l *Limiter) Config() Config { return l.cfg }

// AcquireServerSlot takes one of the server's connection slots. The returned
// release func is idempotent.
func (l *Limiter) AcquireServerSlot() (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns >= l.cfg.MaxConns {
		return nil, ErrServerFull
	}
	l.conns++
	return l.once(func() { l.conns-- }), nil
}

// ServerConns reports the connections holding a server slot.
func (l *Limiter) ServerConns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns
}

// AcquireKeyConn takes one of key's concurrent-connection slots.
func (l *Limiter) AcquireKeyConn(key string) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perKey[key] >= l.cfg.MaxConnsPerKey {
		return nil, ErrTooManyConns
	}
	l.perKey[key]++
	return l.once(func() {
		if l.perKey[key]--; l.perKey[key] <= 0 {
			delete(l.perKey, key)
		}
	}), nil
}

// KeyConns reports key's active connections.
func (l *Limiter) KeyConns(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.perKey[key]
}

// AcquireIPConn takes one of the connection slots of the client address
// ip, an IPKey.
func (l *Limiter) AcquireIPConn(ip string) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perIP[ip] >= l.cfg.MaxConnsPerIP {
		return nil, ErrTooManyFromIP
	}
	l.perIP[ip]++
	return l.once(func() {
		if l.perIP[ip]--; l.perIP[ip] <= 0 {
			delete(l.perIP, ip)
		}
	}), nil
}

// IPConns reports the connections of the client address ip.
func (l *Limiter) IPConns(ip string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.perIP[ip]
}

// ClientAddr is the client address of r for per-address limits: every
// endpoint that limits by address takes it from here, so that they agree.
// It is the IPKey of the peer's address.
func ClientAddr(r *http.Request) string { return IPKey(r.RemoteAddr) }

// IPKey returns the client address of a connection's remote address
// ("host:port", as in http.Request.RemoteAddr) for per-address limits. An
// IPv6 address is reduced to its /64, the block that one subscriber
// usually holds, so that hopping between the addresses of one's own
// network does not multiply the limit. A remote address that does not
// parse is its own key.
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

// once wraps a release so that it runs at most once, under l.mu.
func (l *Limiter) once(f func()) func() {
	var done bool
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if !done {
			done = true
			f()
		}
	}
}

// RateState describes a key's generation budget, for rate-limit headers.
type RateState struct {
	Limit     int
	Remaining int
	Reset     time.Duration // until the bucket is full again
	RetryIn   time.Duration // until one more generation is allowed (0 if allowed now)
}

// AllowGeneration takes one token from key's bucket of GenerationsPerMin
// tokens refilled evenly over a minute.
func (l *Limiter) AllowGeneration(key string) (RateState, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(l.cfg.GenerationsPerMin), at: now}
		l.buckets[key] = b
	}
	rate := float64(l.cfg.GenerationsPerMin) / float64(time.Minute) // tokens per ns
	b.refill(now, rate, float64(l.cfg.GenerationsPerMin))
	st := RateState{Limit: l.cfg.GenerationsPerMin}
	if b.tokens < 1 {
		st.RetryIn = time.Duration((1 - b.tokens) / rate)
		st.Reset = time.Duration((float64(l.cfg.GenerationsPerMin) - b.tokens) / rate)
		return st, ErrTooManyRequests
	}
	b.tokens--
	st.Remaining = int(b.tokens)
	st.Reset = time.Duration((float64(l.cfg.GenerationsPerMin) - b.tokens) / rate)
	l.gcBuckets(now, rate)
	return st, nil
}

// gcBuckets drops full buckets once the map is large, so that it does not
// grow with every key ever seen.
func (l *Limiter) gcBuckets(now time.Time, rate float64) {
	if len(l.buckets) < 1024 {
		return
	}
	for k, b := range l.buckets {
		b.refill(now, rate, float64(l.cfg.GenerationsPerMin))
		if b.tokens >= float64(l.cfg.GenerationsPerMin) {
			delete(l.buckets, k)
		}
	}
}

type bucket struct {
	tokens float64
	at     time.Time
}

func (b *bucket) refill(now time.Time, rate, max float64) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens += float64(d) * rate
		if b.tokens > max {
			b.tokens = max
		}
		b.at = now
	}
}
