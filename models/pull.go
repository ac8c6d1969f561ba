package models

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults for Config.
const (
	DefaultConnectTimeout = 30 * time.Second
	DefaultHeaderTimeout  = 60 * time.Second
	DefaultStallTimeout   = 60 * time.Second
	DefaultAttempts       = 4
	DefaultRetryDelay     = 2 * time.Second
)

// copyBuffer is the read size of a download; progress is reported once per
// read.
const copyBuffer = 256 << 10

// Config configures a Puller. Zero fields take the defaults noted.
type Config struct {
	// Dir is the models directory (required); it is created if missing.
	Dir string
	// Catalogue lists what can be pulled (Builtin() if nil).
	Catalogue *Catalogue
	// BaseURL is where the files are fetched from (DefaultBaseURL): a
	// mirror, or a test server.
	BaseURL string
	// Client makes the requests. Nil builds one from the timeouts below;
	// one given here should have no Timeout, which would cut big files.
	Client *http.Client
	// ConnectTimeout bounds dialling and the TLS handshake.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for the response headers.
	HeaderTimeout time.Duration
	// StallTimeout fails an attempt whose body sends nothing for this
	// long. There is no limit on a whole body: a large model on a slow
	// line takes what it takes.
	StallTimeout time.Duration
	// Attempts is how many times a file is tried when the connection
	// breaks, stalls or the server answers 5xx or 429; each attempt
	// resumes from the .part. 1 tries once.
	Attempts int
	// RetryDelay is the wait before the second attempt; it doubles after
	// each.
	RetryDelay time.Duration
	// Progress, if set, is called as bytes arrive, from Pull's goroutine.
	Progress func(Progress)
}

// Progress reports how much of a model is on disk. Done never decreases
// during a Pull and ends at Total when the model is installed.
type Progress struct {
	Model string
	// File is the file being fetched, relative to the models directory.
	File string
	// Done counts the model's bytes on disk so far: verified files, plus
	// what has arrived of the current one.
	Done, Total int64
}

func (c *Config) setDefaults() {
	if c.Catalogue == nil {
		c.Catalogue = Builtin()
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.HeaderTimeout == 0 {
		c.HeaderTimeout = DefaultHeaderTimeout
	}
	if c.StallTimeout == 0 {
		c.StallTimeout = DefaultStallTimeout
	}
	if c.Attempts == 0 {
		c.Attempts = DefaultAttempts
	}
	if c.RetryDelay == 0 {
		c.RetryDelay = DefaultRetryDelay
	}
}

// Validate reports a config that cannot work.
func (c Config) Validate() error {
	if c.Dir == "" {
		return errors.New("models: Config.Dir is required")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("models: base URL %q is not an http(s) URL", c.BaseURL)
	}
	if c.ConnectTimeout < 0 || c.HeaderTimeout < 0 || c.StallTimeout < 0 || c.RetryDelay < 0 {
		return errors.New("models: timeouts must not be negative")
	}
	if c.Attempts < 0 {
		return errors.New("models: Config.Attempts must not be negative")
	}
	return nil
}

// Puller installs catalogue models into a directory.
type Puller struct {
	cfg       Config
	base      *url.URL
	client    *http.Client
	transport *http.Transport // ours to close; nil when Config.Client was given
	closeOnce sync.Once
}

// NewPuller checks cfg and returns a Puller. Close it to release idle
// connections.
func NewPuller(cfg Config) (*Puller, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, _ := url.Parse(cfg.BaseURL)
	p := &Puller{cfg: cfg, base: base, client: cfg.Client}
	if p.client == nil {
		p.transport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   cfg.ConnectTimeout,
			ResponseHeaderTimeout: cfg.HeaderTimeout,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
		}
		p.client = &http.Client{Transport: p.transport}
	}
	return p, nil
}

// Close releases idle connections. It is idempotent.
func (p *Puller) Close() {
	p.closeOnce.Do(func() {
		if p.transport != nil {
			p.transport.CloseIdleConnections()
		}
	})
}

