// Package clientip owns the answer to "which address is this client?" for
// a server that may sit behind reverse proxies (nginx, HAProxy, a cloud
// load balancer). Per-address limits and logs use it.
//
// A Resolver is built from the CIDRs of the proxies the operator trusts
// (`--trusted-proxies`). A request whose TCP peer is not trusted is its peer
// address, whatever headers it carries: anyone can write X-Forwarded-For.
// From a trusted peer, X-Forwarded-For is read right to left (each proxy
// appends the address it received the request from), trusted hops are
// skipped, and the first untrusted address is the client: everything to
// its left was written by the client or its own proxies and proves nothing.
// Without X-Forwarded-For, a single X-Real-IP is used. A header that does
// not parse makes the resolver fall back to the peer, so that a broken or
// hostile header can only ever count against the proxy, never against
// someone else's address.
//
// Addresses are reduced to their plain form: IPv4-mapped IPv6 addresses
// become IPv4, zones are dropped. The standardised Forwarded header (RFC
// 7239) is not read; nginx and HAProxy set X-Forwarded-For by default.
package clientip
