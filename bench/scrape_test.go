package bench

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParsePrometheus(t *testing.T) {
	const page = `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
go_goroutines_extra 1
go_gc_duration_seconds{quantile="0.5"} 1.2e-05
process_resident_memory_bytes{instance="other"} 1
process_resident_memory_bytes 5.4321408e+07 1712345678000

`
	got, err := parsePrometheus(strings.NewReader(page), metricRSS, metricGoroutines)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[metricRSS] != 54321408 || got[metricGoroutines] != 42 {
		t.Errorf("parsed %v", got)
	}
	if _, err := parsePrometheus(strings.NewReader("go_goroutines NaN\n"), metricGoroutines); err == nil {
		t.Error("NaN accepted")
	}
	if _, err := parsePrometheus(strings.NewReader("go_goroutines lots\n"), metricGoroutines); err == nil {
		t.Error("a word accepted as a value")
	}
}

func TestScrapeFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/metrics"
	ln.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/partial" {
			_, _ = w.Write([]byte("go_goroutines 7\n"))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	client, tr := newHTTPClient(DefaultConfig())
	defer tr.CloseIdleConnections()
	tests := []struct {
		url, want  string
		goroutines int
	}{
		{closed, "connection refused", 0},
		{srv.URL + "/metrics", "404 Not Found", 0},
		{srv.URL + "/partial", "not exported: " + metricRSS, 7},
	}
	for _, tt := range tests {
		sc := (&scraper{url: tt.url, client: client}).scrape(context.Background())
		if !strings.Contains(sc.Error, tt.want) || sc.Goroutines != tt.goroutines || sc.RSSBytes != 0 {
			t.Errorf("%s: %+v, want error %q", tt.url, sc, tt.want)
		}
	}
}
