package jobs

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// Webhook URLs come from key holders, and the server POSTs to them from
// inside its own network. Unless Config.AllowPrivateWebhooks, it reaches only
// public addresses, and checks the address of every connection it opens,
// after DNS resolution: a name that answers with a public address when the
// job is submitted and a private one when the webhook goes out (DNS
// rebinding) is refused all the same.

// blockedIPv4 are the IPv4 ranges a webhook may not reach: everything that
// is not a public unicast address (RFC 6890 and its updates).
var blockedIPv4 = prefixes(
	"0.0.0.0/8",       // "this network", the unspecified address
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // carrier-grade NAT; Alibaba Cloud's metadata service
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local; the metadata service of AWS, GCP and Azure
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments; Oracle Cloud's metadata service
	"192.0.2.0/24",    // documentation
	"192.88.99.0/24",  // 6to4 relays (deprecated)
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation
	"203.0.113.0/24",  // documentation
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and the broadcast address
)

var (
	// IPv6 webhooks go to global unicast addresses only: this excludes
	// loopback, unspecified, unique local (fc00::/7, with AWS's metadata
	// service), link-local, multicast and the IPv4-compatible forms.
	globalIPv6 = netip.MustParsePrefix("2000::/3")
	// blockedIPv6 are the parts of it that are not public.
	blockedIPv6 = prefixes(
		"2001::/32",     // Teredo, which tunnels to an IPv4 address
		"2001:2::/48",   // benchmarking
		"2001:10::/28",  // ORCHID (deprecated)
		"2001:20::/28",  // ORCHIDv2
		"2001:db8::/32", // documentation
		"3fff::/20",     // documentation
	)
	// These embed an IPv4 address, which decides.
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // the address in the last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // the address in bits 16 to 47
)

func prefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// addressAllowed reports whether a webhook may connect to ip when private
// addresses are not allowed.
func addressAllowed(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if ip.Is4() {
		return !inAny(ip, blockedIPv4)
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return addressAllowed(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(ip):
		return addressAllowed(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return ip.IsValid() && globalIPv6.Contains(ip) && !inAny(ip, blockedIPv6)
}

func inAny(ip netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// egress is the address policy of the webhook client's transport.
type egress struct {
	// proxy chooses the proxy of a request: the operator's, from the
	// environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
	proxy    func(*http.Request) (*url.URL, error)
	resolver *net.Resolver
	guarded  net.Dialer // checks every address it connects to
	open     net.Dialer // for the operator's proxies only

	mu      sync.Mutex
	proxies map[string]bool // host:port of every proxy chosen so far
}

func newEgress(proxy func(*http.Request) (*url.URL, error)) *egress {
	e := &egress{proxy: proxy, resolver: net.DefaultResolver, proxies: map[string]bool{}}
	// The timeouts are those of http.DefaultTransport's dialer.
	e.open = net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	e.guarded = e.open
	e.guarded.Control = checkDial
	return e
}

// guard makes tr refuse addresses that are not public.
func (e *egress) guard(tr *http.Transport) {
	tr.Proxy = e.proxyFor
	tr.DialContext = e.dial
}

// checkDial is the dialer's Control function: it runs for every address the
// dialer tries, after resolution, just before the connection is made.
func checkDial(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !addressAllowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrAddressNotAllowed, address)
	}
	return nil
}

func (e *egress) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	e.mu.Lock()
	proxy := e.proxies[addr]
	e.mu.Unlock()
	if proxy {
		// The operator chose it, and it is usually on the private network.
		return e.open.DialContext(ctx, network, addr)
	}
	return e.guarded.DialContext(ctx, network, addr)
}

// proxyFor is the transport's Proxy function. Through a proxy, the proxy
// resolves the receiver's name and connects to it, so the dialer never sees
// the receiver's address: proxyFor checks it here instead, as resolved by
// this server. A name that answers differently to the proxy a moment later is
// for the proxy's own policy to refuse.
func (e *egress) proxyFor(req *http.Request) (*url.URL, error) {
	u, err := e.proxy(req)
	if err != nil || u == nil {
		return u, err
	}
	ips, err := e.resolver.LookupNetIP(req.Context(), "ip", req.URL.Hostname())
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if !addressAllowed(ip) {
			return nil, fmt.Errorf("%w: %s resolves to %s", ErrAddressNotAllowed, req.URL.Hostname(), ip)
		}
	}
	e.mu.Lock()
	e.proxies[proxyAddr(u)] = true
	e.mu.Unlock()
	return u, nil
}

// proxyAddr is the host:port the transport dials for proxy u.
func proxyAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}
