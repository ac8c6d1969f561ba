package limits

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Shared character ledgers: the Redis half of monthly quotas (see the
// package doc, "Monthly quotas"). The store and the per-node ledger are
// auth.Accounting's; this file keeps, per key and month, what every node
// may reserve against.

// Errors of the character ledger.
var (
	// ErrNotShared means the ledger cannot answer now: the Limiter has no
	// Redis, or Redis is unreachable. The caller counts alone.
	ErrNotShared = errors.New("limits: characters are counted on this node alone now")
	// ErrUnsynced means Redis holds no usage for the month yet (its first
	// use, or Redis lost it in a restart): SyncChars it from the store,
	// then ask again.
	ErrUnsynced = errors.New("limits: the shared ledger holds no usage for this month")
)

// CharMonth names one key's month in the shared ledger.
type CharMonth struct {
	Key   string
	Month string // "2006-01", as the store names months
}

// CharGrant is the ledger's answer to a reservation.
type CharGrant struct {
	OK   bool  // the characters were reserved
	Left int64 // what may still be reserved after this answer (negative: over the quota)
	// Resync asks the caller to SyncChars the month: it has not been
	// compared with the store for RedisConfig.Resync. Only one caller at a
	// time is asked.
	Resync bool
}

// CharHold is this node's lease on characters of one key's month in the
// shared ledger. It keeps, for the heartbeat, what the node holds: what
// Redis granted it, and what the caller reserved on its own count while
// Redis was unreachable (Add), so that both are written back when Redis
// returns. Its methods are safe for concurrent use; Release it when the
// work ends.
type CharHold struct {
	l  *Limiter
	m  CharMonth
	id string // "h:" + a holder id unique to this node
}

// chargeRef names a charge that the store has not confirmed yet.
type chargeRef struct {
	m     CharMonth
	id    string // "c:" + a holder id
	chars int64
}

// ChargeRef is a charge counted in the shared ledger whose durable write
// is under way; CharsWritten removes it once the write has ended.
type ChargeRef struct{ ref *chargeRef }

// charHolding is a CharHold's entry in the node's registry.
type charHolding struct {
	m    CharMonth
	held int64
}

// charRegistry is every CharHold of this node with what it holds, and the
// months it charged while counting alone.
type charRegistry struct {
	mu    sync.Mutex
	holds map[string]*charHolding // by holder id
	alone map[CharMonth]struct{}  // at most maxAlone
}

// maxAlone bounds the months remembered as charged during an outage; the
// others wait for their periodic sync (RedisConfig.Resync).
const maxAlone = 10_000

// chargedAlone records that m was charged without Redis: the shared
// ledger lacks the charge until m is synced again.
func (r *charRegistry) chargedAlone(m CharMonth) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.alone == nil {
		r.alone = make(map[CharMonth]struct{})
	}
	if len(r.alone) < maxAlone {
		r.alone[m] = struct{}{}
	}
}

// takeAlone returns and forgets the months charged alone.
func (r *charRegistry) takeAlone() []CharMonth {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]CharMonth, 0, len(r.alone))
	for m := range r.alone {
		out = append(out, m)
	}
	r.alone = nil
	return out
}

func (r *charRegistry) set(id string, m CharMonth, delta int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.holds == nil {
		r.holds = make(map[string]*charHolding)
	}
	h := r.holds[id]
	if h == nil {
		h = &charHolding{m: m}
		r.holds[id] = h
	}
	h.held = max(h.held+delta, 0)
}

// take lowers id's holding by up to chars and returns what it took.
func (r *charRegistry) take(id string, chars int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.holds[id]
	if h == nil {
		return 0
	}
	t := min(chars, h.held)
	h.held -= t
	return t
}

func (r *charRegistry) drop(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.holds, id)
}

// snapshot returns a copy of every holding.
func (r *charRegistry) snapshot() map[string]charHolding {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]charHolding, len(r.holds))
	for id, h := range r.holds {
		out[id] = *h
	}
	return out
}

// has reports whether id is still held.
func (r *charRegistry) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.holds[id]
	return ok
}

// CharHold registers a new hold on m's characters, holding none yet.
func (l *Limiter) CharHold(m CharMonth) *CharHold {
	h := &CharHold{l: l, m: m, id: "h:" + l.holderID()}
	l.chars.set(h.id, m, 0)
	return h
}

// Month is the month the hold counts in.
func (h *CharHold) Month() CharMonth { return h.m }

