package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Client message types.
const (
	TypeConfig     = "config"
	TypeText       = "text"
	TypeFlush      = "flush"
	TypeBinaryMode = "binary_mode"
	TypePing       = "ping"
	TypeClear      = "clear" // extension
	// TypeCloseContext ends one context of a socket (extension).
	TypeCloseContext = "close_context"
)

// Server message types.
const (
	TypeConfigAck     = "config_ack"
	TypeBinaryModeAck = "binary_mode_ack"
	TypeAudio         = "audio"
	TypeDone          = "done"
	TypeError         = "error"
	TypePong          = "pong"
	TypeCleared       = "cleared" // extension
	// TypeTimestamps lists the words of the audio that follows (extension).
	TypeTimestamps = "timestamps"
	// TypeContextClosed answers close_context (extension).
	TypeContextClosed = "context_closed"
	// TypeAudioContext, in binary mode, says which context the binary
	// frames after it belong to (extension).
	TypeAudioContext = "audio_context"
)

// Config is the first client message.
type Config struct {
	APIKey           string `json:"api_key"`
	VoiceDescription string `json:"voice_description,omitempty"`
	VoiceClonePrompt string `json:"voice_clone_prompt,omitempty"`
	Voice            string `json:"voice,omitempty"`
	Language         string `json:"language,omitempty"`
	// MinFirstSegmentChars (extension) lets the first segment of a
	// generation be a clause this short, to cut time to first audio.
	// Zero means the server default; negative values are rejected.
	MinFirstSegmentChars int `json:"min_first_segment_chars,omitempty"`
	// TextType (extension) is TextPlain (the default) or TextSSML: the
	// text messages of every generation are SSML.
	TextType string `json:"text_type,omitempty"`
	// PronunciationDictionaries (extension) names at most
	// MaxPronunciationDictionaries of the account's dictionaries
	// ("pd_…"), the first winning where two match the same words.
	PronunciationDictionaries []string `json:"pronunciation_dictionaries,omitempty"`
	// Speed (extension) multiplies the voice's speaking rate, MinSpeed to
	// MaxSpeed; 0 means 1.
	Speed float64 `json:"speed,omitempty"`
	// Pitch (extension) shifts the voice's pitch, in semitones, within
	// ±MaxPitch; neural voices do not apply it.
	Pitch float64 `json:"pitch,omitempty"`
	// Timestamps (extension) is TimestampsWord for a timestamps message
	// before each piece of audio, or "" for none.
	Timestamps string `json:"timestamps,omitempty"`
}

// TimestampsWord is the value of Config.Timestamps that asks for word
// timestamps.
const TimestampsWord = "word"

// Values of Config.TextType.
const (
	TextPlain = "text"
	TextSSML  = "ssml"
)

// ClientMessage is one decoded client frame. Only the fields of its Type are
// meaningful.
type ClientMessage struct {
	Type   string
	Config Config // TypeConfig
	Text   string // TypeText
	// ContextID (extension) names the context of a text, flush, clear or
	// close_context; "" is the socket's default context.
	ContextID string
}

// wireClient mirrors every field a client message may carry; pointers tell a
// missing field from an empty one.
type wireClient struct {
	Type                 *string `json:"type"`
	APIKey               *string `json:"api_key"`
	VoiceDescription     *string `json:"voice_description"`
	VoiceClonePrompt     *string `json:"voice_clone_prompt"`
	Voice                *string `json:"voice"`
	Language             *string `json:"language"`
	MinFirstSegmentChars *int    `json:"min_first_segment_chars"`
	Text                 *string `json:"text"`

	TextType                  *string   `json:"text_type"`
	PronunciationDictionaries *[]string `json:"pronunciation_dictionaries"`
	Speed                     *float64  `json:"speed"`
	Pitch                     *float64  `json:"pitch"`
	Timestamps                *string   `json:"timestamps"`
	ContextID                 *string   `json:"context_id"`
}

