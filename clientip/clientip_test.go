package clientip

import (
	"errors"
	"net/http"
	"net/netip"
	"testing"
)

func TestAddr(t *testing.T) {
	r := New(mustPrefixes(t, "10.0.0.0/8, 192.0.2.10, fd00::/8, ::ffff:172.16.0.0/108"))
	cases := []struct {
		name   string
		remote string
		xff    []string // one entry per header line
		realIP []string
		want   string
	}{
		{name: "direct client", remote: "198.51.100.7:5000", want: "198.51.100.7"},
		{name: "untrusted peer's XFF is ignored (spoofing)", remote: "198.51.100.7:5000",
			xff: []string{"203.0.113.9"}, want: "198.51.100.7"},
		{name: "untrusted peer's X-Real-IP is ignored", remote: "198.51.100.7:5000",
			realIP: []string{"203.0.113.9"}, want: "198.51.100.7"},
		{name: "trusted proxy, one hop", remote: "10.1.2.3:40000",
			xff: []string{"203.0.113.9"}, want: "203.0.113.9"},
		{name: "client-written entries left of the real hop are skipped", remote: "10.1.2.3:40000",
			xff: []string{"1.1.1.1, 2.2.2.2, 203.0.113.9"}, want: "203.0.113.9"},
		{name: "chain of trusted proxies", remote: "10.1.2.3:40000",
			xff: []string{"6.6.6.6, 203.0.113.9, 10.9.9.9, 192.0.2.10"}, want: "203.0.113.9"},
		{name: "several header lines are one list", remote: "10.1.2.3:40000",
			xff: []string{"6.6.6.6, 203.0.113.9", "10.9.9.9"}, want: "203.0.113.9"},
		{name: "every hop trusted: the leftmost", remote: "10.1.2.3:40000",
			xff: []string{"10.5.5.5, 10.9.9.9"}, want: "10.5.5.5"},
		{name: "hop with a port", remote: "10.1.2.3:40000",
			xff: []string{"203.0.113.9:61000"}, want: "203.0.113.9"},
		{name: "IPv6 hop", remote: "10.1.2.3:40000",
			xff: []string{"2001:db8::1"}, want: "2001:db8::1"},
		{name: "bracketed IPv6 hop with a port", remote: "10.1.2.3:40000",
			xff: []string{"[2001:db8::1]:443"}, want: "2001:db8::1"},
		{name: "bracketed IPv6 hop without a port", remote: "10.1.2.3:40000",
			xff: []string{"[2001:db8::1]"}, want: "2001:db8::1"},
		{name: "IPv6 trusted proxy", remote: "[fd00::5]:40000",
			xff: []string{"198.51.100.7"}, want: "198.51.100.7"},
		{name: "IPv4-mapped peer is trusted as IPv4", remote: "[::ffff:10.1.2.3]:40000",
			xff: []string{"198.51.100.7"}, want: "198.51.100.7"},
		{name: "IPv4-mapped hop is reported as IPv4", remote: "10.1.2.3:40000",
			xff: []string{"::ffff:198.51.100.7"}, want: "198.51.100.7"},
		{name: "IPv4-mapped trusted prefix", remote: "172.16.3.4:40000",
			xff: []string{"198.51.100.7"}, want: "198.51.100.7"},
		{name: "zone dropped", remote: "10.1.2.3:40000",
			xff: []string{"fe80::1%eth0"}, want: "fe80::1"},
		{name: "X-Real-IP when there is no XFF", remote: "10.1.2.3:40000",
			realIP: []string{" 203.0.113.9 "}, want: "203.0.113.9"},
		{name: "XFF wins over X-Real-IP", remote: "10.1.2.3:40000",
			xff: []string{"203.0.113.9"}, realIP: []string{"198.51.100.99"}, want: "203.0.113.9"},
		{name: "malformed XFF hop: the peer", remote: "10.1.2.3:40000",
			xff: []string{"unknown"}, want: "10.1.2.3"},
		{name: "malformed hop right of the client: the peer", remote: "10.1.2.3:40000",
			xff: []string{"203.0.113.9, garbage"}, want: "10.1.2.3"},
		{name: "malformed hop left of the client does not matter", remote: "10.1.2.3:40000",
			xff: []string{"garbage, 203.0.113.9"}, want: "203.0.113.9"},
		{name: "empty XFF: the peer", remote: "10.1.2.3:40000",
			xff: []string{""}, want: "10.1.2.3"},
		{name: "trailing comma: the peer", remote: "10.1.2.3:40000",
			xff: []string{"203.0.113.9,"}, want: "10.1.2.3"},
		{name: "malformed X-Real-IP: the peer", remote: "10.1.2.3:40000",
			realIP: []string{"203.0.113"}, want: "10.1.2.3"},
		{name: "two X-Real-IP lines: the peer", remote: "10.1.2.3:40000",
			realIP: []string{"203.0.113.9", "198.51.100.7"}, want: "10.1.2.3"},
		{name: "no headers from a trusted peer: the peer", remote: "10.1.2.3:40000", want: "10.1.2.3"},
		{name: "IPv6 direct client", remote: "[2001:db8:1::7]:5000", want: "2001:db8:1::7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := request(c.remote, c.xff, c.realIP)
			if got := r.Addr(req); got.String() != c.want {
				t.Fatalf("Addr = %v, want %s", got, c.want)
			}
			if got := r.Host(req); got != c.want {
				t.Fatalf("Host = %q, want %s", got, c.want)
			}
		})
	}
}