// Reserve asks the shared ledger for chars more of the month, for a key
// allowed limit characters in it: granted only while used + held + chars
// ≤ limit, where used counts every charge made through the ledger and
// held every node's live holds, checked and taken in one script. Its
// errors are ErrNotShared (count alone: Add what you grant), ErrUnsynced,
// and ctx's.
func (h *CharHold) Reserve(ctx context.Context, limit, chars int64) (CharGrant, error) {
	l := h.l
	l.restore.RLock()
	defer l.restore.RUnlock()
	if !l.sharedUp() {
		return CharGrant{}, ErrNotShared
	}
	g, err := l.shared.reserveChars(ctx, h.m, h.id, limit, chars, l.rcfg.Resync)
	switch {
	case err == nil:
		if g.OK {
			l.chars.set(h.id, h.m, chars)
		}
		return g, nil
	case errors.Is(err, ErrUnsynced):
		return CharGrant{}, err
	case ctx.Err() != nil:
		return CharGrant{}, ctx.Err()
	}
	l.markDown(err)
	return CharGrant{}, ErrNotShared
}

// Add records chars that the caller reserved on its own count (after
// ErrNotShared). They join the hold in Redis now if it answers again, or
// when the node writes its holds back after the outage.
func (h *CharHold) Add(chars int64) {
	l := h.l
	l.restore.RLock()
	defer l.restore.RUnlock()
	l.chars.set(h.id, h.m, chars)
	if l.sharedUp() {
		if err := l.shared.addChars(l.life, h.m, h.id, chars); err != nil {
			l.markDown(err)
		}
	}
}

// Charge moves chars from the hold to the month of the charge (which may
// be a later one than the hold's), counting them as used in the shared
// ledger; charging more than is held is allowed. With pending, the charge
// also counts as written-but-unconfirmed until CharsWritten, so that a
// SyncChars meanwhile does not lose it. A charge that cannot reach Redis
// is counted by the next SyncChars from the store.
func (h *CharHold) Charge(ctx context.Context, month string, chars int64, pending bool) ChargeRef {
	l := h.l
	l.restore.RLock()
	defer l.restore.RUnlock()
	taken := l.chars.take(h.id, chars)
	if !l.sharedUp() {
		l.chars.chargedAlone(CharMonth{h.m.Key, month})
		return ChargeRef{}
	}
	var ref *chargeRef
	if pending {
		ref = &chargeRef{m: CharMonth{h.m.Key, month}, id: "c:" + l.holderID(), chars: chars}
	}
	if err := l.shared.chargeChars(ctx, h.m, h.id, taken, month, chars, ref); err != nil {
		l.chars.chargedAlone(CharMonth{h.m.Key, month})
		if ctx.Err() == nil {
			l.markDown(err)
		}
		return ChargeRef{}
	}
	return ChargeRef{ref}
}

// CharsWritten ends what Charge counted as unconfirmed: the charge's
// durable write has ended, and the store counts it. One that cannot reach
// Redis expires with its lease.
func (l *Limiter) CharsWritten(r ChargeRef) { l.settle(r, false) }

// Uncharge takes back a charge whose durable write failed: the store does
// not count it, and neither does the ledger from now on.
func (l *Limiter) Uncharge(r ChargeRef) { l.settle(r, true) }

func (l *Limiter) settle(r ChargeRef, undo bool) {
	if r.ref == nil {
		return
	}
	l.restore.RLock()
	defer l.restore.RUnlock()
	if l.sharedUp() {
		var back int64
		if undo {
			back = r.ref.chars
		}
		if err := l.shared.settleChars(l.life, r.ref.m, r.ref.id, back); err != nil {
			l.markDown(err)
		}
	}
}

// Release gives back what the hold still holds. It is idempotent. One
// that cannot reach Redis expires with its lease.
func (h *CharHold) Release() {
	l := h.l
	l.restore.RLock()
	defer l.restore.RUnlock()
	if !l.chars.has(h.id) {
		return
	}
	l.chars.drop(h.id)
	if l.sharedUp() {
		if err := l.shared.forgetChars(l.life, h.m, h.id); err != nil {
			l.markDown(err)
		}
	}
}

