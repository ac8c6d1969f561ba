package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/codec"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/ssml"
	"github.com/parley-voice/parley/tts"
	"github.com/parley-voice/parley/voice"
	"github.com/parley-voice/parley/voicestore"
)

// speechRequest is the body of the speech endpoints, in either form: the
// murmr form (text) or OpenAI's (input).
type speechRequest struct {
	Text             *string `json:"text,omitempty"`
	Voice            string  `json:"voice,omitempty"`
	VoiceDescription string  `json:"voice_description,omitempty"`
	VoiceClonePrompt string  `json:"voice_clone_prompt,omitempty"`
	Language         string  `json:"language,omitempty"`
	ResponseFormat   string  `json:"response_format,omitempty"`
	WebhookURL       string  `json:"webhook_url,omitempty"`

	// TextType and PronunciationDictionaries are extensions, in either
	// form: "ssml" reads the text as SSML; the dictionaries (at most
	// three, the first winning) are applied before normalisation.
	TextType                  string   `json:"text_type,omitempty"`
	PronunciationDictionaries []string `json:"pronunciation_dictionaries,omitempty"`
	// Timestamps (extension) answers a batch request with JSON, the audio
	// in base64 and its words, and adds timestamps events to the SSE
	// stream.
	Timestamps bool `json:"timestamps,omitempty"`

	Model        string   `json:"model,omitempty"`
	Input        *string  `json:"input,omitempty"`
	Speed        *float64 `json:"speed,omitempty"`
	Instructions string   `json:"instructions,omitempty"`
	StreamFormat string   `json:"stream_format,omitempty"`
}

// synthesis is a validated speech request.
type synthesis struct {
	text   string
	chars  int
	segs   []tts.Segment // text, split and prepared
	billed int64         // the quota cost of segs
	lang   protocol.Language
	prof   voice.Profile
	format string
	openai bool
	sse    bool // OpenAI stream_format "sse"
	// timestamps: the segments are prepared for word timestamps.
	timestamps bool
}

// openAIVoices maps OpenAI's voice names to built-in voices, each a distinct
// engine voice or prosody, described the way a user would.
var openAIVoices = map[string]string{
	"alloy":   "a neutral american woman",
	"ash":     "a scottish man",
	"ballad":  "an expressive british man speaking slowly",
	"coral":   "a warm cheerful young woman",
	"echo":    "a calm american man",
	"fable":   "an expressive british woman",
	"onyx":    "a very deep american man",
	"nova":    "a bright high young american woman",
	"sage":    "a calm older woman speaking slowly",
	"shimmer": "a soft gentle woman with a high voice",
	"verse":   "an energetic young man speaking fast",
	"marin":   "a clear american woman speaking slightly fast",
	"cedar":   "a deep calm man with a low voice speaking slowly",
}

