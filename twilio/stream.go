package twilio

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// Events of Twilio's messages.
const (
	EventConnected = "connected"
	EventStart     = "start"
	EventMedia     = "media"
	EventDTMF      = "dtmf"
	EventMark      = "mark"
	EventStop      = "stop"
)

// The media format of every stream: "Value is always audio/x-mulaw",
// 8000, 1.
const (
	Encoding   = "audio/x-mulaw"
	SampleRate = 8000
	Channels   = 1
)

// Message is one message from Twilio. Event says which of the pointers is
// set (none for connected).
type Message struct {
	Event          string
	SequenceNumber string
	StreamSid      string
	Connected      *Connected
	Start          *Start
	Media          *Media
	DTMF           *DTMF
	Mark           *Mark
	Stop           *Stop
}

// Connected is the first message of a stream.
type Connected struct {
	Protocol, Version string
}

// Start describes the stream; it comes once, after connected.
type Start struct {
	StreamSid, AccountSid, CallSid string
	Tracks                         []string
	CustomParameters               map[string]string
	MediaFormat                    MediaFormat
}

// MediaFormat is the format of the media payloads.
type MediaFormat struct {
	Encoding   string `json:"encoding"`
	SampleRate int    `json:"sampleRate"`
	Channels   int    `json:"channels"`
}

// Media is a piece of the call's audio, μ-law at 8 kHz (typically 20 ms).
type Media struct {
	Track     string // "inbound" (the caller) or "outbound"
	Chunk     string
	Timestamp string // ms from the start of the stream
	Payload   []byte // μ-law, decoded from Base64
}

// DTMF is a key the caller pressed.
type DTMF struct {
	Track string
	Digit string
}

// Mark is a mark the server sent, sent back once the audio before it has
// played, or has been cleared.
type Mark struct {
	Name string
}

// Stop ends the stream.
type Stop struct {
	AccountSid, CallSid string
}

// wireMessage is every field of every message from Twilio.
type wireMessage struct {
	Event          string `json:"event"`
	SequenceNumber string `json:"sequenceNumber"`
	StreamSid      string `json:"streamSid"`
	Protocol       string `json:"protocol"`
	Version        string `json:"version"`
	Start          *struct {
		StreamSid        string            `json:"streamSid"`
		AccountSid       string            `json:"accountSid"`
		CallSid          string            `json:"callSid"`
		Tracks           []string          `json:"tracks"`
		CustomParameters map[string]string `json:"customParameters"`
		MediaFormat      *MediaFormat      `json:"mediaFormat"`
	} `json:"start"`
	Media *struct {
		Track     string `json:"track"`
		Chunk     string `json:"chunk"`
		Timestamp string `json:"timestamp"`
		Payload   string `json:"payload"`
	} `json:"media"`
	DTMF *struct {
		Track string `json:"track"`
		Digit string `json:"digit"`
	} `json:"dtmf"`
	Mark *struct {
		Name string `json:"name"`
	} `json:"mark"`
	Stop *struct {
		AccountSid string `json:"accountSid"`
		CallSid    string `json:"callSid"`
	} `json:"stop"`
}

// Decode reads one message from Twilio. A known event with a field
// missing or malformed is an error wrapping ErrInvalid that names the
// field; an unknown event is ErrUnknownEvent, with Event set.
func Decode(b []byte) (Message, error) {
	var w wireMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return Message{}, fmt.Errorf("%w: not a JSON message: %v", ErrInvalid, err)
	}
	m := Message{Event: w.Event, SequenceNumber: w.SequenceNumber, StreamSid: w.StreamSid}
	bad := func(field string) (Message, error) {
		return m, fmt.Errorf("%w: %s message without a valid %s", ErrInvalid, w.Event, field)
	}
	if w.Event != EventConnected && w.SequenceNumber != "" && !decimal(w.SequenceNumber) {
		return bad("sequenceNumber")
	}
	switch w.Event {
	case EventConnected:
		m.Connected = &Connected{Protocol: w.Protocol, Version: w.Version}
	case EventStart:
		s := w.Start
		switch {
		case s == nil:
			return bad("start")
		case s.StreamSid == "":
			return bad("start.streamSid")
		case s.CallSid == "":
			return bad("start.callSid")
		case s.AccountSid == "":
			return bad("start.accountSid")
		case s.MediaFormat == nil:
			return bad("start.mediaFormat")
		}
		if m.StreamSid == "" {
			m.StreamSid = s.StreamSid
		}
		m.Start = &Start{StreamSid: s.StreamSid, AccountSid: s.AccountSid, CallSid: s.CallSid,
			Tracks: s.Tracks, CustomParameters: s.CustomParameters, MediaFormat: *s.MediaFormat}
	case EventMedia:
		md := w.Media
		if md == nil {
			return bad("media")
		}
		payload, err := base64.StdEncoding.DecodeString(md.Payload)
		if err != nil {
			return bad("media.payload (Base64)")
		}
		if md.Chunk != "" && !decimal(md.Chunk) {
			return bad("media.chunk")
		}
		if md.Timestamp != "" && !decimal(md.Timestamp) {
			return bad("media.timestamp")
		}
		m.Media = &Media{Track: md.Track, Chunk: md.Chunk, Timestamp: md.Timestamp, Payload: payload}
	case EventDTMF:
		d := w.DTMF
		if d == nil || len(d.Digit) != 1 || !strings.Contains("0123456789*#ABCD", d.Digit) {
			return bad("dtmf.digit")
		}
		m.DTMF = &DTMF{Track: d.Track, Digit: d.Digit}
	case EventMark:
		if w.Mark == nil || w.Mark.Name == "" {
			return bad("mark.name")
		}
		m.Mark = &Mark{Name: w.Mark.Name}
	case EventStop:
		m.Stop = &Stop{}
		if w.Stop != nil {
			m.Stop.AccountSid, m.Stop.CallSid = w.Stop.AccountSid, w.Stop.CallSid
		}
	case "":
		return m, fmt.Errorf(`%w: message without "event"`, ErrInvalid)
	default:
		return m, fmt.Errorf("%w %q", ErrUnknownEvent, w.Event)
	}
	return m, nil
}

func decimal(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// EncodeMedia returns the message that plays payload, μ-law at 8 kHz, on
// the stream.
func EncodeMedia(streamSid string, payload []byte) []byte {
	// Written by hand: it is the message sent most often, fifty a second.
	n := base64.StdEncoding.EncodedLen(len(payload))
	b := make([]byte, 0, len(streamSid)+n+64)
	b = append(b, `{"event":"media","streamSid":`...)
	b = appendString(b, streamSid)
	b = append(b, `,"media":{"payload":"`...)
	b = base64.StdEncoding.AppendEncode(b, payload)
	return append(b, `"}}`...)
}

// EncodeMark returns the message that asks Twilio to send name back once
// the audio sent before it has played.
func EncodeMark(streamSid, name string) []byte {
	b := append([]byte(`{"event":"mark","streamSid":`), nil...)
	b = appendString(b, streamSid)
	b = append(b, `,"mark":{"name":`...)
	b = appendString(b, name)
	return append(b, "}}"...)
}

// EncodeClear returns the message that drops the audio Twilio has not yet
// played.
func EncodeClear(streamSid string) []byte {
	b := append([]byte(`{"event":"clear","streamSid":`), nil...)
	b = appendString(b, streamSid)
	return append(b, '}')
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