// SyncChars sets the shared ledger's usage of m from the store: read is
// the store's count. With seed, only a month the ledger does not hold yet
// (ErrUnsynced) is set; without, the month is set again, so that refunds
// made in the store, and charges that bypassed Redis (a node counting
// alone during an outage), show from then on.
//
// The store is read between two looks at the ledger. When no charge made
// through the ledger was under way at the first (every one confirmed by
// CharsWritten) and none began or ended until the second, the store's
// count is exact and becomes the ledger's. Otherwise a charge may have
// reached the store just as it was read, and be counted twice: the sync
// is tried again, up to syncTries times, and then keeps the count that
// errs on the safe side (the store's, plus what was unconfirmed at the
// first look, plus what was charged since), until the next sync. A sync
// never counts less than has been charged. Its errors are ErrNotShared,
// read's, and ctx's.
func (l *Limiter) SyncChars(ctx context.Context, m CharMonth, seed bool, read func(context.Context) (int64, error)) error {
	for try := 1; ; try++ {
		if !l.sharedUp() {
			return ErrNotShared
		}
		snap, err := l.shared.snapshotChars(ctx, m)
		if err != nil {
			return l.sharedErr(ctx, err)
		}
		if seed && snap.synced {
			return nil
		}
		used, err := read(ctx)
		if err != nil {
			return err
		}
		if !l.sharedUp() {
			return ErrNotShared
		}
		exact, err := l.shared.applyChars(ctx, m, used, snap, seed)
		if err != nil {
			return l.sharedErr(ctx, err)
		}
		if exact || try == syncTries {
			return nil
		}
	}
}

// syncTries bounds the attempts of SyncChars at an exact count.
const syncTries = 3

// CharsUsed reports the shared ledger's used and held characters of m.
// Its errors are ErrNotShared, ErrUnsynced (held is still reported), and
// ctx's.
func (l *Limiter) CharsUsed(ctx context.Context, m CharMonth) (used, held int64, err error) {
	if !l.sharedUp() {
		return 0, 0, ErrNotShared
	}
	used, held, err = l.shared.peekChars(ctx, m)
	if err != nil && !errors.Is(err, ErrUnsynced) {
		return 0, 0, l.sharedErr(ctx, err)
	}
	return used, held, err
}

// sharedErr turns a Redis failure into ErrNotShared, switching the node
// to counting alone, unless ctx ended.
func (l *Limiter) sharedErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	l.markDown(err)
	return ErrNotShared
}

func (l *Limiter) holderID() string {
	return l.node + strconv.FormatUint(l.seq.Add(1), 36)
}

// renewChars extends the leases of this node's character holds, and
// writes back those Redis no longer has.
func (l *Limiter) renewChars(ctx context.Context) error {
	hs := l.chars.snapshot()
	if len(hs) == 0 {
		return nil
	}
	missing, err := l.shared.renewChars(ctx, hs)
	if err != nil || len(missing) == 0 {
		return err
	}
	l.restore.Lock()
	defer l.restore.Unlock()
	// Read again under the lock: what was released since stays released,
	// and what changed is written as it is now.
	now := l.chars.snapshot()
	back := make(map[string]charHolding, len(missing))
	for _, id := range missing {
		if h, ok := now[id]; ok {
			back[id] = h
		}
	}
	return l.shared.writeChars(ctx, back)
}

// Keys of a month's ledger. The braces are a Redis Cluster hash tag: a
// key's months live on one shard, so that a script may touch two.
func (r *redisBackend) charKeys(m CharMonth) []string {
	base := r.prefix + "chars:{" + m.Key + "}:" + m.Month
	return []string{base, base + ":leases", base + ":amounts"}
}

// charKeep is how long a month's ledger outlives its last change: past
// the end of any month, so that a month's holds and charges never find it
// gone while they last.
const charKeep = 35 * 24 * time.Hour

// A month's ledger is three keys: a hash with "used" (characters charged,
// set by a sync and raised by every charge; absent until the first sync),
// "total" (every character charged through Redis, less those taken back,
// for a sync to tell what came in meanwhile), "seq" (raised by every
// charge, confirmation and undoing, for a sync to tell whether any
// happened meanwhile) and "synced" (ms of the last sync); a sorted set of
// leases (member → expiry, ms on Redis's clock); and a hash of amounts
// (member → characters). Members are holds ("h:…", characters reserved)
// and charges not yet confirmed written ("c:…", characters in used).
const luaChars = luaNow + `
local function purge(leases, amounts)
  local gone = redis.call('ZRANGEBYSCORE', leases, '-inf', now)
  for i = 1, #gone do redis.call('HDEL', amounts, gone[i]) end
  if #gone > 0 then redis.call('ZREMRANGEBYSCORE', leases, '-inf', now) end
end
local function sums(amounts)
  local v = redis.call('HGETALL', amounts)
  local held, pending = 0, 0
  for i = 1, #v, 2 do
    if string.sub(v[i], 1, 2) == 'h:' then held = held + tonumber(v[i + 1])
    else pending = pending + tonumber(v[i + 1]) end
  end
  return held, pending
end
local function keep(k1, k2, k3, ms)
  redis.call('PEXPIRE', k1, ms)
  redis.call('PEXPIRE', k2, ms)
  redis.call('PEXPIRE', k3, ms)
end
`

