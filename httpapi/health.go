package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-voice/parley/metrics"
)

// RegisterHealth adds /healthz (the process is alive), /readyz (ready reports
// nil: dependencies usable, not shutting down; its details, such as a
// degraded dependency that does not stop the node serving, are added to the
// answer) and /metrics to mux.
func RegisterHealth(mux *http.ServeMux, m *metrics.Metrics, ready func() (details map[string]string, err error)) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		details, err := ready()
		body := map[string]string{"status": "ready"}
		for k, v := range details {
			body[k] = v
		}
		if err != nil {
			body["status"], body["error"] = "unavailable", err.Error()
			writeJSON(w, http.StatusServiceUnavailable, body)
			return
		}
		writeJSON(w, http.StatusOK, body)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
