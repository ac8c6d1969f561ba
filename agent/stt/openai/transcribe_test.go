package openai

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-voice/parley/audio"
)

// tone is a short 16 kHz utterance stand-in.
func tone(n int) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*220*float64(i)/SampleRate))
	}
	return pcm
}

// request is what the fake server saw.
type request struct {
	method, path, auth, contentType string
	fields                          map[string]string
	filename, fileType              string
	pcm                             []int16
	rate                            int
	err                             error
}

// newTranscriber starts a fake server. Its handler sees the parsed request
// and writes the answer.
func newTranscriber(t *testing.T, answer func(w http.ResponseWriter, r *http.Request), adjust ...func(*Config)) (*Transcriber, <-chan request) {
	t.Helper()
	seen := make(chan request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := request{method: r.Method, path: r.URL.Path, auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type"), fields: map[string]string{}}
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			req.err = err
		} else {
			for k, v := range r.MultipartForm.Value {
				req.fields[k] = v[0]
			}
			if fhs := r.MultipartForm.File["file"]; len(fhs) == 1 {
				req.filename, req.fileType = fhs[0].Filename, fhs[0].Header.Get("Content-Type")
				f, err := fhs[0].Open()
				if err == nil {
					req.pcm, req.rate, req.err = audio.ReadWAV(f)
					f.Close()
				} else {
					req.err = err
				}
			}
		}
		select {
		case seen <- req:
		default:
		}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL + "/v1", HTTPClient: srv.Client()}
	for _, f := range adjust {
		f(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tr, seen
}

func answerJSON(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

func TestTranscribeRequest(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		language string
		want     map[string]string
		wantAuth string
	}{
		{"defaults", Config{}, "", map[string]string{"model": "whisper-1", "response_format": "json"}, ""},
		{
			"key, model, prompt, protocol language",
			Config{APIKey: "sk-test", Model: "Systran/faster-whisper-small", Prompt: "Parley, murmr"},
			"English",
			map[string]string{"model": "Systran/faster-whisper-small", "response_format": "json", "language": "en", "prompt": "Parley, murmr"},
			"Bearer sk-test",
		},
		{"iso code", Config{}, "de", map[string]string{"model": "whisper-1", "response_format": "json", "language": "de"}, ""},
		{"locale", Config{}, "pt-BR", map[string]string{"model": "whisper-1", "response_format": "json", "language": "pt"}, ""},
		{"auto", Config{}, "Auto", map[string]string{"model": "whisper-1", "response_format": "json"}, ""},
	}
	pcm := tone(SampleRate / 2)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, seen := newTranscriber(t, answerJSON(`{"text":" Hello, world. "}`), func(c *Config) {
				c.APIKey, c.Model, c.Prompt = tt.cfg.APIKey, tt.cfg.Model, tt.cfg.Prompt
			})
			text, err := tr.Transcribe(t.Context(), pcm, tt.language)
			if err != nil {
				t.Fatal(err)
			}
			if text != "Hello, world." {
				t.Errorf("text = %q", text)
			}
			r := <-seen
			if r.err != nil {
				t.Fatalf("server could not parse the request: %v", r.err)
			}
			if r.method != http.MethodPost || r.path != "/v1/audio/transcriptions" {
				t.Errorf("%s %s", r.method, r.path)
			}
			if r.auth != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", r.auth, tt.wantAuth)
			}
			if len(r.fields) != len(tt.want) {
				t.Errorf("fields = %v, want %v", r.fields, tt.want)
			}
			for k, v := range tt.want {
				if r.fields[k] != v {
					t.Errorf("field %s = %q, want %q", k, r.fields[k], v)
				}
			}
			if r.filename != "utterance.wav" || r.fileType != "audio/wav" {
				t.Errorf("file %q of type %q", r.filename, r.fileType)
			}
			if r.rate != SampleRate || !slices.Equal(r.pcm, pcm) {
				t.Errorf("file holds %d samples at %d Hz, want the %d sent at %d Hz", len(r.pcm), r.rate, len(pcm), SampleRate)
			}
		})
	}
}