// DecodeClient parses and validates one client text frame. Every failure is a
// fatal *Error with CloseInvalid whose message says what was wrong (AsError
// finds it), returned as an error so that a nil one stays nil in an error
// variable. Unknown fields are ignored so that newer clients keep working.
func DecodeClient(frame []byte) (ClientMessage, error) {
	if len(frame) > MaxFrameBytes {
		return ClientMessage{}, ErrFrameTooLarge
	}
	if !utf8.Valid(frame) {
		return ClientMessage{}, ErrInvalidUTF8
	}
	var w wireClient
	dec := json.NewDecoder(bytes.NewReader(frame))
	if err := dec.Decode(&w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return ClientMessage{}, Errorf(CloseInvalid, "field %q has the wrong type: want %s", te.Field, te.Type)
		}
		return ClientMessage{}, Errorf(CloseInvalid, "message is not valid JSON: %v", err)
	}
	if dec.More() {
		return ClientMessage{}, Errorf(CloseInvalid, "message is not a single JSON object")
	}
	if w.Type == nil {
		return ClientMessage{}, Errorf(CloseInvalid, `missing field "type"`)
	}
	m := ClientMessage{Type: *w.Type}
	switch m.Type {
	case TypeConfig:
		// api_key may be absent when the upgrade carried an Authorization
		// header (an extension); the session decides.
		m.Config = Config{
			APIKey:           deref(w.APIKey),
			VoiceDescription: deref(w.VoiceDescription),
			VoiceClonePrompt: deref(w.VoiceClonePrompt),
			Voice:            deref(w.Voice),
			Language:         deref(w.Language),
		}
		if w.MinFirstSegmentChars != nil {
			if *w.MinFirstSegmentChars < 0 {
				return ClientMessage{}, Errorf(CloseInvalid, "config: min_first_segment_chars must not be negative")
			}
			m.Config.MinFirstSegmentChars = *w.MinFirstSegmentChars
		}
		if n := utf8.RuneCountInString(m.Config.VoiceDescription); n > MaxVoiceDescriptionChars {
			return ClientMessage{}, Errorf(CloseInvalid, "config: voice_description has %d characters, at most %d allowed", n, MaxVoiceDescriptionChars)
		}
		set := 0
		for _, p := range []*string{w.VoiceDescription, w.VoiceClonePrompt, w.Voice} {
			if p != nil && *p != "" {
				set++
			}
		}
		if set > 1 {
			return ClientMessage{}, Errorf(CloseInvalid, "config: give only one of voice_description, voice_clone_prompt, voice")
		}
		if err := decodeExtensions(&m.Config, w); err != nil {
			return ClientMessage{}, err
		}
	case TypeText:
		if w.Text == nil {
			return ClientMessage{}, Errorf(CloseInvalid, `text: missing field "text"`)
		}
		m.Text = *w.Text
	case TypeFlush, TypeClear:
	case TypeCloseContext:
		if w.ContextID == nil {
			return ClientMessage{}, Errorf(CloseInvalid, `close_context: missing field "context_id"`)
		}
	case TypeBinaryMode, TypePing:
	default:
		return ClientMessage{}, Errorf(CloseInvalid, "unknown message type %q", m.Type)
	}
	if w.ContextID != nil {
		switch m.Type {
		case TypeText, TypeFlush, TypeClear, TypeCloseContext:
		default:
			return ClientMessage{}, Errorf(CloseInvalid, "%s: context_id is not allowed", m.Type)
		}
		id := *w.ContextID
		if n := utf8.RuneCountInString(id); n == 0 || n > MaxContextIDChars {
			return ClientMessage{}, Errorf(CloseInvalid, "%s: context_id must be 1 to %d characters", m.Type, MaxContextIDChars)
		}
		if strings.IndexFunc(id, unicode.IsControl) >= 0 {
			return ClientMessage{}, Errorf(CloseInvalid, "%s: context_id must not hold control characters", m.Type)
		}
		m.ContextID = id
	}
	return m, nil
}