// reserveCharsScript: KEYS ledger, leases, amounts; ARGV limit, chars,
// holder, lease ms, keep ms, resync ms. Answers {ok (-1: unsynced), left,
// resync}.
var reserveCharsScript = redis.NewScript(luaChars + `
purge(KEYS[2], KEYS[3])
local used = redis.call('HGET', KEYS[1], 'used')
if not used then return {-1, 0, 0} end
local held = sums(KEYS[3])
local left = tonumber(ARGV[1]) - tonumber(used) - held
local resync = 0
if now - tonumber(redis.call('HGET', KEYS[1], 'synced') or '0') >= tonumber(ARGV[6]) then
  redis.call('HSET', KEYS[1], 'synced', now)
  resync = 1
end
local chars = tonumber(ARGV[2])
if chars > left then return {0, left, resync} end
redis.call('HINCRBY', KEYS[3], ARGV[3], chars)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[3])
keep(KEYS[1], KEYS[2], KEYS[3], ARGV[5])
return {1, left - chars, resync}`)

func (r *redisBackend) reserveChars(ctx context.Context, m CharMonth, holder string, limit, chars int64, resync time.Duration) (CharGrant, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	res, err := reserveCharsScript.Run(ctx, r.c, r.charKeys(m), limit, chars, holder,
		r.ttl.Milliseconds(), charKeep.Milliseconds(), resync.Milliseconds()).Int64Slice()
	if err != nil {
		return CharGrant{}, err
	}
	if len(res) != 3 {
		return CharGrant{}, fmt.Errorf("limits: redis reserve script answered %v", res)
	}
	if res[0] == -1 {
		return CharGrant{}, ErrUnsynced
	}
	return CharGrant{OK: res[0] == 1, Left: res[1], Resync: res[2] == 1}, nil
}

// addCharsScript adds to a hold whatever the count: KEYS as reserve's;
// ARGV holder, chars, lease ms, keep ms.
var addCharsScript = redis.NewScript(luaChars + `
redis.call('HINCRBY', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
keep(KEYS[1], KEYS[2], KEYS[3], ARGV[4])
return 0`)

func (r *redisBackend) addChars(ctx context.Context, m CharMonth, holder string, chars int64) error {
	ctx, cancel := r.op(ctx)
	defer cancel()
	return addCharsScript.Run(ctx, r.c, r.charKeys(m), holder, chars, r.ttl.Milliseconds(), charKeep.Milliseconds()).Err()
}

// chargeCharsScript: KEYS the hold's ledger, leases, amounts, then the
// charge month's; ARGV holder, taken (from the hold), chars, pending id
// ("" for none), lease ms, keep ms.
var chargeCharsScript = redis.NewScript(luaChars + `
local taken, chars = tonumber(ARGV[2]), tonumber(ARGV[3])
if taken > 0 and redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then
  local left = tonumber(redis.call('HGET', KEYS[3], ARGV[1])) - taken
  redis.call('HSET', KEYS[3], ARGV[1], math.max(left, 0))
end
if redis.call('HEXISTS', KEYS[4], 'used') == 1 then redis.call('HINCRBY', KEYS[4], 'used', chars) end
redis.call('HINCRBY', KEYS[4], 'total', chars)
redis.call('HINCRBY', KEYS[4], 'seq', 1)
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[6], ARGV[4], chars)
  redis.call('ZADD', KEYS[5], now + tonumber(ARGV[5]), ARGV[4])
end
keep(KEYS[4], KEYS[5], KEYS[6], ARGV[6])
return 0`)

func (r *redisBackend) chargeChars(ctx context.Context, hm CharMonth, holder string, taken int64, month string, chars int64, ref *chargeRef) error {
	ctx, cancel := r.op(ctx)
	defer cancel()
	keys := append(r.charKeys(hm), r.charKeys(CharMonth{hm.Key, month})...)
	pending := ""
	if ref != nil {
		pending = ref.id
	}
	return chargeCharsScript.Run(ctx, r.c, keys, holder, taken, chars, pending, r.ttl.Milliseconds(), charKeep.Milliseconds()).Err()
}

