package jobs

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/parley-voice/parley/store"
)

func TestAddressAllowed(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"203.0.114.1", true},
		{"2606:4700:4700::1111", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", true},  // 6to4 of 8.8.8.8

		{"127.0.0.1", false},
		{"127.255.0.9", false},
		{"0.0.0.0", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"100.64.0.1", false},
		{"100.100.100.200", false}, // Alibaba Cloud metadata
		{"169.254.169.254", false}, // AWS, GCP, Azure metadata
		{"192.0.0.192", false},     // Oracle Cloud metadata
		{"198.18.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"::", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false}, // IPv4-mapped
		{"::ffff:169.254.169.254", false},
		{"::127.0.0.1", false}, // IPv4-compatible (deprecated)
		{"fd00::1", false},
		{"fd00:ec2::254", false}, // AWS metadata over IPv6
		{"fc00::1", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"ff02::1", false},
		{"64:ff9b::7f00:1", false},    // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of 169.254.169.254
		{"64:ff9b:1::1", false},
		{"2002:7f00:1::1", false}, // 6to4 of 127.0.0.1
		{"2002:a00:1::1", false},  // 6to4 of 10.0.0.1
		{"2001::1", false},        // Teredo
		{"2001:db8::1", false},
		{"100::1", false},
	}
	for _, tt := range tests {
		if got := addressAllowed(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("addressAllowed(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}

// TestWebhookAddresses submits webhooks to the loopback interface: written
// out, the address is refused at once; behind a name (localhost), the
// connection is refused when it is dialled, whatever the name resolves to,
// unless private addresses are allowed.
func TestWebhookAddresses(t *testing.T) {
	rcv := newReceiver(t, always(http.StatusOK))
	port := rcv.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	named := "http://localhost:" + strconv.Itoa(int(port)) + "/hook?token=receiver-secret"

	t.Run("refused", func(t *testing.T) {
		e := newEnv(t)
		cfg := fastConfig(e.dir)
		cfg.AllowPrivateWebhooks = false
		cfg.DeliveryAttempts = 2
		m := e.start(t, cfg, &writeRunner{})
		for _, u := range []string{
			rcv.URL, "http://[::1]:8080/", "http://[::ffff:127.0.0.1]/", "https://10.1.2.3/", "http://169.254.169.254/latest/meta-data/",
			"http://[fd00:ec2::254]/", "http://100.100.100.200/", "http://0.0.0.0:80/", "http://[fe80::1%25eth0]/",
		} {
			_, err := m.Submit(context.Background(), store.Job{AccountID: e.key.AccountID, KeyID: e.key.ID, Request: []byte(`{}`), Format: "wav", WebhookURL: u})
			if !errors.Is(err, ErrWebhookURL) {
				t.Errorf("Submit with webhook %s: error = %v, want ErrWebhookURL", u, err)
			}
		}
		j := e.submit(t, m, named)
		got := waitJob(t, e.db, j, "done delivering", deliveryOver)
		if got.DeliveryStatus != store.DeliveryFailed || got.DeliveryAttempts != 2 || got.LastDeliveryError != "refused: address not allowed" {
			t.Errorf("job = %+v, want delivery failed twice with the address refused", got)
		}
		if n := len(rcv.received()); n != 0 {
			t.Errorf("the receiver on loopback got %d requests", n)
		}
	})
	t.Run("allowed", func(t *testing.T) {
		e := newEnv(t)
		m := e.start(t, fastConfig(e.dir), &writeRunner{})
		j := e.submit(t, m, named)
		if got := waitJob(t, e.db, j, "done delivering", deliveryOver); got.DeliveryStatus != store.DeliveryDelivered {
			t.Errorf("job = %+v, want delivered with private addresses allowed", got)
		}
		if n := len(rcv.received()); n != 1 {
			t.Errorf("the receiver got %d requests, want 1", n)
		}
	})
}

// TestWebhookThroughProxy sends webhooks through a proxy on the loopback
// interface, as an operator's egress proxy on the private network would be:
// the proxy may be reached, and a receiver that resolves to a private address
// is refused before anything is sent to the proxy.
func TestWebhookThroughProxy(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String())
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer proxy.Close()
	proxyURL, err := url.Parse(proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	newEgress(func(*http.Request) (*url.URL, error) { return proxyURL, nil }).guard(tr)
	client := &http.Client{Transport: tr}

	post := func(target string) error {
		resp, err := client.Post(target, "application/json", strings.NewReader(`{}`))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("POST %s through the proxy: %s", target, resp.Status)
		}
		return nil
	}
	if err := post("http://203.0.114.1/hook"); err != nil {
		t.Fatalf("public receiver through the proxy: %v", err)
	}
	if err := post("http://localhost:9/hook"); !errors.Is(err, ErrAddressNotAllowed) {
		t.Errorf("receiver on loopback through the proxy: error = %v, want ErrAddressNotAllowed", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "POST http://203.0.114.1/hook" {
		t.Errorf("the proxy saw %q, want only the public receiver's request", seen)
	}
}
