package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"

	"github.com/parley-voice/parley/audio"
	"github.com/parley-voice/parley/internal/oaicompat"
	"github.com/parley-voice/parley/protocol"
)

const (
	// SampleRate is the rate of the PCM Transcribe takes.
	SampleRate = 16000
	// maxUpload is the OpenAI API's file limit.
	maxUpload = 25 << 20
	// maxResponse bounds the body read back: a transcript of the longest
	// upload is far smaller.
	maxResponse = 1 << 20
)

// Transcriber sends utterances to an OpenAI-compatible transcription
// endpoint. It does not retry: a failed turn is better reported at once
// than late. It is safe for concurrent use.
type Transcriber struct {
	cfg Config
	ep  oaicompat.Endpoint
}

// New returns a Transcriber for the server cfg describes. It makes no
// request.
func New(cfg Config) (*Transcriber, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Transcriber{cfg: cfg, ep: oaicompat.NewEndpoint(cfg.BaseURL, "/audio/transcriptions", cfg.APIKey, cfg.HTTPClient)}, nil
}

// Model returns the transcription model's name.
func (t *Transcriber) Model() string { return t.cfg.Model }

// isoCodes maps the protocol's languages to the ISO 639-1 codes the API
// takes.
var isoCodes = map[protocol.Language]string{
	protocol.English: "en", protocol.Spanish: "es", protocol.Portuguese: "pt",
	protocol.German: "de", protocol.French: "fr", protocol.Italian: "it",
	protocol.Chinese: "zh", protocol.Japanese: "ja", protocol.Korean: "ko",
	protocol.Russian: "ru",
}

// languageCode turns a protocol language name ("English"), an ISO 639-1
// code ("en") or a locale ("en-US") into the code the API takes; "" and
// "Auto" mean detect, sent as no language at all.
func languageCode(lang string) (string, error) {
	l, ok := protocol.ParseLanguage(lang)
	switch {
	case ok && l == protocol.Auto:
		return "", nil
	case ok:
		return isoCodes[l], nil
	}
	code, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(lang)), "-")
	code, _, _ = strings.Cut(code, "_")
	if len(code) < 2 || len(code) > 3 || strings.Trim(code, "abcdefghijklmnopqrstuvwxyz") != "" {
		return "", fmt.Errorf("%w: %q", ErrLanguage, lang)
	}
	return code, nil
}

// Transcribe returns the text spoken in pcm16k, 16 kHz mono PCM. language
// is a protocol language name, an ISO 639-1 code, or "" to let the server
// detect it.
func (t *Transcriber) Transcribe(ctx context.Context, pcm16k []int16, language string) (string, error) {
	if len(pcm16k) == 0 {
		return "", ErrNoAudio
	}
	if 44+2*len(pcm16k) > maxUpload {
		return "", fmt.Errorf("%w: %v of audio", ErrTooLong, audio.Duration(len(pcm16k), SampleRate))
	}
	lang, err := languageCode(language)
	if err != nil {
		return "", err
	}
	body, contentType, err := t.form(pcm16k, lang)
	if err != nil {
		return "", err
	}

	reqCtx, cancel := context.WithTimeoutCause(ctx, t.cfg.Timeout, ErrTimeout)
	defer cancel()
	resp, err := t.ep.Post(reqCtx, contentType, "application/json", body)
	if err != nil {
		return "", t.failure(ctx, reqCtx, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return "", t.failure(ctx, reqCtx, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", fmt.Errorf("stt/openai: %w", oaicompat.NewAPIError(resp.StatusCode, resp.Header.Get("Content-Type"), b))
	}
	return parseTranscript(resp.Header.Get("Content-Type"), b)
}

// form builds the multipart body: the WAV file and the form fields.
func (t *Transcriber) form(pcm []int16, lang string) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="file"; filename="utterance.wav"`)
	h.Set("Content-Type", "audio/wav")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", fmt.Errorf("stt/openai: building request: %w", err)
	}
	if _, err := part.Write(audio.EncodeWAV(pcm, SampleRate)); err != nil {
		return nil, "", fmt.Errorf("stt/openai: building request: %w", err)
	}
	fields := [][2]string{{"model", t.cfg.Model}, {"response_format", "json"}}
	if lang != "" {
		fields = append(fields, [2]string{"language", lang})
	}
	if t.cfg.Prompt != "" {
		fields = append(fields, [2]string{"prompt", t.cfg.Prompt})
	}
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, "", fmt.Errorf("stt/openai: building request: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("stt/openai: building request: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// parseTranscript reads the text from a 2xx answer: JSON {"text": ...} as
// asked, or plain text from servers that ignore response_format.
func parseTranscript(contentType string, b []byte) (string, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/plain" {
		return strings.TrimSpace(string(b)), nil
	}
	var r struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if r.Text == nil {
		return "", fmt.Errorf("%w: no \"text\" field", ErrMalformed)
	}
	return strings.TrimSpace(*r.Text), nil
}

// failure explains a transport error: the caller's cancellation as
// ctx.Err() itself, the timeout as ErrTimeout, anything else wrapped.
func (t *Transcriber) failure(ctx, reqCtx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(context.Cause(reqCtx), ErrTimeout) {
		return fmt.Errorf("%w after %v", ErrTimeout, t.cfg.Timeout)
	}
	return fmt.Errorf("stt/openai: %w", err)
}
