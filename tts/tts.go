package tts

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/langdetect"
	"github.com/parley-voice/parley/protocol"
	"github.com/parley-voice/parley/segment"
	"github.com/parley-voice/parley/textnorm"
	"github.com/parley-voice/parley/voice"
)

// Pipeline speaks text with one engine. It holds no per-request state and is
// safe for concurrent use.
type Pipeline struct {
	Engine engine.Synthesizer
}

// Segment describes one spoken segment.
type Segment struct {
	Text       string            // as given
	Normalized string            // as spoken
	Language   protocol.Language // resolved
	Voice      engine.Voice
	Samples    int // 24 kHz samples emitted
}

// Speak speaks one segment of raw text. lang may be Auto. Blank text speaks
// nothing and returns a zero Segment. emit must not retain pcm.
func (p *Pipeline) Speak(ctx context.Context, text string, lang protocol.Language, prof voice.Profile, emit func(pcm []int16) error) (Segment, error) {
	seg := Segment{Text: text}
	if strings.TrimSpace(text) == "" {
		return seg, nil
	}
	seg.Language = ResolveLanguage(text, lang)
	seg.Normalized = strings.TrimSpace(textnorm.Normalize(text, seg.Language))
	if seg.Normalized == "" {
		return seg, nil
	}
	seg.Voice = prof.VoiceFor(seg.Language)
	err := p.Engine.Synthesize(ctx, engine.Segment{Text: seg.Normalized, Language: seg.Language}, seg.Voice, func(pcm []int16) error {
		seg.Samples += len(pcm)
		return emit(pcm)
	})
	return seg, err
}

// SpeakAll segments a whole text the way a flushed realtime generation would
// and speaks every segment in order.
func (p *Pipeline) SpeakAll(ctx context.Context, text string, lang protocol.Language, prof voice.Profile, emit func(pcm []int16) error) ([]Segment, error) {
	cfg := segment.DefaultConfig()
	cfg.Language = lang
	s, err := segment.New(cfg)
	if err != nil {
		return nil, err
	}
	parts := append(s.Push(text), s.Flush()...)
	out := make([]Segment, 0, len(parts))
	for _, part := range parts {
		seg, err := p.Speak(ctx, part, lang, prof, emit)
		if err != nil {
			return out, err
		}
		if seg.Samples > 0 {
			out = append(out, seg)
		}
	}
	return out, nil
}

// ResolveLanguage turns a config language into the language of one segment:
// Auto is detected from the text, falling back to English.
func ResolveLanguage(text string, lang protocol.Language) protocol.Language {
	if lang != protocol.Auto && lang != "" {
		return lang
	}
	return langdetect.Detect(text, protocol.English)
}

// Chars counts the characters of text the way quotas and done.characters do:
// Unicode code points.
func Chars(text string) int { return utf8.RuneCountInString(text) }
