package limits

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisConfig makes a Limiter share its per-key and per-address counts and
// its generation rates with every node using the same Redis.
type RedisConfig struct {
	// URL is redis://[user:password@]host:port[/db] or rediss:// (TLS);
	// empty means no Redis.
	URL string
	// LeaseTTL is how long a holding outlives its node's last renewal: a
	// node that dies without releasing stops counting within LeaseTTL.
	// Default 15s.
	LeaseTTL time.Duration
	// Heartbeat is the period at which a node renews its leases and, while
	// Redis is unreachable, tries it again. At most half of LeaseTTL, so
	// that one late heartbeat loses nothing. Default LeaseTTL/3.
	Heartbeat time.Duration
	// Timeout bounds every Redis operation; beyond it Redis counts as
	// unreachable. Default 500ms.
	Timeout time.Duration
	// Prefix starts every Redis key; nodes that share counts must agree on
	// it. Default "parley:".
	Prefix string
	// Resync is how long a key's month in the shared character ledger
	// goes before it is compared with the store again (refunds, charges
	// made while a node counted alone); see CharGrant.Resync. Default 10s.
	Resync time.Duration
	// OnChange, if set, is called once when Redis becomes unreachable
	// (up false, with the error) and once when shared counting resumes
	// (up true). It runs on the goroutine that noticed and must not block.
	OnChange func(up bool, err error)
}

func (c RedisConfig) withDefaults() RedisConfig {
	if c.LeaseTTL == 0 {
		c.LeaseTTL = 15 * time.Second
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = c.LeaseTTL / 3
	}
	if c.Timeout == 0 {
		c.Timeout = 500 * time.Millisecond
	}
	if c.Prefix == "" {
		c.Prefix = "parley:"
	}
	if c.Resync == 0 {
		c.Resync = 10 * time.Second
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c RedisConfig) Validate() error {
	if c.URL == "" {
		return nil
	}
	if _, err := redis.ParseURL(c.URL); err != nil {
		return fmt.Errorf("limits: redis URL: %w", err)
	}
	c = c.withDefaults()
	if c.LeaseTTL < 0 || c.Heartbeat <= 0 || c.Timeout < 0 || c.Resync < 0 {
		return errors.New("limits: redis lease TTL, heartbeat, timeout and resync must be positive")
	}
	if 2*c.Heartbeat > c.LeaseTTL {
		return fmt.Errorf("limits: redis heartbeat %v must be at most half the lease TTL %v", c.Heartbeat, c.LeaseTTL)
	}
	return nil
}

// redisBackend keeps the shared counts. A slot is a sorted set of holder
// ids scored by lease expiry (milliseconds on Redis's clock, so that the
// nodes' clocks do not matter); a rate is a hash holding a token bucket.
// Every change is one Lua script, atomic in Redis.
type redisBackend struct {
	c       *redis.Client
	prefix  string
	ttl     time.Duration
	timeout time.Duration
}

// quiet discards go-redis's own log lines (failed dials, pool events): a
// library does not log, and what matters reaches the server through
// RedisConfig.OnChange and Limiter.Shared.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var silenceRedis sync.Once

func newRedisBackend(cfg RedisConfig) (*redisBackend, error) {
	// go-redis has one logger for the process.
	silenceRedis.Do(func() { redis.SetLogger(quiet{}) })
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("limits: redis URL: %w", err)
	}
	// Fail fast and fall back rather than retry: a retried acquire could
	// count twice, and a caller waiting on a dead Redis is a caller not
	// served.
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	opt.DialTimeout = cfg.Timeout
	opt.ReadTimeout = cfg.Timeout
	opt.WriteTimeout = cfg.Timeout
	opt.ContextTimeoutEnabled = true
	opt.DisableIdentity = true
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return &redisBackend{c: redis.NewClient(opt), prefix: cfg.Prefix, ttl: cfg.LeaseTTL, timeout: cfg.Timeout}, nil
}

func (r *redisBackend) close() error { return r.c.Close() }

func (r *redisBackend) key(s slot) string { return r.prefix + s.kind + ":" + s.id }

// op bounds one operation by the configured timeout.
func (r *redisBackend) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

// now is Redis's clock in milliseconds. Scripts read it with TIME, which
// Redis 5 and later allow before writes (scripts replicate their effects).
const luaNow = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

var acquireScript = redis.NewScript(luaNow + `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`)

func (r *redisBackend) acquire(ctx context.Context, s slot, limit int, holder string) (bool, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	n, err := acquireScript.Run(ctx, r.c, []string{r.key(s)}, limit, holder, r.ttl.Milliseconds()).Int()
	return n == 1, err
}

func (r *redisBackend) release(ctx context.Context, s slot, holder string) error {
	ctx, cancel := r.op(ctx)
	defer cancel()
	return r.c.ZRem(ctx, r.key(s), holder).Err()
}

var countScript = redis.NewScript(luaNow + `
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')`)

func (r *redisBackend) count(ctx context.Context, s slot) (int, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	return countScript.Run(ctx, r.c, []string{r.key(s)}).Int()
}