func TestNoTrustIgnoresHeaders(t *testing.T) {
	for name, r := range map[string]*Resolver{"nil": nil, "zero": {}, "empty": New(nil)} {
		req := request("10.1.2.3:40000", []string{"203.0.113.9"}, []string{"203.0.113.9"})
		if got := r.Host(req); got != "10.1.2.3" {
			t.Errorf("%s resolver: Host = %q, want the peer 10.1.2.3", name, got)
		}
	}
}

func TestHostOfUnparsablePeer(t *testing.T) {
	req := request("pipe", []string{"203.0.113.9"}, nil)
	if got := New(mustPrefixes(t, "0.0.0.0/0")).Host(req); got != "pipe" {
		t.Fatalf("Host = %q, want the RemoteAddr as it is", got)
	}
}

func TestParsePrefixes(t *testing.T) {
	got, err := ParsePrefixes(" 127.0.0.1/32, 10.1.2.3/8 ,,192.0.2.1, ::1, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1/32", "10.0.0.0/8", "192.0.2.1/32", "::1/128", "fd00::/8"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("entry %d = %v, want %s", i, got[i], want[i])
		}
	}
	if ps, err := ParsePrefixes(""); err != nil || len(ps) != 0 {
		t.Fatalf(`ParsePrefixes("") = %v, %v; want the empty list`, ps, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "nginx", "10.0.0.1:80", "fe80::1%eth0"} {
		if _, err := ParsePrefixes(bad); !errors.Is(err, ErrBadPrefix) {
			t.Errorf("ParsePrefixes(%q) = %v, want ErrBadPrefix", bad, err)
		}
	}
}

func request(remote string, xff, realIP []string) *http.Request {
	req, _ := http.NewRequest("GET", "http://example.com/", nil)
	req.RemoteAddr = remote
	for _, v := range xff {
		req.Header.Add("X-Forwarded-For", v)
	}
	for _, v := range realIP {
		req.Header.Add("X-Real-IP", v)
	}
	return req
}

func mustPrefixes(t *testing.T, s string) []netip.Prefix {
	t.Helper()
	ps, err := ParsePrefixes(s)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func FuzzAddr(f *testing.F) {
	f.Add("10.1.2.3:1", "1.2.3.4, 10.0.0.1", "5.6.7.8")
	f.Add("[::1]:1", "[2001:db8::1]:80,garbage", "")
	r := New([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")})
	f.Fuzz(func(t *testing.T, remote, xff, realIP string) {
		req := request(remote, []string{xff}, []string{realIP})
		a := r.Addr(req)
		peer, ok := parseHop(remote)
		if !ok || !r.Trusted(peer) {
			if a != peer {
				t.Fatalf("untrusted peer %q resolved to %v", remote, a)
			}
			return
		}
		if !a.IsValid() {
			t.Fatalf("trusted peer %q resolved to an invalid address", remote)
		}
	})
}