// Pull installs the catalogue model called name, file by file: a file
// already in place with its pinned size and digest is kept, others are
// downloaded (resuming a .part), verified and renamed into place. It
// returns when the model is installed, on the first error, or when ctx is
// done; an interrupted file keeps its .part for the next Pull.
func (p *Puller) Pull(ctx context.Context, name string) error {
	m, ok := p.cfg.Catalogue.Lookup(name)
	if !ok {
		return fmt.Errorf("%w: %q (run \"parley models list\" for the catalogue)", ErrUnknownModel, name)
	}
	if err := os.MkdirAll(p.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	pr := &progress{report: p.cfg.Progress, model: m.Name, total: m.Size(), last: -1}
	for _, f := range m.Files {
		if err := p.pullFile(ctx, f, pr); err != nil {
			return err
		}
	}
	return nil
}

func (p *Puller) pullFile(ctx context.Context, f File, pr *progress) error {
	pr.start(f.Path)
	target := filepath.Join(p.cfg.Dir, filepath.FromSlash(f.Path))
	if ok, err := fileMatches(target, f); err != nil {
		return err
	} else if ok {
		pr.finish(f.Size)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	part := target + partSuffix
	// The lock is taken on the part and held until it has been renamed:
	// two pulls appending to one part would corrupt it.
	lock, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	defer lock.Close()
	if err := lockFile(lock); err != nil {
		return fmt.Errorf("models: %s: %w", f.Path, err)
	}
	delay := p.cfg.RetryDelay
	for attempt := 1; ; attempt++ {
		err := p.fetch(ctx, f, part, pr)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("models: %s: %w (the partial download is kept; pull again to resume)", f.Path, context.Cause(ctx))
		}
		if !isTransient(err) || attempt >= p.cfg.Attempts {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("models: %s: %w (the partial download is kept; pull again to resume)", f.Path, context.Cause(ctx))
		case <-t.C:
		}
		delay *= 2
	}
	if err := verifyFile(part, f); err != nil {
		if rmErr := os.Remove(part); rmErr != nil {
			return errors.Join(err, rmErr)
		}
		return err
	}
	if err := os.Rename(part, target); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	if err := syncDir(filepath.Dir(target)); err != nil {
		return err
	}
	pr.finish(f.Size)
	return nil
}

// fetch brings part up to f.Size bytes: it resumes from the part's length
// with a Range request, or starts again when the server ignores the range.
// Errors worth another attempt are transient; the part then keeps what
// arrived.
func (p *Puller) fetch(ctx context.Context, f File, part string, pr *progress) (err error) {
	fh, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	defer func() {
		if cerr := fh.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("models: %w", cerr)
		}
	}()
	st, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	offset := st.Size()
	if offset > f.Size {
		// Longer than the file can be: not a prefix of it.
		if err := fh.Truncate(0); err != nil {
			return fmt.Errorf("models: %w", err)
		}
		offset = 0
	}
	pr.at(offset)
	if offset == f.Size {
		return nil
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	u := f.URL(p.base)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return transient{fmt.Errorf("models: %s: %w", f.Path, err)}
	}
	defer resp.Body.Close()

	switch resp.StatusCode {
	case http.StatusPartialContent:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if total >= 0 && total != f.Size {
			return p.sizeMismatch(part, f, total)
		}
		if !ok || start != offset {
			// A range we did not ask for: start the file again.
			if err := fh.Truncate(0); err != nil {
				return fmt.Errorf("models: %w", err)
			}
			return transient{fmt.Errorf("models: %s: server answered range %q to a request from byte %d",
				f.Path, resp.Header.Get("Content-Range"), offset)}
		}
	case http.StatusOK:
		if resp.ContentLength >= 0 && resp.ContentLength != f.Size {
			return p.sizeMismatch(part, f, resp.ContentLength)
		}
		offset = 0
		if err := fh.Truncate(0); err != nil {
			return fmt.Errorf("models: %w", err)
		}
		pr.at(0)
	case http.StatusRequestedRangeNotSatisfiable:
		// The part is no prefix of the file the server has.
		if err := fh.Truncate(0); err != nil {
			return fmt.Errorf("models: %w", err)
		}
		return transient{&StatusError{URL: u, Code: resp.StatusCode}}
	default:
		serr := &StatusError{URL: u, Code: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return transient{serr}
		}
		return serr
	}

	if _, err := fh.Seek(offset, io.SeekStart); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	watchdog := time.AfterFunc(p.cfg.StallTimeout, func() { cancel(ErrStalled) })
	defer watchdog.Stop()
	// One byte past the pinned size is enough to tell a longer file.
	body := io.LimitReader(resp.Body, f.Size-offset+1)
	buf := make([]byte, copyBuffer)
	pos := offset
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			watchdog.Reset(p.cfg.StallTimeout)
			if pos+int64(n) > f.Size {
				return p.sizeMismatch(part, f, pos+int64(n))
			}
			if _, err := fh.Write(buf[:n]); err != nil {
				return fmt.Errorf("models: %w", err)
			}
			pos += int64(n)
			pr.at(pos)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if errors.Is(context.Cause(ctx), ErrStalled) {
				rerr = fmt.Errorf("%w: nothing for %s", ErrStalled, p.cfg.StallTimeout)
			}
			return transient{fmt.Errorf("models: %s: download interrupted after %d of %d bytes: %w", f.Path, pos, f.Size, rerr)}
		}
	}
	if pos < f.Size {
		return transient{fmt.Errorf("models: %s: download interrupted after %d of %d bytes: %w", f.Path, pos, f.Size, io.ErrUnexpectedEOF)}
	}
	if err := fh.Sync(); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	return nil
}