// renewScript extends the leases of holders that still have one, and
// returns those that do not (their lease expired or Redis lost it), as
// key index, holder pairs. ARGV: the TTL, then per key a count and its
// holders. It never brings a lease back: only writeBack does, under the
// Limiter's restore lock, for holdings that are still held.
var renewScript = redis.NewScript(luaNow + `
local ttl = tonumber(ARGV[1])
local i = 2
local missing = {}
for k = 1, #KEYS do
  local n = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, n do
    local h = ARGV[i]
    i = i + 1
    if redis.call('ZSCORE', KEYS[k], h) then
      redis.call('ZADD', KEYS[k], 'XX', now + ttl, h)
    else
      missing[#missing + 1] = k
      missing[#missing + 1] = h
    end
  end
  if redis.call('EXISTS', KEYS[k]) == 1 then redis.call('PEXPIRE', KEYS[k], ttl) end
end
return missing`)

// writeScript gives each holder a fresh lease, whatever the count: these
// are connections open on this node. ARGV as renewScript's.
var writeScript = redis.NewScript(luaNow + `
local ttl = tonumber(ARGV[1])
local i = 2
for k = 1, #KEYS do
  local n = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, n do
    redis.call('ZADD', KEYS[k], now + ttl, ARGV[i])
    i = i + 1
  end
  redis.call('PEXPIRE', KEYS[k], ttl)
end
return 0`)

// batchHolders bounds the holders of one script call, so that renewing
// thousands of leases never stalls Redis for long.
const batchHolders = 512

// batches splits holdings into script calls: keys, and ARGV after the TTL.
func (r *redisBackend) batches(hs map[slot][]string) (keys [][]string, args [][]any, slots [][]slot) {
	var (
		k []string
		a []any
		s []slot
		n int
	)
	flush := func() {
		if len(k) > 0 {
			keys, args, slots = append(keys, k), append(args, a), append(slots, s)
			k, a, s, n = nil, nil, nil, 0
		}
	}
	for sl, holders := range hs {
		for len(holders) > 0 {
			take := min(len(holders), batchHolders-n)
			if take == 0 {
				flush()
				continue
			}
			k, s = append(k, r.key(sl)), append(s, sl)
			a = append(a, take)
			for _, h := range holders[:take] {
				a = append(a, h)
			}
			holders, n = holders[take:], n+take
		}
	}
	flush()
	return keys, args, slots
}

// renew extends the leases of hs and returns the holdings Redis no longer
// has.
func (r *redisBackend) renew(ctx context.Context, hs map[slot][]string) (map[slot][]string, error) {
	keys, args, slots := r.batches(hs)
	missing := map[slot][]string{}
	for i := range keys {
		octx, cancel := r.op(ctx)
		res, err := renewScript.Run(octx, r.c, keys[i], append([]any{r.ttl.Milliseconds()}, args[i]...)...).Slice()
		cancel()
		if err != nil {
			return nil, err
		}
		for j := 0; j+1 < len(res); j += 2 {
			k, _ := res[j].(int64)
			h, _ := res[j+1].(string)
			if k >= 1 && int(k) <= len(slots[i]) {
				s := slots[i][k-1]
				missing[s] = append(missing[s], h)
			}
		}
	}
	return missing, nil
}

// write gives every holding of hs a fresh lease.
func (r *redisBackend) write(ctx context.Context, hs map[slot][]string) error {
	keys, args, _ := r.batches(hs)
	for i := range keys {
		octx, cancel := r.op(ctx)
		err := writeScript.Run(octx, r.c, keys[i], append([]any{r.ttl.Milliseconds()}, args[i]...)...).Err()
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}

// takeScript is a token bucket: KEYS[1] a hash of the tokens left and the
// time (µs, Redis's clock) they were counted; ARGV[1] the capacity, which
// refills over a minute. A bucket that would be full again expires, since
// a full bucket and none are the same. Numbers go through strings at full
// precision (Lua's tostring keeps 14 digits).
var takeScript = redis.NewScript(`
local cap = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local perUs = cap / 60000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(b[1]), tonumber(b[2])
if tokens == nil or at == nil then tokens, at = cap, now end
if now > at then
  tokens = math.min(cap, tokens + (now - at) * perUs)
  at = now
end
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.0f', at))
redis.call('PEXPIRE', KEYS[1], math.ceil((cap - tokens) / perUs / 1000) + 1)
return {ok, string.format('%.17g', tokens)}`)

func (r *redisBackend) take(ctx context.Context, key string, perMin int) (float64, bool, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	res, err := takeScript.Run(ctx, r.c, []string{r.prefix + "rate:" + key}, perMin).Slice()
	if err != nil {
		return 0, false, err
	}
	if len(res) != 2 {
		return 0, false, fmt.Errorf("limits: redis rate script answered %v", res)
	}
	ok, _ := res[0].(int64)
	s, _ := res[1].(string)
	tokens, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false, fmt.Errorf("limits: redis rate script answered %v", res)
	}
	return tokens, ok == 1, nil
}

func (r *redisBackend) ping(ctx context.Context) error {
	ctx, cancel := r.op(ctx)
	defer cancel()
	return r.c.Ping(ctx).Err()
}
