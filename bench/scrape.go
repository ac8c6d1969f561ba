package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Server metrics read from the Prometheus endpoint; Go servers export both
// through client_golang's process and Go collectors.
const (
	metricRSS        = "process_resident_memory_bytes"
	metricGoroutines = "go_goroutines"
)

// Bounds of a scrape.
const (
	scrapeTimeout = 5 * time.Second
	maxScrapeBody = 8 << 20
)

// Scrape is the server's figures at one moment of the run.
type Scrape struct {
	AtS float64 `json:"at_s"` // seconds since the run began
	// SessionsOpen is how many of the run's sessions were open then.
	SessionsOpen int `json:"sessions_open"`
	// RSSBytes is process_resident_memory_bytes, Goroutines go_goroutines;
	// 0 when the scrape failed or the server does not export the metric.
	RSSBytes   int64 `json:"rss_bytes"`
	Goroutines int   `json:"goroutines"`
	// Error says why a figure is missing.
	Error string `json:"error,omitempty"`
}

// ServerFigures are the server's own figures, scraped from its metrics at
// the start (before any session opens), at the peak (every session has
// finished its work, or been held for the duration, and none has been
// closed yet) and at the end (every session closed).
type ServerFigures struct {
	MetricsURL string `json:"metrics_url"`
	Start      Scrape `json:"start"`
	Peak       Scrape `json:"peak"`
	End        Scrape `json:"end"`
	// RSSPerSessionBytes is, for the idle target, (peak RSS - start RSS) /
	// sessions open at the peak; 0 without both figures or without open
	// sessions, and for the other targets, whose growth is mostly the
	// synthesis's and not the sessions'.
	RSSPerSessionBytes float64 `json:"rss_per_session_bytes"`
}

// scraper reads the server's metrics endpoint.
type scraper struct {
	url    string
	client *http.Client
}

// scrape reads the metrics now. Failures are reported in Scrape.Error.
func (s *scraper) scrape(ctx context.Context) Scrape {
	var sc Scrape
	ctx, cancel := context.WithTimeout(ctx, scrapeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		sc.Error = err.Error()
		return sc
	}
	// The text format, not OpenMetrics or protobuf.
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := s.client.Do(req)
	if err != nil {
		sc.Error = err.Error()
		return sc
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		sc.Error = "GET " + s.url + ": " + resp.Status
		return sc
	}
	vals, err := parsePrometheus(io.LimitReader(resp.Body, maxScrapeBody), metricRSS, metricGoroutines)
	if err != nil {
		sc.Error = err.Error()
		return sc
	}
	var missing []string
	if v, ok := vals[metricRSS]; ok {
		sc.RSSBytes = int64(v)
	} else {
		missing = append(missing, metricRSS)
	}
	if v, ok := vals[metricGoroutines]; ok {
		sc.Goroutines = int(v)
	} else {
		missing = append(missing, metricGoroutines)
	}
	if len(missing) > 0 {
		sc.Error = "not exported: " + strings.Join(missing, ", ")
	}
	return sc
}

// parsePrometheus reads the Prometheus text exposition format and returns
// the values of the named metrics that are samples without labels. It
// reads only what it needs of the format: comments and other metrics are
// skipped, a sample is "name value [timestamp]".
func parsePrometheus(r io.Reader, names ...string) (map[string]float64, error) {
	vals := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || len(f) > 3 {
			continue
		}
		name := f[0]
		for _, want := range names {
			if name != want {
				continue
			}
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("metrics: %s has the value %q", name, f[1])
			}
			vals[name] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return vals, nil
}

// perSession computes RSSPerSessionBytes of an idle run.
func (f *ServerFigures) perSession(target string) {
	if target == TargetIdle && f.Start.RSSBytes > 0 && f.Peak.RSSBytes > 0 && f.Peak.SessionsOpen > 0 {
		f.RSSPerSessionBytes = float64(f.Peak.RSSBytes-f.Start.RSSBytes) / float64(f.Peak.SessionsOpen)
	}
}
