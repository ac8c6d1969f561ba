package agent

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Client message types of /v1/agent.
const (
	msgStart    = "start"
	msgPlayback = "playback"
	msgText     = "text"
	msgStop     = "stop"
)

// clientMessage is any client message; only the fields of its type matter.
type clientMessage struct {
	Type             string  `json:"type"`
	APIKey           string  `json:"api_key"`
	InputSampleRate  int     `json:"input_sample_rate"`
	VoiceDescription string  `json:"voice_description"`
	Voice            string  `json:"voice"`
	Language         string  `json:"language"`
	Instructions     string  `json:"instructions"`
	Turn             int     `json:"turn"`
	PlayedMS         float64 `json:"played_ms"`
	Text             string  `json:"text"`
}

// Limits of the client protocol.
const (
	maxFrameBytes        = 64 << 10
	maxInstructionsChars = 2000
	maxTextChars         = 2000
	minInputRate         = 8000
	maxInputRate         = 96000
)

var errNotJSON = errors.New("message is not valid JSON")

func decodeClient(b []byte) (clientMessage, error) {
	var m clientMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%w: %v", errNotJSON, err)
	}
	switch m.Type {
	case msgStart:
		if m.InputSampleRate < minInputRate || m.InputSampleRate > maxInputRate {
			return m, fmt.Errorf("start: input_sample_rate must be %d to %d", minInputRate, maxInputRate)
		}
		if len([]rune(m.Instructions)) > maxInstructionsChars {
			return m, fmt.Errorf("start: instructions longer than %d characters", maxInstructionsChars)
		}
	case msgPlayback:
		if m.Turn <= 0 || m.PlayedMS < 0 {
			return m, errors.New("playback: turn and played_ms are required")
		}
	case msgText:
		if len([]rune(m.Text)) > maxTextChars {
			return m, fmt.Errorf("text: longer than %d characters", maxTextChars)
		}
	case msgStop:
	case "":
		return m, errors.New(`missing field "type"`)
	default:
		return m, fmt.Errorf("unknown message type %q", m.Type)
	}
	return m, nil
}

// Server messages. Each is marshalled with its type.
type (
	readyMsg struct {
		Type             string `json:"type"`
		SessionID        string `json:"session_id"`
		OutputSampleRate int    `json:"output_sample_rate"`
		VAD              string `json:"vad"`
		STT              string `json:"stt"`
		LLM              string `json:"llm"`
	}
	stateMsg struct {
		Type  string `json:"type"`
		State string `json:"state"`
		Turn  int    `json:"turn"`
	}
	vadMsg struct {
		Type  string `json:"type"`
		Event string `json:"event"`
	}
	transcriptMsg struct {
		Type  string `json:"type"`
		Turn  int    `json:"turn"`
		Text  string `json:"text"`
		Final bool   `json:"final"`
		// Continues is an earlier turn whose line this one replaces: the
		// user went on speaking.
		Continues int `json:"continues,omitempty"`
	}
	responseMsg struct {
		Type  string `json:"type"`
		Turn  int    `json:"turn"`
		Delta string `json:"delta"`
	}
	responseDoneMsg struct {
		Type string `json:"type"`
		Turn int    `json:"turn"`
		Text string `json:"text"`
	}
	stopPlaybackMsg struct {
		Type string `json:"type"`
		Turn int    `json:"turn"`
	}
	interruptedMsg struct {
		Type      string `json:"type"`
		Turn      int    `json:"turn"`
		HeardText string `json:"heard_text"`
	}
	metricsMsg struct {
		Type string `json:"type"`
		turnRecord
	}
	errorMsg struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Code    int    `json:"code"`
	}
)

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("agent: marshal: " + err.Error())
	}
	return b
}

// turnRecord is one answered turn's latencies, in milliseconds: the
// metrics message, and an entry of a call record's turn_metrics.
type turnRecord struct {
	Turn                   int     `json:"turn"`
	SpeechEndToTranscript  float64 `json:"speech_end_to_transcript_ms"`
	TranscriptToFirstToken float64 `json:"transcript_to_first_token_ms"`
	FirstTokenToFirstAudio float64 `json:"first_token_to_first_audio_ms"`
	FirstAudioToPlayed     float64 `json:"first_audio_to_played_ms"`
	SpeechEndToPlayed      float64 `json:"speech_end_to_played_ms"`
	Interrupted            bool    `json:"interrupted,omitempty"`
}
