package models

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// request is what the test server saw of one request.
type request struct {
	Path   string
	Range  string
	Status int
	Sent   int64 // body bytes written
}

// fileServer serves files the way Hugging Face does, over real HTTP on
// loopback: Range requests answered 206 unless noRange, and faults on
// demand.
type fileServer struct {
	*httptest.Server
	files   map[string][]byte // URL path → content
	noRange bool

	mu       sync.Mutex
	cutAfter map[string]int64 // URL path → body bytes to send before dropping the connection, once
	status   map[string]int   // URL path → status to answer instead of the file
	stall    map[string]int64 // URL path → body bytes to send before blocking until release
	release  chan struct{}
	reqs     []request
}

func newFileServer(t *testing.T) *fileServer {
	t.Helper()
	s := &fileServer{
		files:    map[string][]byte{},
		cutAfter: map[string]int64{},
		status:   map[string]int{},
		stall:    map[string]int64{},
		release:  make(chan struct{}),
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.release)
		s.Close()
	})
	return s
}

func (s *fileServer) serve(w http.ResponseWriter, r *http.Request) {
	rec := request{Path: r.URL.Path, Range: r.Header.Get("Range")}
	defer func() {
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		s.mu.Unlock()
	}()
	s.mu.Lock()
	body, ok := s.files[r.URL.Path]
	code, fail := s.status[r.URL.Path]
	cut, cutting := s.cutAfter[r.URL.Path]
	delete(s.cutAfter, r.URL.Path)
	stall, stalling := s.stall[r.URL.Path]
	s.mu.Unlock()
	switch {
	case fail:
		rec.Status = code
		w.WriteHeader(code)
		return
	case !ok:
		rec.Status = http.StatusNotFound
		http.NotFound(w, r)
		return
	}
	start := int64(0)
	if from, found := strings.CutPrefix(rec.Range, "bytes="); found && !s.noRange {
		n, err := strconv.ParseInt(strings.TrimSuffix(from, "-"), 10, 64)
		if err != nil || n >= int64(len(body)) {
			rec.Status = http.StatusRequestedRangeNotSatisfiable
			w.WriteHeader(rec.Status)
			return
		}
		start = n
		w.Header().Set("Content-Range", "bytes "+strconv.FormatInt(n, 10)+"-"+strconv.Itoa(len(body)-1)+"/"+strconv.Itoa(len(body)))
		rec.Status = http.StatusPartialContent
	} else {
		rec.Status = http.StatusOK
	}
	rest := body[start:]
	w.Header().Set("Content-Length", strconv.Itoa(len(rest)))
	w.WriteHeader(rec.Status)
	limit := int64(len(rest))
	if cutting && cut < limit {
		limit = cut
	}
	if stalling && stall < limit {
		limit = stall
	}
	n, _ := w.Write(rest[:limit])
	rec.Sent = int64(n)
	if limit == int64(len(rest)) {
		return
	}
	w.(http.Flusher).Flush()
	if stalling {
		select {
		case <-s.release:
		case <-r.Context().Done():
		}
	}
	// Drop the connection with the body unfinished, as a broken network does.
	panic(http.ErrAbortHandler)
}

func (s *fileServer) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.reqs...)
}

func (s *fileServer) resetRequests() {
	s.mu.Lock()
	s.reqs = nil
	s.mu.Unlock()
}

// testFile is one file of a test model: its content and where it lives.
type testFile struct {
	path    string // in the models directory
	content []byte
	md5     bool // pin MD5 instead of SHA-256
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// piperFiles returns a Piper voice's two files with content of the given
// sizes.
func piperFiles(name string, seed uint64, modelSize int) []testFile {
	cfg := []byte(`{"language": {"code": "xx_XX"}, "audio": {"quality": "medium"}, "num_speakers": 1}`)
	return []testFile{
		{path: name + ".onnx.json", content: cfg},
		{path: name + ".onnx", content: randomBytes(seed, modelSize)},
	}
}

// testModel adds a model's files to srv and returns its catalogue entry.
func testModel(srv *fileServer, name, engine string, files []testFile) Model {
	m := Model{Name: name, Engine: engine, Language: "xx_XX", Quality: "medium", Speakers: 1, Licence: "CC0 1.0"}
	for _, tf := range files {
		f := File{Path: tf.path, Repo: "test/" + name, Revision: "0123abcd", Source: "files/" + tf.path, Size: int64(len(tf.content))}
		if tf.md5 {
			sum := md5.Sum(tf.content)
			f.MD5 = hex.EncodeToString(sum[:])
		} else {
			sum := sha256.Sum256(tf.content)
			f.SHA256 = hex.EncodeToString(sum[:])
		}
		srv.files["/"+f.Repo+"/resolve/"+f.Revision+"/"+f.Source] = tf.content
		m.Files = append(m.Files, f)
	}
	return m
}

// testCatalogue goes through LoadCatalogue, as a catalogue file would.
func testCatalogue(t *testing.T, ms ...Model) *Catalogue {
	t.Helper()
	data, err := json.Marshal(map[string]any{"models": ms})
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadCatalogue(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// urlPath is where srv serves f.
func urlPath(f File) string {
	return "/" + f.Repo + "/resolve/" + f.Revision + "/" + f.Source
}
