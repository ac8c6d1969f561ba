package clientip

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ErrBadPrefix reports a trusted-proxy entry that is neither an address nor
// a CIDR.
var ErrBadPrefix = errors.New("clientip: not an IP address or CIDR")

// Resolver finds the client address of requests. The zero value and a nil
// *Resolver trust no proxy: every request is its TCP peer. It is safe for
// concurrent use.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver that believes forwarding headers from peers in
// trusted.
func New(trusted []netip.Prefix) *Resolver {
	ps := make([]netip.Prefix, 0, len(trusted))
	for _, p := range trusted {
		ps = append(ps, netip.PrefixFrom(p.Addr().Unmap(), unmappedBits(p)).Masked())
	}
	return &Resolver{trusted: ps}
}

// unmappedBits is p's length after unmapping an IPv4-mapped prefix
// (::ffff:10.0.0.0/104 is 10.0.0.0/8).
func unmappedBits(p netip.Prefix) int {
	if p.Addr().Is4In6() {
		return max(p.Bits()-96, 0)
	}
	return p.Bits()
}

// ParsePrefixes parses a comma-separated list of CIDRs ("10.0.0.0/8,
// fd00::/8"); a bare address is a prefix of that one address. Blank entries
// are ignored, so "" is the empty list.
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%w: %q", ErrBadPrefix, f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Trusted reports whether a is one of the trusted proxies.
func (r *Resolver) Trusted(a netip.Addr) bool {
	if r == nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Addr returns the client address of req: its TCP peer, or, when the peer
// is a trusted proxy, the address the forwarding headers name (see the
// package doc). It is the zero Addr only when req.RemoteAddr itself is not
// an address, which net/http never produces.
func (r *Resolver) Addr(req *http.Request) netip.Addr {
	peer, ok := parseHop(req.RemoteAddr)
	if !ok || !r.Trusted(peer) {
		return peer
	}
	if xff := req.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		if a, ok := r.fromForwardedFor(xff); ok {
			return a
		}
		return peer
	}
	if xr := req.Header.Values("X-Real-IP"); len(xr) == 1 {
		if a, ok := parseHop(strings.TrimSpace(xr[0])); ok {
			return a
		}
	}
	return peer
}

// Host returns the client address of req as text, for logs and for
// limits.IPKey: Addr's string form, or req.RemoteAddr as it is when that
// does not parse. This is the one function front ends call in place of
// reading req.RemoteAddr.
func (r *Resolver) Host(req *http.Request) string {
	if a := r.Addr(req); a.IsValid() {
		return a.String()
	}
	return req.RemoteAddr
}

// fromForwardedFor walks X-Forwarded-For (every header line, in order, as
// one list) from the right and returns the first untrusted hop; when every
// hop is trusted, the leftmost one. ok is false when a hop that must be
// read does not parse.
func (r *Resolver) fromForwardedFor(lines []string) (netip.Addr, bool) {
	var hops []string
	for _, l := range lines {
		hops = append(hops, strings.Split(l, ",")...)
	}
	var last netip.Addr
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(strings.TrimSpace(hops[i]))
		if !ok {
			return netip.Addr{}, false
		}
		if !r.Trusted(a) {
			return a, true
		}
		last = a
	}
	return last, last.IsValid()
}

// parseHop parses one address as proxies write them: "192.0.2.1",
// "192.0.2.1:5000", "2001:db8::1", "[2001:db8::1]:5000" or "[2001:db8::1]".
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}
