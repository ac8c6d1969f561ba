package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var static embed.FS

// Path is where the page is served; its files are served below Path + "/".
const Path = "/agent"

// contentTypes is explicit rather than taken from the mime package, whose
// table depends on the host's /etc/mime.types: AudioWorklet modules are
// refused unless served as JavaScript.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// csp keeps the page to its own origin: it holds the user's API key, so no
// inline script, no third-party code, and sockets only to the server that
// served it.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

type file struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the agent page at Path and its files at Path/<name>; any
// other path, a directory or an unknown file is 404 (never a listing).
// Only GET and HEAD are allowed. Files carry a content hash as ETag and
// "Cache-Control: no-cache", so browsers revalidate cheaply and never run
// a stale page after an upgrade (the names carry no version to bust).
// Mount it for both Path and Path + "/".
func Handler() http.Handler { return handler(loadFiles()) }

// loadFiles reads and hashes the embedded files once per process.
var loadFiles = sync.OnceValue(func() map[string]file {
	files := make(map[string]file)
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			return nil
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		files[strings.TrimPrefix(p, "static/")] = file{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		// The files are compiled in, so this is a broken build, not a runtime condition.
		panic("web: reading embedded files: " + err.Error())
	}
	return files
})

type handler map[string]file

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var name string
	switch p := r.URL.Path; {
	case p == Path:
		name = "index.html"
	case p == Path+"/":
		// The page's links are relative to Path, so one canonical address.
		http.Redirect(w, r, Path, http.StatusMovedPermanently)
		return
	case strings.HasPrefix(p, Path+"/"):
		name = strings.TrimPrefix(p, Path+"/")
		if name == "index.html" {
			name = ""
		}
	}
	f, ok := h[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", f.etag)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if name == "index.html" {
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Frame-Options", "DENY")
		// The microphone is the page's purpose; nothing else is needed.
		hd.Set("Permissions-Policy", "microphone=(self), camera=(), geolocation=()")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
}