func openAIVoiceNames() []string {
	names := make([]string, 0, len(openAIVoices))
	for n := range openAIVoices {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// isNeural reports whether name is an installed neural voice.
func (c *core) isNeural(name string) bool {
	_, err := c.d.Voices.Catalog.Profile(name)
	return err == nil
}

// parseSpeech validates a speech request for p, resolves its voice and
// splits its text into prepared segments. A request that names no
// response_format gets its form's default: wav, or OpenAI's mp3.
func (c *core) parseSpeech(ctx context.Context, p auth.Principal, req speechRequest) (synthesis, error) {
	var s synthesis
	var f voicestore.Fields
	switch {
	case req.Input != nil:
		s.openai = true
		s.text = *req.Input
		s.format = strings.ToLower(req.ResponseFormat)
		if s.format == "" {
			s.format = "mp3" // OpenAI's default
		}
		switch req.StreamFormat {
		case "", "audio":
		case "sse":
			s.sse = true
		default:
			return s, errorf(http.StatusBadRequest, `stream_format must be "audio" or "sse"`)
		}
		desc, builtin := openAIVoices[strings.ToLower(req.Voice)]
		switch {
		case builtin:
			f.VoiceDescription = desc
			if req.Instructions != "" {
				// Later words win, so the instructions refine the voice.
				f.VoiceDescription = desc + ", " + req.Instructions
			}
		case strings.HasPrefix(req.Voice, "voice_"):
			f.Voice = req.Voice
		case req.Voice == "" && req.Instructions != "":
			f.VoiceDescription = req.Instructions
		case req.Voice == "":
		case c.isNeural(req.Voice):
			// The instructions set the neural voice's rate and volume.
			f.Voice, f.VoiceDescription = req.Voice, req.Instructions
		default:
			return s, errorf(http.StatusBadRequest, "unknown voice %q: use one of %s, a saved voice id, or an installed neural voice (GET /v1/voices)", req.Voice, strings.Join(openAIVoiceNames(), ", "))
		}
	case req.Text != nil:
		s.text = *req.Text
		s.format = strings.ToLower(req.ResponseFormat)
		if s.format == "" {
			s.format = "wav"
		}
		f = voicestore.Fields{Voice: req.Voice, VoiceClonePrompt: req.VoiceClonePrompt, VoiceDescription: req.VoiceDescription}
		n := 0
		for _, v := range []string{f.Voice, f.VoiceClonePrompt, f.VoiceDescription} {
			if v != "" {
				n++
			}
		}
		if n > 1 {
			return s, errorf(http.StatusBadRequest, "give only one of voice, voice_description, voice_clone_prompt")
		}
	default:
		return s, errorf(http.StatusBadRequest, `missing field "text" (or "input" for the OpenAI form)`)
	}
	if strings.TrimSpace(s.text) == "" {
		return s, errorf(http.StatusBadRequest, "text is empty")
	}
	if !utf8.ValidString(s.text) {
		return s, errorf(http.StatusBadRequest, "text is not valid UTF-8")
	}
	s.chars = utf8.RuneCountInString(s.text)
	if s.chars > protocol.MaxBufferChars {
		return s, errorf(http.StatusRequestEntityTooLarge, "text has %d characters, at most %d allowed", s.chars, protocol.MaxBufferChars)
	}
	if codec.ContentType(s.format) == "" {
		return s, errorf(http.StatusBadRequest, "unsupported response_format %q: supported are %s", s.format, strings.Join(codec.Formats(), ", "))
	}
	lang, ok := protocol.ParseLanguage(req.Language)
	if !ok {
		return s, errorf(http.StatusBadRequest, "unsupported language %q", req.Language)
	}
	s.lang = lang
	prof, err := c.d.Voices.Resolve(ctx, p, f)
	if err != nil {
		return s, voiceError(err)
	}
	if req.Speed != nil {
		if *req.Speed < 0.25 || *req.Speed > 4 {
			return s, errorf(http.StatusBadRequest, "speed must be between 0.25 and 4")
		}
		if prof.Rate == 0 {
			prof.Rate = 1
		}
		prof.Rate *= *req.Speed
	}
	s.prof = prof
	in, err := c.markupInput(ctx, p, req)
	if err != nil {
		return s, err
	}
	if req.Timestamps && (s.sse || req.WebhookURL != "") {
		return s, errorf(http.StatusBadRequest, "timestamps are for batch answers and the SSE stream of /v1/audio/speech/stream, not for OpenAI's SSE or webhook jobs")
	}
	s.timestamps = req.Timestamps
	in.Text, in.Language, in.Voice, in.Timestamps = s.text, s.lang, s.prof, s.timestamps
	if s.segs, err = c.d.Pipeline.SplitInput(in); err != nil {
		var me *ssml.Error
		if errors.As(err, &me) {
			return s, errorf(http.StatusBadRequest, "%v", err)
		}
		return s, err
	}
	spoken := 0
	for _, seg := range s.segs {
		spoken += seg.Spoken()
		s.billed += int64(seg.Billed())
	}
	if spoken > tts.MaxSpokenChars {
		return s, errorf(http.StatusRequestEntityTooLarge, "text is %d characters long when spoken (numbers and symbols read out), at most %d allowed", spoken, tts.MaxSpokenChars)
	}
	return s, nil
}

// voiceError maps voice resolution errors to statuses.
func voiceError(err error) error {
	switch {
	case errors.Is(err, voicestore.ErrUnknownVoice):
		return errorf(http.StatusNotFound, "%v", err)
	case errors.Is(err, voicestore.ErrInvalidPrompt), errors.Is(err, voicestore.ErrInvalid):
		return errorf(http.StatusBadRequest, "%v", err)
	case errors.Is(err, voicestore.ErrVoiceLimit):
		return errorf(http.StatusForbidden, "%v", err)
	}
	return err
}

// speech serves POST /v1/audio/speech: the whole file, streamed as it is
// encoded (wav and flac excepted: see wholeFile), or a queued job when the
// request has a webhook_url.
func (a *API) speech(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req speechRequest
	if err := decodeJSON(r, a.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	s, err := a.parseSpeech(r.Context(), p, req)
	if err != nil {
		return err
	}
	if req.WebhookURL != "" {
		return a.submitJob(w, r, p, req, s)
	}
	g, err := a.admit(r.Context(), w, p, s)
	if err != nil {
		return err
	}
	defer g.end()
	if s.sse {
		return a.openAISSE(w, r, p, s, g.hold)
	}
	if s.timestamps {
		return a.timedSpeech(w, r, p, s, g.hold)
	}
	w.Header().Set("Content-Type", codec.ContentType(s.format))
	if wholeFile(s.format) {
		var buf codec.Buffer
		if err := a.synthesize(r.Context(), p, s, g.hold, &buf, nil); err != nil {
			return err
		}
		return a.writeWhole(w, buf.Bytes())
	}
	return a.streamOut(r.Context(), w, nil, func(ctx context.Context, out *pipe) error {
		return a.synthesize(ctx, p, s, g.hold, pipeWriter{out}, a.waitForClient(out))
	})
}

// wholeFile reports whether batch answers in format are sent whole rather
// than streamed: wav and flac state their length in their header, which
// only an encoder that can seek back fills in (players show a streamed
// flac as 0 s long).
func wholeFile(format string) bool { return format == "wav" || format == "flac" }

// writeWhole writes a whole answer, with its length, under a write
// deadline.
func (a *API) writeWhole(w http.ResponseWriter, b []byte) error {
	w.Header().Set("Content-Length", itoa(len(b)))
	_, err := newDeadlineWriter(w, a.cfg.WriteTimeout).Write(b)
	return err
}

// pipeWriter is an io.Writer into a pipe, for encoders.
type pipeWriter struct{ p *pipe }

func (w pipeWriter) Write(b []byte) (int, error) {
	w.p.push(b)
	return len(b), nil
}

// synthesize encodes s in its format to out, charging hold as each segment
// is spoken; wait is as for speak. out must not block on a client: it is
// written from inside the engines' callbacks.
func (c *core) synthesize(ctx context.Context, p auth.Principal, s synthesis, hold auth.Hold, out io.Writer, wait func(context.Context) error) error {
	enc, err := codec.NewEncoder(s.format, out)
	if err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	err = c.speak(ctx, p, s, hold, wait, enc.Write, nil)
	if cerr := enc.Close(); err == nil {
		err = cerr
	}
	return err
}

// timedAnswer is a batch answer with word timestamps (extension).
type timedAnswer struct {
	Audio  string          `json:"audio"` // the file, base64
	Format string          `json:"format"`
	Words  []protocol.Word `json:"words"`
}

// timedSpeech answers a batch request with timestamps: the whole file in
// base64 beside its words, as JSON.
func (a *API) timedSpeech(w http.ResponseWriter, r *http.Request, p auth.Principal, s synthesis, hold auth.Hold) error {
	var buf codec.Buffer
	enc, err := codec.NewEncoder(s.format, &buf)
	if err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	ans := timedAnswer{Format: s.format, Words: []protocol.Word{}}
	err = a.speak(r.Context(), p, s, hold, nil, enc.Write, func(ws []protocol.Word) { ans.Words = append(ans.Words, ws...) })
	if cerr := enc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	ans.Audio = base64.StdEncoding.EncodeToString(buf.Bytes())
	w.Header().Set("Content-Type", "application/json")
	return a.writeWhole(w, protocol.Marshal(ans))
}

// speak speaks s's segments in order into emit, charging hold with each
// segment's billed characters as soon as it is spoken. Before each segment
// it calls wait, if not nil, which may hold the synthesis back (holding no
// engine) until the client has caught up. words, when not nil, takes the
// word timestamps of a request with timestamps, each before its audio,
// times from the start of the whole answer.
func (c *core) speak(ctx context.Context, p auth.Principal, s synthesis, hold auth.Hold, wait func(context.Context) error, emit func([]int16) error, words func([]protocol.Word)) error {
	var samples int64 // emitted before the segment
	if words != nil {
		inner := emit
		emit = func(pcm []int16) error {
			samples += int64(len(pcm))
			return inner(pcm)
		}
	}
	for i := range s.segs {
		if wait != nil {
			if err := wait(ctx); err != nil {
				return err
			}
		}
		seg := &s.segs[i]
		if i == 0 {
			seg.Due = time.Now() // the listener waits for the first audio
		}
		if words != nil {
			base := samples
			seg.Words = func(ws []tts.Word) { words(wireWords(ws, base)) }
		}
		err := c.d.Pipeline.SpeakPrepared(ctx, seg, emit)
		if seg.Samples > 0 {
			c.charge(ctx, p, hold, seg)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// charge records a spoken segment against the quota, even when the client
// has gone: its audio was made.
func (c *core) charge(ctx context.Context, p auth.Principal, hold auth.Hold, seg *tts.Segment) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hold.Charge(ctx, int64(seg.Billed())); err != nil {
		c.log.Error("recording usage failed", "key", p.KeyID, "err", err)
	}
	c.d.Metrics.Characters.Add(float64(seg.Billed()))
	c.d.Metrics.AudioSeconds.Add(float64(seg.Samples) / protocol.SampleRate)
}

// openAISSE streams OpenAI's speech SSE events: speech.audio.delta with
// base64 audio in the requested format, then speech.audio.done.
func (a *API) openAISSE(w http.ResponseWriter, r *http.Request, p auth.Principal, s synthesis, hold auth.Hold) error {
	startSSE(w)
	return a.streamOut(r.Context(), w, sseKeepalive, func(ctx context.Context, out *pipe) error {
		enc, err := codec.NewEncoder(s.format, sseAudio{out})
		if err != nil {
			return err
		}
		err = a.speak(ctx, p, s, hold, a.waitForClient(out), enc.Write, nil)
		if cerr := enc.Close(); err == nil {
			err = cerr
		}
		switch {
		case err == nil:
		case errors.Is(context.Cause(ctx), ErrShuttingDown):
			out.push(sseEvent(map[string]any{"type": "error", "error": map[string]string{"message": ErrShuttingDown.Error()}}))
			return nil
		case ctx.Err() != nil:
			return ctx.Err() // the client went away or fell behind; nobody to tell
		default:
			a.log.Error("OpenAI SSE synthesis failed", "key", p.KeyID, "err", err)
			out.push(sseEvent(map[string]any{"type": "error", "error": map[string]string{"message": "synthesis failed"}}))
			return nil
		}
		out.push(sseEvent(map[string]any{"type": "speech.audio.done", "usage": map[string]int{"input_tokens": s.chars, "output_tokens": 0, "total_tokens": s.chars}}))
		return nil
	})
}

// wireWords puts a segment's words on the wire, base samples into the
// answer.
func wireWords(ws []tts.Word, base int64) []protocol.Word {
	out := make([]protocol.Word, len(ws))
	for i, w := range ws {
		out[i] = protocol.Word{Word: w.Text, StartMS: (base + int64(w.Start)) * 1000 / protocol.SampleRate,
			EndMS: (base + int64(w.End)) * 1000 / protocol.SampleRate, CharStart: w.SourceStart, CharEnd: w.SourceEnd}
	}
	return out
}

// waitForClient holds a synthesis back before each segment while more
// than StreamBuffer bytes of its answer wait for the client.
func (a *API) waitForClient(out *pipe) func(context.Context) error {
	return func(ctx context.Context) error { return out.waitBelow(ctx, a.cfg.StreamBuffer) }
}

type sseAudio struct{ out *pipe }

func (w sseAudio) Write(b []byte) (int, error) {
	w.out.push(sseEvent(map[string]string{"type": "speech.audio.delta", "audio": base64.StdEncoding.EncodeToString(b)}))
	return len(b), nil
}

// validWebhook checks a webhook URL.
func validWebhook(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errorf(http.StatusBadRequest, "webhook_url must be an absolute http or https URL")
	}
	return nil
}

// keyPrincipal rebuilds a job's principal from its key, for the runner.
func (c *core) keyPrincipal(ctx context.Context, keyID string) (auth.Principal, error) {
	k, err := c.d.Store.GetKey(ctx, keyID)
	if err != nil {
		return auth.Principal{}, err
	}
	return auth.PrincipalOf(k)
}