func TestTranscribeResponses(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string
		err         error
	}{
		{"json", "application/json", `{"text":"hi there"}`, "hi there", nil},
		{"json with extra fields", "application/json; charset=utf-8", `{"text":"hi","usage":{"type":"duration","seconds":1}}`, "hi", nil},
		{"empty transcript", "application/json", `{"text":""}`, "", nil},
		{"plain text from a server ignoring the format", "text/plain; charset=utf-8", "hi there\n", "hi there", nil},
		{"json without text", "application/json", `{"segments":[]}`, "", ErrMalformed},
		{"not json", "application/json", `<html>`, "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := newTranscriber(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = io.WriteString(w, tt.body)
			})
			text, err := tr.Transcribe(t.Context(), tone(1600), "")
			if text != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("got %q, %v; want %q, %v", text, err, tt.want, tt.err)
			}
		})
	}
}

func TestTranscribeAPIErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        APIError
	}{
		{
			"openai 401", 401, "application/json",
			`{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			APIError{StatusCode: 401, Message: "Incorrect API key provided.", Type: "invalid_request_error", Code: "invalid_api_key"},
		},
		{
			"audio too short 400", 400, "application/json",
			`{"error":{"message":"Audio file is too short. Minimum audio length is 0.1 seconds.","type":"invalid_request_error","param":"file","code":"audio_too_short"}}`,
			APIError{StatusCode: 400, Message: "Audio file is too short. Minimum audio length is 0.1 seconds.", Type: "invalid_request_error", Code: "audio_too_short"},
		},
		{"fastapi 422", 422, "application/json", `{"detail":[{"loc":["body","file"],"msg":"field required"}]}`, APIError{StatusCode: 422, Message: `[{"loc":["body","file"],"msg":"field required"}]`}},
		{"proxy 502", 502, "text/html", "<html>bad gateway</html>", APIError{StatusCode: 502, Message: "Bad Gateway"}},
		{"plain 413", 413, "text/plain", "file too large", APIError{StatusCode: 413, Message: "file too large"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests atomic.Int32
			tr, _ := newTranscriber(t, func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			_, err := tr.Transcribe(t.Context(), tone(1600), "en")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if *apiErr != tt.want {
				t.Errorf("error = %+v, want %+v", *apiErr, tt.want)
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("%d requests, want 1 (no retries)", n)
			}
		})
	}
}

func TestTranscribeRejectsBeforeSending(t *testing.T) {
	tests := []struct {
		name     string
		pcm      []int16
		language string
		err      error
	}{
		{"no audio", nil, "", ErrNoAudio},
		{"too long", make([]int16, maxUpload/2), "", ErrTooLong},
		{"unknown language name", tone(160), "Klingon", ErrLanguage},
		{"bad code", tone(160), "e1", ErrLanguage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := newTranscriber(t, func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") })
			if _, err := tr.Transcribe(t.Context(), tt.pcm, tt.language); !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

// stall answers only when the client gives up, and reports that it saw
// the request end.
func stall(done chan<- struct{}) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			close(done)
		case <-time.After(10 * time.Second):
		}
	}
}

func TestTranscribeCancel(t *testing.T) {
	serverSawDone := make(chan struct{})
	tr, _ := newTranscriber(t, stall(serverSawDone))
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := tr.Transcribe(ctx, tone(1600), "")
	if err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned %v after the start", d)
	}
	select {
	case <-serverSawDone:
	case <-time.After(5 * time.Second):
		t.Error("the server's request context was never done")
	}
}

func TestTranscribeTimeout(t *testing.T) {
	serverSawDone := make(chan struct{})
	tr, _ := newTranscriber(t, stall(serverSawDone), func(c *Config) { c.Timeout = 100 * time.Millisecond })
	start := time.Now()
	_, err := tr.Transcribe(t.Context(), tone(1600), "")
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timed out after %v", d)
	}
	select {
	case <-serverSawDone:
	case <-time.After(5 * time.Second):
		t.Error("the server's request context was never done")
	}
}

func TestNewValidates(t *testing.T) {
	tr, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.ep.URL != DefaultBaseURL+"/audio/transcriptions" || tr.Model() != DefaultModel {
		t.Errorf("defaults: %q, %q", tr.ep.URL, tr.Model())
	}
	for _, c := range []Config{{BaseURL: "whisper:9000"}, {BaseURL: "ftp://x/v1"}, {Timeout: -1}} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}