// unsyncChars makes the next reservation of each month ask for a sync.
func (r *redisBackend) unsyncChars(ctx context.Context, ms []CharMonth) error {
	for len(ms) > 0 {
		batch := ms[:min(len(ms), batchHolders)]
		ms = ms[len(batch):]
		octx, cancel := r.op(ctx)
		_, err := r.c.Pipelined(octx, func(p redis.Pipeliner) error {
			for _, m := range batch {
				k := r.charKeys(m)[0]
				p.HSet(octx, k, "synced", 0)
				p.PExpire(octx, k, charKeep)
			}
			return nil
		})
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}

// settleCharsScript ends an unconfirmed charge, taking back ARGV[2]
// characters of it (those of a charge the store did not take): KEYS as
// reserve's; ARGV the charge's member, the characters, keep ms.
var settleCharsScript = redis.NewScript(luaChars + `
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
local back = tonumber(ARGV[2])
if back > 0 then
  if redis.call('HEXISTS', KEYS[1], 'used') == 1 then redis.call('HINCRBY', KEYS[1], 'used', -back) end
  redis.call('HINCRBY', KEYS[1], 'total', -back)
end
redis.call('HINCRBY', KEYS[1], 'seq', 1)
keep(KEYS[1], KEYS[2], KEYS[3], ARGV[3])
return 0`)

func (r *redisBackend) settleChars(ctx context.Context, m CharMonth, member string, back int64) error {
	ctx, cancel := r.op(ctx)
	defer cancel()
	return settleCharsScript.Run(ctx, r.c, r.charKeys(m), member, back, charKeep.Milliseconds()).Err()
}

// forgetChars removes a hold.
func (r *redisBackend) forgetChars(ctx context.Context, m CharMonth, member string) error {
	ctx, cancel := r.op(ctx)
	defer cancel()
	k := r.charKeys(m)
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, k[1], member)
		p.HDel(ctx, k[2], member)
		return nil
	})
	return err
}

// charSnapshot is a month's ledger at the start of a sync.
type charSnapshot struct {
	total, seq, pending int64
	synced              bool // the ledger holds the month's usage
}

// snapshotCharsScript: KEYS as reserve's. Answers {total, seq, pending,
// synced (0 or 1)}.
var snapshotCharsScript = redis.NewScript(luaChars + `
purge(KEYS[2], KEYS[3])
local _, pending = sums(KEYS[3])
local v = redis.call('HMGET', KEYS[1], 'total', 'seq', 'used')
local synced = 0
if v[3] then synced = 1 end
return {tonumber(v[1] or '0'), tonumber(v[2] or '0'), pending, synced}`)

func (r *redisBackend) snapshotChars(ctx context.Context, m CharMonth) (charSnapshot, error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	res, err := snapshotCharsScript.Run(ctx, r.c, r.charKeys(m)).Int64Slice()
	if err != nil {
		return charSnapshot{}, err
	}
	if len(res) != 4 {
		return charSnapshot{}, fmt.Errorf("limits: redis snapshot script answered %v", res)
	}
	return charSnapshot{total: res[0], seq: res[1], pending: res[2], synced: res[3] == 1}, nil
}

// applyCharsScript sets used from the store's count: KEYS as reserve's;
// ARGV the store's count, the snapshot's total, seq and pending, seed (1:
// only if used is absent), keep ms. Exact when nothing was pending at the
// snapshot and seq has not moved: then used is the store's count.
// Otherwise used is the store's count, plus what was pending, plus what
// was charged since (all of it, if a seq below the snapshot's says Redis
// lost the month meanwhile). Answers {applied, exact}.
var applyCharsScript = redis.NewScript(luaChars + `
local v = redis.call('HMGET', KEYS[1], 'total', 'seq', 'used')
if ARGV[5] == '1' and v[3] then return {0, 1} end
local total, seq = tonumber(v[1] or '0'), tonumber(v[2] or '0')
local stored, total0, seq0, pending = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local exact = 0
local used
if pending == 0 and seq == seq0 then
  used, exact = stored, 1
else
  local since = total - total0
  if seq < seq0 then since = total end
  used = stored + pending + since
end
redis.call('HSET', KEYS[1], 'used', used, 'synced', now)
keep(KEYS[1], KEYS[2], KEYS[3], ARGV[6])
return {1, exact}`)

