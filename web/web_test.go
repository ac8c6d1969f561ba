package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	h := Handler()
	tests := []struct {
		method, path string
		status       int
		contentType  string
		body         string // a substring of the body
	}{
		{"GET", "/agent", 200, "text/html; charset=utf-8", `<script type="module" src="agent/app.js">`},
		{"HEAD", "/agent", 200, "text/html; charset=utf-8", ""},
		{"GET", "/agent/app.js", 200, "text/javascript; charset=utf-8", "window.parley"},
		{"GET", "/agent/capture-worklet.js", 200, "text/javascript; charset=utf-8", "registerProcessor('parley-capture'"},
		{"GET", "/agent/playback-worklet.js", 200, "text/javascript; charset=utf-8", "registerProcessor('parley-playback'"},
		{"GET", "/agent/jitter.js", 200, "text/javascript; charset=utf-8", "export class JitterBuffer"},
		{"GET", "/agent/agent.css", 200, "text/css; charset=utf-8", ".state"},
		{"GET", "/agent/icon.svg", 200, "image/svg+xml", "<svg"},
		{"GET", "/agent/", 301, "", ""},
		{"GET", "/agent/index.html", 404, "", ""},
		{"GET", "/agent/nope.js", 404, "", ""},
		{"GET", "/agent/static/app.js", 404, "", ""},
		{"GET", "/agent/../agent/app.js", 404, "", ""},
		{"GET", "/agentx", 404, "", ""},
		{"GET", "/", 404, "", ""},
		{"GET", "/app.js", 404, "", ""},
		{"POST", "/agent", 405, "", ""},
		{"DELETE", "/agent/app.js", 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://parley.test/", nil)
			req.URL.Path = tt.path // unclean paths as a handler mounted without ServeMux would see them
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tt.status, rec.Body.String())
			}
			if tt.status != 200 {
				if tt.status == 301 && rec.Header().Get("Location") != Path {
					t.Errorf("Location %q, want %q", rec.Header().Get("Location"), Path)
				}
				if tt.status == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
					t.Errorf("Allow %q", rec.Header().Get("Allow"))
				}
				return
			}
			hd := rec.Header()
			if got := hd.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if got := hd.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control %q, want no-cache", got)
			}
			if got := hd.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if hd.Get("ETag") == "" {
				t.Error("no ETag")
			}
			if isPage := tt.path == Path; isPage != (hd.Get("Content-Security-Policy") != "") {
				t.Errorf("Content-Security-Policy %q on %s", hd.Get("Content-Security-Policy"), tt.path)
			}
			if tt.method == "HEAD" && rec.Body.Len() != 0 {
				t.Errorf("HEAD has a body of %d bytes", rec.Body.Len())
			}
			if !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("body lacks %q", tt.body)
			}
		})
	}
}

// TestHandlerRevalidation checks that a browser holding the current file
// gets 304 and one holding an old version gets the file.
func TestHandlerRevalidation(t *testing.T) {
	h := Handler()
	get := func(etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/agent/app.js", nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := get("")
	etag := first.Header().Get("ETag")
	tests := []struct {
		name   string
		etag   string
		status int
	}{
		{"current", etag, http.StatusNotModified},
		{"stale", `"0123456789abcdef01234567"`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if rec := get(tt.etag); rec.Code != tt.status {
				t.Errorf("If-None-Match %s: status %d, want %d", tt.etag, rec.Code, tt.status)
			}
		})
	}
}

// TestEveryFileServed catches a static file added with an extension the
// handler has no content type for: it would silently be a 404.
func TestEveryFileServed(t *testing.T) {
	h := Handler()
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		path := Path + "/" + name
		if name == "index.html" {
			path = Path
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("%s (%s): status %d", name, path, rec.Code)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