// decodeExtensions validates the config fields of issue 12 (SSML,
// pronunciation dictionaries, prosody). A config without them is decoded
// as it always was.
func decodeExtensions(c *Config, w wireClient) *Error {
	if w.TextType != nil {
		switch t := strings.ToLower(*w.TextType); t {
		case "", TextPlain:
		case TextSSML:
			c.TextType = TextSSML
		default:
			return Errorf(CloseInvalid, "config: text_type %q is not %q or %q", *w.TextType, TextPlain, TextSSML)
		}
	}
	if w.PronunciationDictionaries != nil {
		ids := *w.PronunciationDictionaries
		if len(ids) > MaxPronunciationDictionaries {
			return Errorf(CloseInvalid, "config: pronunciation_dictionaries names %d dictionaries, at most %d allowed", len(ids), MaxPronunciationDictionaries)
		}
		for i, id := range ids {
			if id == "" || slices.Contains(ids[:i], id) {
				return Errorf(CloseInvalid, "config: pronunciation_dictionaries must name distinct dictionaries (\"pd_…\")")
			}
		}
		c.PronunciationDictionaries = ids
	}
	if w.Speed != nil {
		if s := *w.Speed; !(s >= MinSpeed && s <= MaxSpeed) {
			return Errorf(CloseInvalid, "config: speed must be between %g and %g", MinSpeed, MaxSpeed)
		}
		c.Speed = *w.Speed
	}
	if w.Pitch != nil {
		if p := *w.Pitch; !(p >= -MaxPitch && p <= MaxPitch) {
			return Errorf(CloseInvalid, "config: pitch must be between %g and %g semitones", -MaxPitch, MaxPitch)
		}
		c.Pitch = *w.Pitch
	}
	if w.Timestamps != nil {
		switch t := strings.ToLower(*w.Timestamps); t {
		case "", "none":
		case TimestampsWord:
			c.Timestamps = TimestampsWord
		default:
			return Errorf(CloseInvalid, "config: timestamps %q is not %q or %q", *w.Timestamps, TimestampsWord, "none")
		}
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// ConfigAck answers a well-formed config.
type ConfigAck struct {
	Type      string `json:"type"`
	SessionID string `json:"session_id"`
}

// BinaryModeAck answers binary_mode.
type BinaryModeAck struct {
	Type       string `json:"type"`
	SampleRate int    `json:"sample_rate"`
	Format     string `json:"format"`
}

// Audio is one chunk in JSON mode. Chunk is base64 PCM.
type Audio struct {
	Type       string `json:"type"`
	Chunk      string `json:"chunk"`
	SampleRate int    `json:"sample_rate"`
	Format     string `json:"format"`
}

// Done ends a flushed generation.
type Done struct {
	Type                string `json:"type"`
	TotalChunks         int    `json:"total_chunks"`
	DurationMS          int64  `json:"duration_ms"`
	FirstChunkLatencyMS int64  `json:"first_chunk_latency_ms"`
	AudioDurationMS     int64  `json:"audio_duration_ms"`    // extension
	Characters          int    `json:"characters"`           // extension
	ContextID           string `json:"context_id,omitempty"` // extension
}

// ErrorMessage reports a problem to the client.
type ErrorMessage struct {
	Type      string `json:"type"`
	Message   string `json:"message"`
	Code      int    `json:"code"`
	ContextID string `json:"context_id,omitempty"` // extension
}

// Word is one entry of a timestamps message (extension): what was spoken
// for a span of the generation's text, and when. Times count from the
// start of the generation's audio; the span is in Unicode code points of
// the generation's text as the client sent it, across its text messages.
type Word struct {
	Word      string `json:"word"`
	StartMS   int64  `json:"start_ms"`
	EndMS     int64  `json:"end_ms"`
	CharStart int    `json:"char_start"`
	CharEnd   int    `json:"char_end"`
}

// Timestamps lists the words of the audio that follows it (extension).
type Timestamps struct {
	Type      string `json:"type"`
	Words     []Word `json:"words"`
	ContextID string `json:"context_id,omitempty"`
}

// ContextMessage is a message about one context (extension): cleared and
// context_closed, and in binary mode audio_context, whose ContextID is
// empty for the default context.
type ContextMessage struct {
	Type      string `json:"type"`
	ContextID string `json:"context_id,omitempty"`
}

// ServerMessage is any server message decoded by a client: the union of the
// fields of every server type.
type ServerMessage struct {
	Type                string `json:"type"`
	SessionID           string `json:"session_id,omitempty"`
	SampleRate          int    `json:"sample_rate,omitempty"`
	Format              string `json:"format,omitempty"`
	Chunk               string `json:"chunk,omitempty"`
	TotalChunks         int    `json:"total_chunks,omitempty"`
	DurationMS          int64  `json:"duration_ms,omitempty"`
	FirstChunkLatencyMS int64  `json:"first_chunk_latency_ms,omitempty"`
	AudioDurationMS     int64  `json:"audio_duration_ms,omitempty"`
	Characters          int    `json:"characters,omitempty"`
	Message             string `json:"message,omitempty"`
	Code                int    `json:"code,omitempty"`
	Words               []Word `json:"words,omitempty"`
	ContextID           string `json:"context_id,omitempty"`
}

// Done returns the message's done fields.
func (m ServerMessage) Done() Done {
	return Done{Type: TypeDone, TotalChunks: m.TotalChunks, DurationMS: m.DurationMS,
		FirstChunkLatencyMS: m.FirstChunkLatencyMS, AudioDurationMS: m.AudioDurationMS, Characters: m.Characters,
		ContextID: m.ContextID}
}

// DecodeServer parses one server text frame.
func DecodeServer(frame []byte) (ServerMessage, error) {
	var m ServerMessage
	if err := json.Unmarshal(frame, &m); err != nil {
		return ServerMessage{}, err
	}
	if m.Type == "" {
		return ServerMessage{}, errors.New(`protocol: server message without "type"`)
	}
	return m, nil
}

// Marshal encodes a server message. It cannot fail for the types of this
// package.
func Marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("protocol: marshal " + err.Error())
	}
	return b
}

// AppendAudioJSON appends the JSON audio message for pcm (little-endian s16)
// to dst. It is the hot path of JSON mode, so it avoids reflection and the
// intermediate base64 string.
func AppendAudioJSON(dst, pcm []byte) []byte { return AppendContextAudioJSON(dst, pcm, "") }

// AppendContextAudioJSON is AppendAudioJSON with the context_id of a
// named context (extension); "" leaves the field out.
func AppendContextAudioJSON(dst, pcm []byte, contextID string) []byte {
	dst = append(dst, `{"type":"audio","chunk":"`...)
	n := base64.StdEncoding.EncodedLen(len(pcm))
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	base64.StdEncoding.Encode(dst[start:], pcm)
	dst = append(dst, `","sample_rate":`...)
	dst = strconv.AppendInt(dst, SampleRate, 10)
	dst = append(dst, `,"format":"`+Format+`"`...)
	if contextID != "" {
		id, _ := json.Marshal(contextID) // a string always marshals
		dst = append(dst, `,"context_id":`...)
		dst = append(dst, id...)
	}
	return append(dst, '}')
}

// NewErrorMessage builds the error message for e.
func NewErrorMessage(e *Error) ErrorMessage {
	return ErrorMessage{Type: TypeError, Message: e.Message, Code: int(e.Code), ContextID: e.ContextID}
}