// applyChars sets the month's used from the store's count and reports
// whether the count is exact (or, with seed, already there).
func (r *redisBackend) applyChars(ctx context.Context, m CharMonth, stored int64, s charSnapshot, seed bool) (exact bool, err error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	seedArg := 0
	if seed {
		seedArg = 1
	}
	res, err := applyCharsScript.Run(ctx, r.c, r.charKeys(m), stored, s.total, s.seq, s.pending, seedArg, charKeep.Milliseconds()).Int64Slice()
	if err != nil {
		return false, err
	}
	if len(res) != 2 {
		return false, fmt.Errorf("limits: redis apply script answered %v", res)
	}
	return res[1] == 1, nil
}

// peekCharsScript: KEYS as reserve's. Answers {used (-1: unsynced), held}.
var peekCharsScript = redis.NewScript(luaChars + `
purge(KEYS[2], KEYS[3])
local held = sums(KEYS[3])
return {tonumber(redis.call('HGET', KEYS[1], 'used') or '-1'), held}`)

func (r *redisBackend) peekChars(ctx context.Context, m CharMonth) (used, held int64, err error) {
	ctx, cancel := r.op(ctx)
	defer cancel()
	res, err := peekCharsScript.Run(ctx, r.c, r.charKeys(m)).Int64Slice()
	if err != nil {
		return 0, 0, err
	}
	if len(res) != 2 {
		return 0, 0, fmt.Errorf("limits: redis peek script answered %v", res)
	}
	if res[0] == -1 {
		return 0, res[1], ErrUnsynced
	}
	return res[0], res[1], nil
}

// renewCharsScript extends the leases of holds that still have one and
// returns the indexes (1-based) of those that do not: KEYS the leases of
// each hold, ARGV the lease ms, then each hold's member.
var renewCharsScript = redis.NewScript(luaNow + `
local ttl = tonumber(ARGV[1])
local missing = {}
for i = 1, #KEYS do
  local h = ARGV[i + 1]
  local s = redis.call('ZSCORE', KEYS[i], h)
  if s and tonumber(s) > now then
    redis.call('ZADD', KEYS[i], 'XX', now + ttl, h)
  else
    missing[#missing + 1] = i
  end
end
return missing`)

// renewChars renews hs's leases and returns the ids Redis no longer has.
func (r *redisBackend) renewChars(ctx context.Context, hs map[string]charHolding) ([]string, error) {
	var missing []string
	ids := make([]string, 0, len(hs))
	for id := range hs {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), batchHolders)]
		ids = ids[len(batch):]
		keys := make([]string, len(batch))
		args := make([]any, 0, len(batch)+1)
		args = append(args, r.ttl.Milliseconds())
		for i, id := range batch {
			keys[i] = r.charKeys(hs[id].m)[1]
			args = append(args, id)
		}
		octx, cancel := r.op(ctx)
		res, err := renewCharsScript.Run(octx, r.c, keys, args...).Int64Slice()
		cancel()
		if err != nil {
			return nil, err
		}
		for _, i := range res {
			if i >= 1 && int(i) <= len(batch) {
				missing = append(missing, batch[i-1])
			}
		}
	}
	return missing, nil
}

// writeCharsScript sets each hold to what it holds, with a fresh lease:
// KEYS the leases and amounts of each hold, in pairs; ARGV the lease ms,
// keep ms, then each hold's member and characters.
var writeCharsScript = redis.NewScript(luaNow + `
local ttl, keep = tonumber(ARGV[1]), ARGV[2]
for i = 1, #KEYS, 2 do
  local h, n = ARGV[i + 2], ARGV[i + 3]
  redis.call('ZADD', KEYS[i], now + ttl, h)
  redis.call('HSET', KEYS[i + 1], h, n)
  redis.call('PEXPIRE', KEYS[i], keep)
  redis.call('PEXPIRE', KEYS[i + 1], keep)
end
return 0`)

// writeChars gives every hold of hs its amount and a fresh lease.
func (r *redisBackend) writeChars(ctx context.Context, hs map[string]charHolding) error {
	ids := make([]string, 0, len(hs))
	for id := range hs {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), batchHolders)]
		ids = ids[len(batch):]
		keys := make([]string, 0, 2*len(batch))
		args := make([]any, 0, 2*len(batch)+2)
		args = append(args, r.ttl.Milliseconds(), charKeep.Milliseconds())
		for _, id := range batch {
			h := hs[id]
			k := r.charKeys(h.m)
			keys = append(keys, k[1], k[2])
			args = append(args, id, h.held)
		}
		octx, cancel := r.op(ctx)
		err := writeCharsScript.Run(octx, r.c, keys, args...).Err()
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}
