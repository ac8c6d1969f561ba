package server

import (
	"context"

	"github.com/parley-voice/parley/auth"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/voice"
)

// voiceResolver resolves config voices: a description is designed, nothing
// means the default voice. Saved voices and clone prompts need the voices
// API, which this release does not have yet.
type voiceResolver struct{}

func (voiceResolver) Resolve(ctx context.Context, p auth.Principal, cfg protocol.Config) (voice.Profile, error) {
	switch {
	case cfg.Voice != "":
		return voice.Profile{}, protocol.Errorf(protocol.CloseInvalid, "unknown voice %q", cfg.Voice)
	case cfg.VoiceClonePrompt != "":
		return voice.Profile{}, protocol.Errorf(protocol.CloseInvalid, "invalid voice_clone_prompt")
	case cfg.VoiceDescription != "":
		return voice.Design(cfg.VoiceDescription), nil
	}
	return voice.Default(), nil
}
