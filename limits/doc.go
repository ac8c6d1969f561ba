// Package limits owns admission control: per-node connection slots,
// per-key and per-client-address WebSocket connections, per-key concurrent
// HTTP syntheses, and per-key generation rates (a token bucket per key).
// Monthly character quotas are auth.Accounting's.
//
// # One node or many
//
// New counts in memory, for one node. Open with a Redis URL shares every
// per-key and per-address count and the generation rates among all nodes
// on that Redis, so that the limits hold whichever node a client reaches;
// the per-node connection limit (Config.MaxConns) stays per node, since it
// protects the node. The Limiter is the same façade either way; behind it a
// small backend interface has two implementations, memory and Redis.
//
// In Redis a counted slot (a key's connections, an address's, a key's HTTP
// syntheses) is a sorted set of holder ids scored by lease expiry on
// Redis's clock; one Lua script drops expired holders, counts and adds,
// atomically, so two nodes never both take the last slot. A generation
// rate is a token bucket in a hash, taken by another script. Release
// removes the holder. Keys start with RedisConfig.Prefix ("parley:"):
// "conn:key:ID", "conn:ip:ADDR", "http:key:ID", "rate:ID".
//
// # Leases: the bound on a dead node
//
// Every holding is a lease of RedisConfig.LeaseTTL (15 s), renewed by the
// node's heartbeat every RedisConfig.Heartbeat (5 s). A node that dies
// without releasing stops renewing, and its holdings stop counting at
// most LeaseTTL after its death (its last renewal came before it). A
// holding's lease can also run out while its node lives, if the node
// cannot reach Redis for longer than LeaseTTL; the node writes it back
// when Redis answers again (below).
//
// # When Redis is unreachable
//
// A Redis operation that fails or takes longer than RedisConfig.Timeout
// (500 ms) switches the node to counting alone: from then on, until Redis
// answers a heartbeat's PING, every operation uses this node's own counts,
// which include the holdings it took through Redis before, with the same
// limits. Nodes keep serving: each admits up to the full per-key and
// per-address limit on its own, so N nodes may admit up to N times a limit
// during an outage, and each applies the full generation rate. The switch
// is reported once (RedisConfig.OnChange, Limiter.Shared), and so is the
// return.
//
// When Redis answers again (the next heartbeat notices; after a long
// outage go-redis may take up to a second more to dial again), the node
// writes every holding it has now into Redis with a fresh lease, then
// shares counts again: connections taken locally during the outage count
// from that moment, even where that puts a key over its limit (open
// connections are not closed; new ones are refused until enough end).
// Holdings released during the outage are not written back; if Redis kept
// them (a network partition rather than a restart), their leases run out
// within LeaseTTL. While the holdings are written, acquisitions and
// releases on that node wait (at most Timeout per batch), so that none is
// lost or brought back after its release. Rate buckets are not merged:
// after a Redis restart every key starts with a full bucket. A lease Redis
// lost without the node noticing (a restart between two heartbeats) is
// found missing at the next renewal and written back if it is still held.
//
// An acquisition whose Redis answer is lost (a timeout after Redis took
// it) is retried locally under the same holder id, so it counts once; if
// the local count refuses it, the Redis copy is renewed by no one and
// expires within LeaseTTL, as does a release that could not reach Redis.
//
// # Monthly quotas
//
// Quota reservations across nodes are leases on characters rather than
// slots (chars.go): auth.Accounting, which owns quotas and the store,
// reserves through a CharHold while Redis answers and through its own
// per-node ledger while it does not. Per key and month Redis keeps a
// ledger, "chars:{ID}:MONTH" (a hash: used, and counters for syncs), with
// a sorted set of leases and a hash of amounts beside it. One script drops
// expired leases and checks used + held + asked ≤ quota before it takes
// the characters, so two nodes never both take the last of a quota. A
// charge raises used and stays "unconfirmed" until its durable write to
// the store has ended (CharsWritten), so that SyncChars, which sets used
// from the store (at a month's first use, after Redis lost it, and every
// RedisConfig.Resync), never loses a charge in flight. Holds are leases
// renewed by the same heartbeat as slots, written back when Redis lost
// them or returns after an outage, and they expire LeaseTTL after a dead
// node's last renewal. Months charged while the node counted alone are
// synced again at their next reservation once Redis is back.
//
// go-redis (github.com/redis/go-redis/v9) is the client: the one DESIGN.md
// names, plain commands and scripts with EVALSHA fallback, and nothing we
// do needs rueidis's client-side caching or automatic pipelining.
package limits