// sizeMismatch deletes the part: its bytes belong to a file other than
// the pinned one.
func (p *Puller) sizeMismatch(part string, f File, got int64) error {
	err := fmt.Errorf("%w: %s: the server has %d bytes, the catalogue pins %d (the download was deleted)", ErrSizeMismatch, f.Path, got, f.Size)
	if rmErr := os.Remove(part); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
		return errors.Join(err, rmErr)
	}
	return err
}

// parseContentRange parses "bytes START-END/TOTAL"; total is -1 for "*".
func parseContentRange(s string) (start, total int64, ok bool) {
	spec, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, -1, false
	}
	rng, tot, found := strings.Cut(spec, "/")
	if !found {
		return 0, -1, false
	}
	total = -1
	if tot != "*" {
		t, err := strconv.ParseInt(tot, 10, 64)
		if err != nil {
			return 0, -1, false
		}
		total = t
	}
	first, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, total, false
	}
	start, err := strconv.ParseInt(first, 10, 64)
	return start, total, err == nil
}

// digestOf returns the pinned digest's algorithm, its hex and a hasher.
func digestOf(f File) (alg, want string, h hash.Hash) {
	if f.SHA256 != "" {
		return "sha256", f.SHA256, sha256.New()
	}
	return "md5", f.MD5, md5.New()
}

// verifyFile checks the size and digest of the file at path against f.
func verifyFile(path string, f File) error {
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	defer fh.Close()
	alg, want, h := digestOf(f)
	n, err := io.Copy(h, fh)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	if n != f.Size {
		return fmt.Errorf("%w: %s has %d bytes, the catalogue pins %d", ErrSizeMismatch, f.Path, n, f.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return &DigestError{File: f.Path, Algorithm: alg, Want: want, Got: got}
	}
	return nil
}

// fileMatches reports whether target is already f: a regular file of the
// pinned size and digest.
func fileMatches(target string, f File) (bool, error) {
	st, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("models: %w", err)
	}
	if !st.Mode().IsRegular() || st.Size() != f.Size {
		return false, nil
	}
	err = verifyFile(target, f)
	if err == nil {
		return true, nil
	}
	var de *DigestError
	if errors.As(err, &de) || errors.Is(err, ErrSizeMismatch) {
		return false, nil
	}
	return false, err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	return nil
}

// progress turns file positions into a model-wide count that never goes
// back, even when a server that ignores Range makes a file start over.
type progress struct {
	report func(Progress)
	model  string
	file   string
	total  int64
	base   int64 // bytes of the files already verified
	high   int64 // furthest position reached in the current file
	last   int64 // last Done reported, -1 before the first
}

func (p *progress) start(file string) {
	p.file, p.high = file, 0
}

func (p *progress) at(pos int64) {
	if pos <= p.high {
		return
	}
	p.high = pos
	p.emit()
}

func (p *progress) finish(size int64) {
	p.base += size
	p.high = 0
	p.emit()
}

func (p *progress) emit() {
	done := p.base + p.high
	if p.report == nil || done == p.last {
		return
	}
	p.last = done
	p.report(Progress{Model: p.model, File: p.file, Done: done, Total: p.total})
}
