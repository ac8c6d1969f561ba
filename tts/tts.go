package tts

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-voice/parley/engine"
	"github.com/parley-voice/parley/engine/sched"
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
	// Voices chooses each segment's engine voice, neural voices first;
	// nil means Profile.VoiceFor, the parametric engines alone.
	Voices *voice.Catalog
}

// Request is one segment to speak.
type Request struct {
	Text     string            // raw segment text
	Language protocol.Language // the configured language; Auto detects
	Voice    voice.Profile
	// Lookahead is text known to follow Text (the rest of the buffer, or
	// the next segments). With Auto, a short segment ("Guten Morgen,") is
	// detected together with the rest of its sentence.
	Lookahead string
	// Previous is the language of the segment before, or "": with Auto,
	// text that gives no clear evidence stays in the conversation's
	// language.
	Previous protocol.Language
}

// Segment describes one spoken segment.
type Segment struct {
	Text       string            // as given
	Normalized string            // as spoken
	Language   protocol.Language // resolved
	Voice      engine.Voice
	Samples    int // 24 kHz samples emitted
}

// Speak speaks one segment. Blank text speaks nothing and returns a
// Segment without audio. emit must not retain pcm.
func (p *Pipeline) Speak(ctx context.Context, r Request, emit func(pcm []int16) error) (Segment, error) {
	seg := Segment{Text: r.Text}
	if strings.TrimSpace(r.Text) == "" {
		return seg, nil
	}
	seg.Language = ResolveLanguage(r)
	seg.Normalized = strings.TrimSpace(textnorm.Normalize(r.Text, seg.Language))
	if seg.Normalized == "" {
		return seg, nil
	}
	seg.Voice = p.Voices.VoiceFor(r.Voice, seg.Language)
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
	var prev protocol.Language
	for i, part := range parts {
		r := Request{Text: part, Language: lang, Voice: prof, Previous: prev}
		if i+1 < len(parts) {
			r.Lookahead = parts[i+1]
		}
		sctx := ctx
		if len(out) == 0 {
			sctx = sched.Urgent(ctx) // the listener waits for the first audio
		}
		seg, err := p.Speak(sctx, r, emit)
		if err != nil {
			return out, err
		}
		if seg.Samples > 0 {
			out = append(out, seg)
			prev = seg.Language
		}
	}
	return out, nil
}

// shortSegment is the length, in letters, below which a segment alone is
// too little evidence of its language.
const shortSegment = 40

// ResolveLanguage returns the language of one segment: the configured one,
// or with Auto the detected one. A short segment is detected together with
// the lookahead up to the end of its sentence; when the evidence is unclear
// the previous segment's language (or English) wins.
func ResolveLanguage(r Request) protocol.Language {
	if r.Language != protocol.Auto && r.Language != "" {
		return r.Language
	}
	fallback := r.Previous
	if fallback == "" {
		fallback = protocol.English
	}
	text := r.Text
	if letters(text) < shortSegment && r.Lookahead != "" {
		text += restOfSentence(r.Lookahead)
	}
	return langdetect.Detect(text, fallback)
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// restOfSentence returns s up to and including its first sentence end.
func restOfSentence(s string) string {
	if i := strings.IndexAny(s, ".!?。！？"); i >= 0 {
		_, n := utf8.DecodeRuneInString(s[i:])
		return s[:i+n]
	}
	return s
}

// Chars counts the characters of text the way quotas and done.characters do:
// Unicode code points.
func Chars(text string) int { return utf8.RuneCountInString(text) }
