package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The API authenticates with a key in the Authorization header, never with
// cookies, so a page on another origin can act only with a key that its
// user gave it: answering cross-origin requests is safe for any origin.
// Credentials are never allowed, so browsers send no cookies to it either.

// corsExposed are the response headers a cross-origin page may read beyond
// the safelisted ones: what it needs to back off and to follow a job.
const corsExposed = "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, " +
	"X-Concurrent-Limit, X-Concurrent-Active, Location"

// setCORS lets a page on an allowed origin read the answer to r. It reports
// whether r came from such a page.
func (a *API) setCORS(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || len(a.cfg.CORSOrigins) == 0 {
		return false
	}
	h := w.Header()
	if slices.Contains(a.cfg.CORSOrigins, "*") {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		// The answer depends on the origin: caches must keep them apart.
		h.Add("Vary", "Origin")
		if !originListed(a.cfg.CORSOrigins, origin) {
			return false
		}
		h.Set("Access-Control-Allow-Origin", origin)
	}
	h.Set("Access-Control-Expose-Headers", corsExposed)
	return true
}

// preflight answers the CORS preflight (OPTIONS) of a path that accepts
// methods.
func (a *API) preflight(methods string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Allow", "OPTIONS, "+methods)
		if r.Header.Get("Origin") == "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if !a.setCORS(w, r) {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "origin not allowed"})
			return
		}
		h.Set("Access-Control-Allow-Methods", methods)
		// SDKs add headers of their own (OpenAI's sends x-stainless-*);
		// with no credentials involved, any may come.
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		} else {
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		}
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}

// CheckOrigin returns the origin check for a browser endpoint, such as
// /v1/agent, that a page uses with what the user's browser holds (a
// microphone, a session): a request passes when it has no Origin header
// (it does not come from a web page), when its Origin is the server's own
// (its host is the one the request was sent to), or when its Origin is one
// of allowed, given as scheme://host[:port] and compared case-insensitively;
// "*" allows every origin. Browsers open WebSockets to any origin without a
// CORS preflight, so a WebSocket endpoint must check before it upgrades.
// Behind a proxy that rewrites Host, list the public origin in allowed.
func CheckOrigin(allowed []string) func(*http.Request) bool {
	allowed = slices.Clone(allowed)
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" || originListed(allowed, origin) {
			return true
		}
		u, err := url.Parse(origin)
		return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
	}
}

func originListed(allowed []string, origin string) bool {
	for _, o := range allowed {
		if o == "*" || strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return true
		}
	}
	return false
}
