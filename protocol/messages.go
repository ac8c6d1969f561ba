package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
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
}

// ClientMessage is one decoded client frame. Only the fields of its Type are
// meaningful.
type ClientMessage struct {
	Type   string
	Config Config // TypeConfig
	Text   string // TypeText
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
	case TypeText:
		if w.Text == nil {
			return ClientMessage{}, Errorf(CloseInvalid, `text: missing field "text"`)
		}
		m.Text = *w.Text
	case TypeFlush, TypeBinaryMode, TypePing, TypeClear:
	default:
		return ClientMessage{}, Errorf(CloseInvalid, "unknown message type %q", m.Type)
	}
	return m, nil
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
	AudioDurationMS     int64  `json:"audio_duration_ms"` // extension
	Characters          int    `json:"characters"`        // extension
}

// ErrorMessage reports a problem to the client.
type ErrorMessage struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Code    int    `json:"code"`
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
}

// Done returns the message's done fields.
func (m ServerMessage) Done() Done {
	return Done{Type: TypeDone, TotalChunks: m.TotalChunks, DurationMS: m.DurationMS,
		FirstChunkLatencyMS: m.FirstChunkLatencyMS, AudioDurationMS: m.AudioDurationMS, Characters: m.Characters}
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
func AppendAudioJSON(dst, pcm []byte) []byte {
	dst = append(dst, `{"type":"audio","chunk":"`...)
	n := base64.StdEncoding.EncodedLen(len(pcm))
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	base64.StdEncoding.Encode(dst[start:], pcm)
	dst = append(dst, `","sample_rate":`...)
	dst = strconv.AppendInt(dst, SampleRate, 10)
	dst = append(dst, `,"format":"`+Format+`"}`...)
	return dst
}

// NewErrorMessage builds the error message for e.
func NewErrorMessage(e *Error) ErrorMessage {
	return ErrorMessage{Type: TypeError, Message: e.Message, Code: int(e.Code)}
}
